#include "backend/remote/http_client.h"

#include "core/utf8.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <thread>

#include <time.h>  // strptime, timegm (POSIX)

#include "core/errors.h"
#include "core/redact.h"

namespace qualm::remote {
namespace {

using nlohmann::json;

bool retryable(int status) { return status == 429 || status >= 500; }

}  // namespace

std::string reply_excerpt(std::string_view body) {
  constexpr size_t kBytes = 200;
  size_t end = std::min(body.size(), kBytes);
  // Whole characters only: never cut a multi-byte one.
  while (end > 0 && end < body.size() && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) --end;
  std::string s = utf8_replacing_invalid(body.substr(0, end));
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

nlohmann::json chat_json(std::span<const ChatMessage> messages) {
  nlohmann::json out = nlohmann::json::array();
  for (const ChatMessage& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

std::string json_excerpt(const json& reply) {
  return reply_excerpt(std::string_view(reply.dump(-1, ' ', false, json::error_handler_t::replace)));
}

namespace {

std::string excerpt(const std::string& body) { return reply_excerpt(std::string_view(body)); }

// The server's own error message, when the body carries one.
std::string server_message(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error")) {
    const json& e = j["error"];
    if (e.is_string()) return e.get<std::string>();
    if (e.is_object() && e.contains("message") && e["message"].is_string()) return e["message"].get<std::string>();
  }
  return excerpt(body);
}

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

}  // namespace

std::optional<double> retry_after_seconds(const std::string& value, std::time_t now) {
  const std::string v = trimmed(value);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return v.size() > 9 ? 1e9 : std::stod(v);
  }
  // RFC 9110's IMF-fixdate, then the obsolete RFC 850 and asctime forms it also allows.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(v.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    return std::max(0.0, std::difftime(timegm(&tm), now));
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  if (options_.base_urls.empty()) options_.base_urls = {options_.base_url};
  for (const std::string& base_url : options_.base_urls) {
    const UrlCredentials credentials = split_url_credentials(base_url);
    Endpoint e;
    e.user = credentials.user;
    e.password = credentials.password;
    if (!e.password.empty()) secrets_.push_back(e.password);
    std::string url = credentials.url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos)
      throw InputError("base_url", "'" + redact_urls(url) + "' has no scheme", "write http://host:port");
    const size_t slash = url.find('/', scheme + 3);
    e.host = url.substr(0, slash);
    e.prefix = slash == std::string::npos ? "" : url.substr(slash);
    std::string label = base_url;
    while (!label.empty() && label.back() == '/') label.pop_back();
    e.label = redact_urls(label);
    endpoints_.push_back(std::move(e));
  }
  for (const auto& [k, v] : options_.headers) {
    if (k != "Authorization") continue;
    secrets_.push_back(v);
    if (const size_t space = v.find(' '); space != std::string::npos && space + 1 < v.size()) secrets_.push_back(v.substr(space + 1));
  }
  options_.concurrency = std::max(1, options_.concurrency);
  pool_ = std::make_shared<EndpointPool>(endpoints_.size(), options_.concurrency);
}

std::vector<std::string> HttpClient::urls() const {
  std::vector<std::string> out;
  for (const Endpoint& e : endpoints_) out.push_back(e.label);
  return out;
}

json HttpClient::endpoints() const {
  const std::vector<EndpointPool::Counts> counts = pool_->counts();
  json out = json::array();
  for (size_t e = 0; e < endpoints_.size(); ++e) {
    out.push_back({{"url", endpoints_[e].label},
                   {"served", counts[e].served},
                   {"refused", counts[e].refused},
                   {"failed", counts[e].failed}});
  }
  return out;
}

std::string HttpClient::scrub(std::string text) const {
  for (const std::string& secret : secrets_) {
    if (secret.size() < 4) continue;  // too short to tell from ordinary text
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) text.replace(at, secret.size(), "***");
  }
  return text;
}

json HttpClient::post(const std::string& path, const json& body, std::string* served_by) const {
  return request("POST", path, &body, served_by);
}
json HttpClient::get(const std::string& path) const { return request("GET", path, nullptr, nullptr); }

