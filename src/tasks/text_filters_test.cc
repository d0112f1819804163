#include "tasks/text_filters.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace qualm {
namespace {

TextFilter filter(TextFilter::Kind kind, std::string pattern = "") { return {kind, std::move(pattern), "t.yaml:3"}; }

TEST(TextFilters, InOrder) {
  using K = TextFilter::Kind;
  EXPECT_EQ(apply_filters("  positive\nbecause  ", {filter(K::kStrip), filter(K::kFirstLine)}, {}), "positive");
  EXPECT_EQ(apply_filters("\npositive", {filter(K::kFirstLine), filter(K::kStrip)}, {}), "");
  EXPECT_EQ(apply_filters("a END b ### c", {filter(K::kTruncateAtStop)}, {"###", "END"}), "a ");
  EXPECT_EQ(apply_filters("The answer is 42.", {filter(K::kRegex, "answer is (\\d+)")}, {}), "42");
  EXPECT_EQ(apply_filters("x = 7", {filter(K::kRegex, "\\d+")}, {}), "7");
  EXPECT_EQ(apply_filters("none", {filter(K::kRegex, "\\d+")}, {}), "");
  EXPECT_THROW(apply_filters("x", {filter(K::kRegex, "(")}, {}), InputError);
}

}  // namespace
}  // namespace qualm
