#include "core/redact.h"

#include <gtest/gtest.h>

namespace qualm {
namespace {

TEST(Redact, CredentialsInUrlsAreHidden) {
  EXPECT_EQ(redact_urls("http://user:s3cret@host:8080/v1"), "http://***@host:8080/v1");
  EXPECT_EQ(redact_urls("base_url: https://k@h\nother: http://h2/x@y"), "base_url: https://***@h\nother: http://h2/x@y");
  EXPECT_EQ(redact_urls("GET http://a:b@h/x failed; http://c:d@e"), "GET http://***@h/x failed; http://***@e");
  EXPECT_EQ(redact_urls("no url here: a@b"), "no url here: a@b");
  EXPECT_EQ(redact_urls("http://u:p@ss@host/"), "http://***@host/");  // the last @ ends the userinfo
}

TEST(Redact, SplitsCredentialsFromTheUrl) {
  const UrlCredentials c = split_url_credentials("http://user:pa:ss@127.0.0.1:9/v1");
  EXPECT_EQ(c.user, "user");
  EXPECT_EQ(c.password, "pa:ss");
  EXPECT_EQ(c.url, "http://127.0.0.1:9/v1");
  EXPECT_EQ(split_url_credentials("http://h:1").url, "http://h:1");
  EXPECT_EQ(split_url_credentials("http://h:1").user, "");
}

}  // namespace
}  // namespace qualm
