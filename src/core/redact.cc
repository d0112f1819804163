#include "core/redact.h"

namespace qualm {
namespace {

// Where the authority of a URL whose "://" ends at `start` stops: at /, ?, #, a blank, a quote
// or the end of the text.
size_t authority_end(std::string_view text, size_t start) {
  size_t i = start;
  while (i < text.size() && std::string_view("/?# \t\r\n\"'").find(text[i]) == std::string_view::npos) ++i;
  return i;
}

}  // namespace

std::string redact_urls(std::string_view text) {
  std::string out;
  size_t done = 0;
  for (size_t at = text.find("://"); at != std::string_view::npos; at = text.find("://", at + 3)) {
    const size_t start = at + 3;
    const size_t end = authority_end(text, start);
    const size_t userinfo = text.substr(start, end - start).rfind('@');
    if (userinfo == std::string_view::npos) continue;
    out.append(text.substr(done, start - done));
    out += "***";
    done = start + userinfo;  // from the @ on
  }
  out.append(text.substr(done));
  return out;
}

UrlCredentials split_url_credentials(std::string_view url) {
  UrlCredentials out{"", "", std::string(url)};
  const size_t at = url.find("://");
  if (at == std::string_view::npos) return out;
  const size_t start = at + 3;
  const size_t end = authority_end(url, start);
  const size_t userinfo = url.substr(start, end - start).rfind('@');
  if (userinfo == std::string_view::npos) return out;
  const std::string_view info = url.substr(start, userinfo);
  const size_t colon = info.find(':');
  out.user = std::string(info.substr(0, colon));
  if (colon != std::string_view::npos) out.password = std::string(info.substr(colon + 1));
  out.url = std::string(url.substr(0, start)) + std::string(url.substr(start + userinfo + 1));
  return out;
}

}  // namespace qualm
