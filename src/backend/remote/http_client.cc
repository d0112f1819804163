#include "backend/remote/http_client.h"

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

std::string excerpt(const std::string& body) {
  std::string s = body.substr(0, 200);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

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
  const UrlCredentials credentials = split_url_credentials(options_.base_url);
  user_ = credentials.user;
  password_ = credentials.password;
  if (!password_.empty()) secrets_.push_back(password_);
  for (const auto& [k, v] : options_.headers) {
    if (k != "Authorization") continue;
    secrets_.push_back(v);
    if (const size_t space = v.find(' '); space != std::string::npos && space + 1 < v.size()) secrets_.push_back(v.substr(space + 1));
  }
  std::string url = credentials.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos)
    throw InputError("base_url", "'" + url + "' has no scheme", "write http://host:port");
  const size_t slash = url.find('/', scheme + 3);
  host_ = url.substr(0, slash);
  prefix_ = slash == std::string::npos ? "" : url.substr(slash);
  options_.concurrency = std::max(1, options_.concurrency);
}

std::string HttpClient::scrub(std::string text) const {
  for (const std::string& secret : secrets_) {
    if (secret.size() < 4) continue;  // too short to tell from ordinary text
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) text.replace(at, secret.size(), "***");
  }
  return text;
}

json HttpClient::post(const std::string& path, const json& body) const { return request("POST", path, &body); }
json HttpClient::get(const std::string& path) const { return request("GET", path, nullptr); }

json HttpClient::request(const std::string& method, const std::string& path, const json* body) const {
  const std::string url = host_ + prefix_ + path;
  httplib::Headers headers;
  for (const auto& [k, v] : options_.headers) headers.emplace(k, v);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options_.timeout_s * 1000));
  const std::string payload = body ? body->dump() : "";
  std::string last;
  double backoff = options_.backoff_s;
  double pause = backoff;  // before the next try: the backoff, or what the server asked for
  for (int attempt = 0; attempt <= options_.retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(pause));
      backoff *= 2;
      pause = backoff;
    }
    httplib::Client client(host_);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    // An API key's Authorization header wins over the URL's user:password.
    if (!user_.empty() && !headers.contains("Authorization")) client.set_basic_auth(user_, password_);
    const httplib::Result res = method == "POST" ? client.Post(prefix_ + path, headers, payload, "application/json")
                                                 : client.Get(prefix_ + path, headers);
    if (!res) {
      last = httplib::to_string(res.error());
      if (res.error() == httplib::Error::Connection) last = "could not connect (is the server running?)";
      if (res.error() == httplib::Error::Read)
        last += " (no reply within " + seconds(options_.timeout_s) + ", or the body was cut short)";
      continue;
    }
    if (retryable(res->status)) {
      last = "HTTP " + std::to_string(res->status) + ": " + scrub(server_message(res->body));
      if ((res->status == 429 || res->status == 503) && res->has_header("Retry-After")) {
        if (const auto asked = retry_after_seconds(res->get_header_value("Retry-After"), std::time(nullptr))) {
          pause = std::min(*asked, options_.max_retry_after_s);
          last += " (Retry-After: " + seconds(pause) + ")";
        }
      }
      continue;
    }
    if (res->status >= 400) {
      throw HttpRefusal(
          res->status, method + " " + url + ": HTTP " + std::to_string(res->status) + ": " + scrub(server_message(res->body)));
    }
    json j = json::parse(res->body, nullptr, false);
    if (j.is_discarded()) {
      last = "the reply is not JSON: '" + scrub(excerpt(res->body)) + "'";
      continue;
    }
    return j;
  }
  const int tries = options_.retries + 1;
  throw RunError(method + " " + url + " failed after " + std::to_string(tries) + (tries == 1 ? " try: " : " tries: ") +
                 last);
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
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(options_.concurrency));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace qualm::remote
