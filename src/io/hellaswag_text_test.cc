#include "io/hellaswag_text.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/data_dir.h"
#include "core/errors.h"
#include "io/compressed_file.h"

namespace qualm {
namespace {

// Two tasks; the second has CRLF endings and keeps its inner and trailing spaces.
const std::string kTwoTasks =
    "Roof shingle removal: A man is sitting on a roof. he\n"
    "3\n"
    "is using wrap to wrap a pair of skis.\n"
    "is ripping level tiles off.\n"
    "is holding a rubik's cube.\n"
    "starts pulling up roofing on a roof.\n"
    "Clean and jerk:  A lady walks to a barbell. \r\n"
    "0\r\n"
    " bends down and grabs the pole.\r\n"
    "swings and lands in her arms.\r\n"
    "pulls a rope attached to the barbell.\r\n"
    "stands and lifts the weight over her head.";  // no final newline

std::string error_of(const std::string& text) {
  try {
    parse_hellaswag_text(text, "tasks.txt");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// kTwoTasks with line `line` (1-based) replaced.
std::string with_line(int line, const std::string& replacement) {
  std::string text = kTwoTasks + "\n";
  size_t start = 0;
  for (int i = 1; i < line; ++i) start = text.find('\n', start) + 1;
  const size_t end = text.find('\n', start);
  return text.replace(start, end - start, replacement);
}

TEST(HellaswagText, ParsesTwoTasksExactly) {
  const auto items = parse_hellaswag_text(kTwoTasks, "tasks.txt");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].line, 1);
  EXPECT_EQ(items[0].context, "Roof shingle removal: A man is sitting on a roof. he");
  EXPECT_EQ(items[0].label, 3);
  EXPECT_EQ(items[0].endings[0], "is using wrap to wrap a pair of skis.");
  EXPECT_EQ(items[0].endings[1], "is ripping level tiles off.");
  EXPECT_EQ(items[0].endings[2], "is holding a rubik's cube.");
  EXPECT_EQ(items[0].endings[3], "starts pulling up roofing on a roof.");
  EXPECT_EQ(items[1].line, 7);
  EXPECT_EQ(items[1].context, "Clean and jerk:  A lady walks to a barbell. ");
  EXPECT_EQ(items[1].label, 0);
  EXPECT_EQ(items[1].endings[0], " bends down and grabs the pole.");
  EXPECT_EQ(items[1].endings[1], "swings and lands in her arms.");
  EXPECT_EQ(items[1].endings[2], "pulls a rope attached to the barbell.");
  EXPECT_EQ(items[1].endings[3], "stands and lifts the weight over her head.");
}

TEST(HellaswagText, TrailingNewlineIsOptionalAndEmptyTextHasNoTasks) {
  EXPECT_EQ(parse_hellaswag_text(kTwoTasks + "\n", "tasks.txt").size(), 2u);
  EXPECT_TRUE(parse_hellaswag_text("", "tasks.txt").empty());
}

TEST(HellaswagText, IncompleteLastTaskNamesItsFirstLine) {
  const std::string text = kTwoTasks + "\nA third context\n1\n";
  EXPECT_EQ(error_of(text),
            "tasks.txt:13: incomplete task: 2 of 6 lines before the end (each task is 6 lines: "
            "context, gold label 0..3, then the 4 endings, as llama.cpp --hellaswag reads)");
  // A stray blank line at the end is a seventh line too.
  EXPECT_TRUE(starts_with(error_of(kTwoTasks + "\n\n"), "tasks.txt:13: incomplete task: 1 of 6"))
      << error_of(kTwoTasks + "\n\n");
  EXPECT_TRUE(starts_with(error_of("only a context\n"), "tasks.txt:1: incomplete task: 1 of 6"));
}

TEST(HellaswagText, BadLabelNamesItsLine) {
  EXPECT_TRUE(starts_with(error_of(with_line(8, "4")), "tasks.txt:8: label \"4\" is not an integer in 0..3"));
  EXPECT_TRUE(starts_with(error_of(with_line(2, "-1")), "tasks.txt:2: label \"-1\" is not an integer in 0..3"));
  EXPECT_TRUE(starts_with(error_of(with_line(2, "two")), "tasks.txt:2: label \"two\" is not an integer"));
  EXPECT_TRUE(starts_with(error_of(with_line(2, "1.5")), "tasks.txt:2: label \"1.5\" is not an integer"));
  EXPECT_TRUE(starts_with(error_of(with_line(2, " 1")), "tasks.txt:2: label \" 1\" is not an integer"));
  EXPECT_TRUE(starts_with(error_of(with_line(8, "")), "tasks.txt:8: label \"\" is not an integer"));
}

TEST(HellaswagText, EmptyContextOrEndingNamesItsLine) {
  EXPECT_TRUE(starts_with(error_of(with_line(7, "")), "tasks.txt:7: context is empty"));
  EXPECT_TRUE(starts_with(error_of(with_line(7, "\r")), "tasks.txt:7: context is empty"));
  EXPECT_TRUE(starts_with(error_of(with_line(3, "")), "tasks.txt:3: ending 0 is empty"));
  EXPECT_TRUE(starts_with(error_of(with_line(12, "")), "tasks.txt:12: ending 3 is empty"));
}

// The shipped validation set, as llama.cpp's --hellaswag reads it.
TEST(HellaswagText, ReadsTheRealValidationFile) {
  const auto data_dir = find_data_dir();
  if (!data_dir) GTEST_SKIP() << "no shared data dir";
  const std::filesystem::path path = *data_dir / "datasets" / "hellaswag" / "hellaswag_val_full.txt.bz2";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";

  const auto items = parse_hellaswag_text(read_data_file(path), path.string());
  ASSERT_EQ(items.size(), 10042u);
  // `bzcat hellaswag_val_full.txt.bz2 | head -6`
  EXPECT_EQ(items[0].context, "Roof shingle removal: A man is sitting on a roof. he");
  EXPECT_EQ(items[0].label, 3);
  EXPECT_EQ(items[0].endings[0], "is using wrap to wrap a pair of skis.");
  EXPECT_EQ(items[0].endings[1], "is ripping level tiles off.");
  EXPECT_EQ(items[0].endings[2], "is holding a rubik's cube.");
  EXPECT_EQ(items[0].endings[3], "starts pulling up roofing on a roof.");
  EXPECT_EQ(items.back().line, 60247);
}

}  // namespace
}  // namespace qualm
