#include "core/did_you_mean.h"

#include <gtest/gtest.h>

namespace qualm {
namespace {

TEST(EditDistance, ClassicCases) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(ClosestMatch, SuggestsNearAndRefusesFar) {
  const std::vector<std::string> names = {"--ctx-size", "--batch-size", "--threads", "--json"};
  EXPECT_EQ(closest_match("--ctx-szie", names).value_or(""), "--ctx-size");
  EXPECT_EQ(closest_match("--jsno", names).value_or(""), "--json");
  EXPECT_FALSE(closest_match("--completely-different", names).has_value());
}

}  // namespace
}  // namespace qualm
