#include "backend/llama/tokenizer.h"

#include <gtest/gtest.h>

#include "backend/llama/test_model.h"

namespace qualm::llama {
namespace {

// The id of the token whose text is exactly `text`.
llama_token token_of(const LlamaModel& model, const std::string& text) {
  for (llama_token id = 0; id < model.n_vocab(); ++id) {
    if (text == llama_vocab_get_text(model.vocab(), id)) return id;
  }
  return -1;
}

std::vector<llama_token> cat(std::vector<llama_token> a, const std::vector<llama_token>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Tokenizer, TextPosition) {
  EXPECT_EQ(text_position("ab\ncd\xC3\xA9x", 7), "2:4");  // the x
}

// TinyStories-656K has no byte tokens and no token for 'é', '—', '=' or '{'. Its source
// tokenizer (hf/tokenizer.json: BPE, byte_fallback without byte tokens, fuse_unk) makes each
// such character <unk> (id 0), fuses adjacent ones, and merges nothing across them; the text
// after one has no start-of-text space prefix.
TEST(Tokenizer, UnencodableCharactersBecomeTheUnknownToken) {
  auto backend = testing::tinystories656k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const LlamaModel& model = backend->model();
  const llama_token unk = 0, bos = model.bos();
  ASSERT_EQ(std::string(llama_vocab_get_text(model.vocab(), unk)), "<unk>");
  const llama_token b = token_of(model, "b");
  ASSERT_GE(b, 0);

  const Tokens cafe = model.tokenize("caf\xC3\xA9", true);
  EXPECT_EQ(cafe.ids, cat(model.tokenize("caf", true).ids, {unk}));
  EXPECT_EQ(cafe.unknown, 1);

  const Tokens dash = model.tokenize("a\xE2\x80\x94" "b", false);
  EXPECT_EQ(dash.ids, cat(model.tokenize("a", false).ids, {unk, b}));
  // A run of them is one unknown token.
  EXPECT_EQ(model.tokenize("a\xE2\x80\x94\xE2\x80\x94=b", false).ids, dash.ids);
  EXPECT_EQ(model.tokenize("a\xE2\x80\x94\xE2\x80\x94=b", false).unknown, 1);
  // Apart, they are two: the space between them is its own token.
  const Tokens apart = model.tokenize("\xC3\xA9 \xC3\xA9", true);
  EXPECT_EQ(apart.unknown, 2);
  EXPECT_EQ(apart.ids.front(), bos);
  EXPECT_EQ(apart.ids.back(), unk);
  // The text after an unknown token is tokenized as if it stood alone, without llama.cpp's
  // space prefix: " The cat" after '{}' is "▁The▁cat", which "The cat" with the prefix is.
  const Tokens braces = model.tokenize("x{} The cat", true);
  EXPECT_EQ(braces.ids, cat(cat(model.tokenize("x", true).ids, {unk}), model.tokenize("The cat", false).ids));
  // A text the vocabulary encodes is llama.cpp's own tokenization, untouched.
  EXPECT_EQ(model.tokenize("Once upon a time", true).unknown, 0);
}

// stories260K has byte tokens: llama.cpp's own byte fallback, no unknown token.
TEST(Tokenizer, ByteTokensNeedNoFallback) {
  auto backend = testing::stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const Tokens t = backend->model().tokenize("caf\xC3\xA9 {x}", true);
  EXPECT_EQ(t.unknown, 0);
  EXPECT_GT(t.ids.size(), 4u);
}

}  // namespace
}  // namespace qualm::llama
