#pragma once
// The servers of one remote backend (SPEC S2, issue 21): each request takes a slot on the
// least-busy endpoint that is not resting (ties by order); an endpoint where a try failed in a
// way worth retrying rests for a while, and the request moves on to one it has not tried.
// Endpoints only are chosen here; what a try is and which failures count is HttpClient's.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace qualm::remote {

class EndpointPool {
 public:
  struct Counts {
    int64_t served = 0;   // tries that got a usable reply
    int64_t refused = 0;  // tries the server refused (4xx other than 429): the request's fault, not the server's
    int64_t failed = 0;   // tries that failed in a way worth retrying elsewhere
  };
  enum class Outcome { kServed, kRefused, kFailed };

  // `slots` requests in flight at most on each endpoint.
  EndpointPool(size_t endpoints, int slots);

  // Waits for a free slot and takes it: among the endpoints `tried` does not mark, the least
  // busy of those not resting, else (every one left rests) the least busy of the rest; ties go
  // to the first listed. nullopt when `tried` marks every endpoint.
  std::optional<size_t> acquire(const std::vector<bool>& tried);
  // Gives the slot back, counting the try. After kFailed the endpoint rests `rest_s` seconds:
  // new requests go elsewhere while another endpoint can take them.
  void release(size_t endpoint, Outcome outcome, double rest_s = 0);

  std::vector<Counts> counts() const;
  size_t size() const { return states_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct State {
    int in_flight = 0;
    Clock::time_point rests_until{};
    Counts counts;
  };
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<State> states_;
  int slots_;
};

}  // namespace qualm::remote
