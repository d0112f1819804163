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

TEST(ClosestMatches, NearFirstThenPrefixes) {
  const std::vector<std::string> names = {"arc_easy", "arc_challenge", "hellaswag", "mmlu", "mmlu_anatomy"};
  EXPECT_EQ(closest_matches("helaswag", names), std::vector<std::string>{"hellaswag"});
  EXPECT_EQ(closest_matches("arc", names), (std::vector<std::string>{"arc_challenge", "arc_easy"}));
  EXPECT_EQ(closest_matches("mmlu_anatomyy", names), std::vector<std::string>{"mmlu_anatomy"});
  EXPECT_TRUE(closest_matches("winogrande", names).empty());
}

}  // namespace
}  // namespace qualm
