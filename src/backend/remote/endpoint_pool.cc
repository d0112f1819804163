#include "backend/remote/endpoint_pool.h"

#include <algorithm>

namespace qualm::remote {

EndpointPool::EndpointPool(size_t endpoints, int slots)
    : states_(std::max<size_t>(1, endpoints)), slots_(std::max(1, slots)) {}

std::optional<size_t> EndpointPool::acquire(const std::vector<bool>& tried) {
  std::unique_lock lock(mutex_);
  for (;;) {
    const Clock::time_point now = Clock::now();
    bool any_left = false, any_awake = false;
    Clock::time_point wake = Clock::time_point::max();  // when a resting endpoint left wakes
    for (size_t e = 0; e < states_.size(); ++e) {
      if (e < tried.size() && tried[e]) continue;
      any_left = true;
      if (states_[e].rests_until <= now) any_awake = true;
      else wake = std::min(wake, states_[e].rests_until);
    }
    if (!any_left) return std::nullopt;
    std::optional<size_t> best;
    for (size_t e = 0; e < states_.size(); ++e) {
      if ((e < tried.size() && tried[e]) || states_[e].in_flight >= slots_) continue;
      if (any_awake && states_[e].rests_until > now) continue;  // resting: only when every one left rests
      if (!best || states_[e].in_flight < states_[*best].in_flight) best = e;
    }
    if (best) {
      ++states_[*best].in_flight;
      return best;
    }
    // Every endpoint left is busy: wait for a slot, or for a resting one to wake.
    if (wake == Clock::time_point::max()) freed_.wait(lock);
    else freed_.wait_until(lock, wake);
  }
}

void EndpointPool::release(size_t endpoint, Outcome outcome, double rest_s) {
  std::lock_guard lock(mutex_);
  State& s = states_[endpoint];
  --s.in_flight;
  if (outcome == Outcome::kServed) ++s.counts.served;
  if (outcome == Outcome::kRefused) ++s.counts.refused;
  if (outcome == Outcome::kFailed) {
    ++s.counts.failed;
    const auto rest = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(rest_s));
    s.rests_until = std::max(s.rests_until, Clock::now() + rest);
  }
  freed_.notify_all();
}

std::vector<EndpointPool::Counts> EndpointPool::counts() const {
  std::lock_guard lock(mutex_);
  std::vector<Counts> out;
  for (const State& s : states_) out.push_back(s.counts);
  return out;
}

}  // namespace qualm::remote
