#include "backend/hf_bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/data_dir.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

fs::path write_tokenizer(const std::string& name, const std::string& json) {
  const fs::path p = fs::temp_directory_path() / name;
  std::ofstream(p) << json;
  return p;
}

// A hand-made tokenizer.json of TinyStories-656K's shape: merges by rank ("a b" before
// "ab c"), '▁' for spaces, unknown characters fused, byte tokens where the vocabulary has them.
TEST(HfBpeTokenizer, MergesByRankAndFusesUnknowns) {
  const fs::path p = write_tokenizer("qualm-bpe-test.json", R"({
    "normalizer": {"type": "Sequence", "normalizers": [
      {"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
    "pre_tokenizer": null,
    "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true, "fuse_unk": true,
      "vocab": {"<unk>": 0, "\u2581": 1, "a": 2, "b": 3, "c": 4, "ab": 5, "abc": 6, "\u2581abc": 7, "<0xC3>": 8, "<0xA9>": 9},
      "merges": ["a b", "ab c", "\u2581 abc"]}})");
  std::string why;
  const auto t = HfBpeTokenizer::load(p, &why);
  ASSERT_TRUE(t) << why;
  EXPECT_EQ(t->tokenize("abc"), (std::vector<std::string>{"\u2581abc"}));
  EXPECT_EQ(t->tokenize("abc cab"), (std::vector<std::string>{"\u2581abc", "\u2581", "c", "ab"}));
  // 'é' is two byte tokens; '—' and '=' have neither: one fused unknown token.
  EXPECT_EQ(t->tokenize("\xC3\xA9"), (std::vector<std::string>{"\u2581", "<0xC3>", "<0xA9>"}));
  EXPECT_EQ(t->tokenize("a\xE2\x80\x94=b"), (std::vector<std::string>{"\u2581", "a", "<unk>", "b"}));
  fs::remove(p);
}

TEST(HfBpeTokenizer, RefusesWhatItDoesNotRead) {
  const fs::path p = write_tokenizer("qualm-bpe-test2.json", R"({"model": {"type": "Unigram", "vocab": []}})");
  std::string why;
  EXPECT_FALSE(HfBpeTokenizer::load(p, &why));
  EXPECT_NE(why.find("Unigram"), std::string::npos) << why;
  fs::remove(p);
}

// TinyStories-656K's own tokenizer.json: BPE by rank merges across words.
TEST(HfBpeTokenizer, TinyStoriesSourceTokenizer) {
  const auto data = find_data_dir();
  if (!data) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  std::string why;
  const auto t = HfBpeTokenizer::load(*data / "models" / "tinystories-656k" / "hf" / "tokenizer.json", &why);
  ASSERT_TRUE(t) << why;
  const auto tokens = t->tokenize("Once upon a time, there was a little girl named Lily.");
  EXPECT_NE(std::find(tokens.begin(), tokens.end(), "little\u2581girl\u2581named\u2581"), tokens.end());
  EXPECT_EQ(t->tokenize("caf\xC3\xA9").back(), "<unk>");
}

}  // namespace
}  // namespace qualm
