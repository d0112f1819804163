#pragma once
// A JSON-over-HTTP client for remote backends (SPEC S2): a timeout per request, retries with
// exponential backoff on connection errors, 429, 5xx, malformed and truncated bodies (a 429
// or 503's Retry-After is waited instead, up to a cap), and a limit on requests in flight.
// Failures after the last retry throw one RunError naming the URL and the cause. Header
// values (an API key) never appear in a message.

#include <cstdint>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"

namespace qualm::remote {

struct HttpOptions {
  std::string base_url;  // http://host:port, with an optional path prefix
  double timeout_s = 120;
  int retries = 3;         // further tries after the first
  int concurrency = 4;     // requests in flight at once
  double backoff_s = 0.5;  // the first retry's wait; doubles each time
  double max_retry_after_s = 60;  // a server's Retry-After is waited at most this long
  std::vector<std::pair<std::string, std::string>> headers;
};

// A reply that is not worth retrying (4xx other than 429): the status and the server's words.
// A RunError: a cell it ends becomes error records with this message, not an internal error.
class HttpRefusal : public RunError {
 public:
  HttpRefusal(int status, const std::string& message) : RunError(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);

  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;
  nlohmann::json get(const std::string& path) const;

  // Runs fn(i) for i in [0, n) on up to `concurrency` threads; rethrows the first failure.
  void for_each(size_t n, const std::function<void(size_t)>& fn) const;

  const HttpOptions& options() const { return options_; }

 private:
  nlohmann::json request(const std::string& method, const std::string& path, const nlohmann::json* body) const;
  // `text` (a message that quotes the server) with every secret replaced by ***: a server may
  // echo the key it refused.
  std::string scrub(std::string text) const;

  HttpOptions options_;
  std::string host_;    // scheme://host:port, without user:password@
  std::string user_, password_;  // from base_url's user:password@, sent as HTTP basic auth
  std::vector<std::string> secrets_;  // the password and the Authorization header's values
  std::string prefix_;  // path prefix of base_url, without a trailing slash
};

// The wait a Retry-After value asks for, in seconds from `now`: delay-seconds ("120") or an
// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", RFC 9110); a date in the past is 0. Nothing
// when the value is neither.
std::optional<double> retry_after_seconds(const std::string& value, std::time_t now);

// A seed servers accept (31 bits) for each (seed, sample_key): samplers of one seed differ.
inline uint64_t server_seed(uint64_t seed, uint64_t sample_key) {
  return (seed * 0x9E3779B97F4A7C15ull + sample_key) % 0x7FFFFFFFull;
}

}  // namespace qualm::remote
