#pragma once
// Credentials written into URLs (http://user:password@host) are for the server only: every
// URL qualm prints, logs or stores in a record or manifest goes through redact_urls first.

#include <string>
#include <string_view>

namespace qualm {

// `text` with the user:password@ of every scheme://user:password@host in it replaced by ***@.
std::string redact_urls(std::string_view text);

// The user:password of `url` (empty when it has none), and the URL without it.
struct UrlCredentials {
  std::string user, password;
  std::string url;  // scheme://host:port/path
};
UrlCredentials split_url_credentials(std::string_view url);

}  // namespace qualm