HttpClient::Try HttpClient::try_once(const Endpoint& e, const std::string& method, const std::string& path,
                                     const std::string& payload) const {
  httplib::Headers headers;
  for (const auto& [k, v] : options_.headers) headers.emplace(k, v);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options_.timeout_s * 1000));
  httplib::Client client(e.host);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  // An API key's Authorization header wins over the URL's user:password.
  if (!e.user.empty() && !headers.contains("Authorization")) client.set_basic_auth(e.user, e.password);
  const httplib::Result res = method == "POST" ? client.Post(e.prefix + path, headers, payload, "application/json")
                                               : client.Get(e.prefix + path, headers);
  Try out;
  if (!res) {
    out.failure = httplib::to_string(res.error());
    if (res.error() == httplib::Error::Connection) out.failure = "could not connect (is the server running?)";
    if (res.error() == httplib::Error::Read)
      out.failure += " (no reply within " + seconds(options_.timeout_s) + ", or the body was cut short)";
    return out;
  }
  if (retryable(res->status)) {
    out.failure = "HTTP " + std::to_string(res->status) + ": " + scrub(server_message(res->body));
    if ((res->status == 429 || res->status == 503) && res->has_header("Retry-After")) {
      if (const auto asked = retry_after_seconds(res->get_header_value("Retry-After"), std::time(nullptr))) {
        out.retry_after_s = std::min(*asked, options_.max_retry_after_s);
        out.failure += " (Retry-After: " + seconds(*out.retry_after_s) + ")";
      }
    }
    return out;
  }
  if (res->status >= 400) {
    throw HttpRefusal(res->status, method + " " + e.host + e.prefix + path + ": HTTP " + std::to_string(res->status) +
                                       ": " + scrub(server_message(res->body)));
  }
  json j = json::parse(res->body, nullptr, false);
  if (j.is_discarded()) {
    out.failure = "the reply is not JSON: '" + scrub(excerpt(res->body)) + "'";
    return out;
  }
  out.reply = std::move(j);
  return out;
}

json HttpClient::request(const std::string& method, const std::string& path, const json* body,
                         std::string* served_by) const {
  const std::string payload = body ? body->dump() : "";
  std::vector<std::string> last(endpoints_.size());  // each endpoint's last failure
  double backoff = options_.backoff_s;
  double pause = backoff;  // before the next round: the backoff, or what a server asked for
  for (int round = 0; round <= options_.retries; ++round) {
    if (round > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(pause));
      backoff *= 2;
      pause = backoff;
    }
    std::vector<bool> tried(endpoints_.size(), false);
    while (const std::optional<size_t> e = pool_->acquire(tried)) {
      tried[*e] = true;
      Try t;
      try {
        t = try_once(endpoints_[*e], method, path, payload);
      } catch (...) {
        pool_->release(*e, EndpointPool::Outcome::kRefused);
        throw;
      }
      if (t.reply) {
        pool_->release(*e, EndpointPool::Outcome::kServed);
        if (served_by != nullptr) *served_by = endpoints_[*e].label;
        return std::move(*t.reply);
      }
      pool_->release(*e, EndpointPool::Outcome::kFailed, t.retry_after_s.value_or(options_.rest_s));
      last[*e] = std::move(t.failure);
      if (t.retry_after_s) pause = std::max(pause, *t.retry_after_s);
    }
  }
  const int tries = options_.retries + 1;
  const std::string times = std::to_string(tries) + (tries == 1 ? " try" : " tries");
  if (endpoints_.size() == 1) {
    const Endpoint& e = endpoints_[0];
    throw RunError(method + " " + e.host + e.prefix + path + " failed after " + times + ": " + last[0]);
  }
  std::string each;
  for (size_t e = 0; e < endpoints_.size(); ++e) {
    each += (e == 0 ? "" : "; ") + endpoints_[e].host + endpoints_[e].prefix + path + ": " + last[e];
  }
  throw RunError(method + " " + path + " failed on every one of the " + std::to_string(endpoints_.size()) +
                 " servers after " + times + " each: " + each);
}

void HttpClient::for_each(size_t n, const std::function<void(size_t)>& fn) const {
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex mutex;
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      {
        std::lock_guard lock(mutex);
        if (failure) return;
      }
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(options_.concurrency) * endpoints_.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace qualm::remote
