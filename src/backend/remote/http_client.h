#pragma once
// A JSON-over-HTTP client for remote backends (SPEC S2): a timeout per request, retries with
// exponential backoff on connection errors, 429, 5xx, malformed and truncated bodies (a 429
// or 503's Retry-After is waited instead, up to a cap), and a limit on requests in flight.
// Failures after the last retry throw one RunError naming the URL and the cause. Header
// values (an API key) never appear in a message.
// Several servers of one model (base_urls, issue 21) share the requests: each goes to the
// least-busy endpoint with `concurrency` slots each (EndpointPool), a try that fails in a way
// worth retrying sends the endpoint to rest and the request straight on to another, and only
// when every endpoint failed does the round's backoff follow. One server is a fleet of one.

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/remote/endpoint_pool.h"
#include "core/errors.h"

namespace qualm::remote {

// At most 200 bytes of a server's reply, for an error message: whole characters, any byte
// that is not UTF-8 as U+FFFD (a message goes into records as JSON), on one line.
std::string reply_excerpt(std::string_view body);
std::string json_excerpt(const nlohmann::json& reply);  // its compact JSON, cut the same way

// Messages as chat APIs take them: [{"role": ..., "content": ...}].
nlohmann::json chat_json(std::span<const ChatMessage> messages);

struct HttpOptions {
  std::string base_url;  // http://host:port, with an optional path prefix
  std::vector<std::string> base_urls;  // servers of the same model, in preference order; empty: base_url alone
  double timeout_s = 120;
  int retries = 3;         // further rounds after the first (a round tries each endpoint once)
  int concurrency = 4;     // requests in flight at once, per endpoint
  double rest_s = 10;      // an endpoint where a try failed takes no new request this long while others can
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

  // `served_by`, when given, is set to the endpoint that answered (redacted, as endpoints() names it).
  nlohmann::json post(const std::string& path, const nlohmann::json& body, std::string* served_by = nullptr) const;
  nlohmann::json get(const std::string& path) const;

  // Runs fn(i) for i in [0, n) on up to `concurrency` threads per endpoint; rethrows the first failure.
  void for_each(size_t n, const std::function<void(size_t)>& fn) const;

  const HttpOptions& options() const { return options_; }
  // The endpoints' URLs (credentials redacted), in the order given.
  std::vector<std::string> urls() const;
  // Per endpoint, what its tries came to so far: [{url, served, refused, failed}].
  nlohmann::json endpoints() const;

 private:
  struct Endpoint {
    std::string host;    // scheme://host:port, without user:password@
    std::string prefix;  // path prefix of the URL, without a trailing slash
    std::string user, password;  // from the URL's user:password@, sent as HTTP basic auth
    std::string label;   // the URL as records and the manifest name it (credentials redacted)
  };
  // One try on one endpoint: the reply, or why it is worth retrying (and a Retry-After asked).
  // Throws HttpRefusal for a 4xx other than 429.
  struct Try {
    std::optional<nlohmann::json> reply;
    std::string failure;
    std::optional<double> retry_after_s;
  };
  Try try_once(const Endpoint& e, const std::string& method, const std::string& path, const std::string& payload) const;
  nlohmann::json request(const std::string& method, const std::string& path, const nlohmann::json* body,
                         std::string* served_by) const;
  // `text` (a message that quotes the server) with every secret replaced by ***: a server may
  // echo the key it refused.
  std::string scrub(std::string text) const;

  HttpOptions options_;
  std::vector<Endpoint> endpoints_;
  std::shared_ptr<EndpointPool> pool_;  // shared: a copied client spreads over the same slots
  std::vector<std::string> secrets_;  // the passwords and the Authorization header's values
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
