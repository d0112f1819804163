#include "backend/llama/layer_cut.h"

#include <gtest/gtest.h>

#include "backend/llama/gguf_file.h"
#include "backend/llama/llama_backend.h"
#include "core/errors.h"

namespace qualm::llama {
namespace {

namespace fs = std::filesystem;

std::vector<float> embed_tokens(const fs::path& model, const std::string& text) {
  LlamaBackendOptions o;
  o.model_path = model;
  LlamaBackend backend(o);
  return backend.embed(std::vector<EmbedRequest>{{text, Pooling::kNone}})[0].values;
}

TEST(LayerCut, CutsBlocksAndKeepsEverythingElse) {
  const fs::path bert = fs::path(QUALM_TEST_FIXTURE_DIR) / "tiny-bert.gguf";
  if (!fs::exists(bert)) GTEST_SKIP() << "tiny-bert.gguf fixture not built";
  const fs::path cache = fs::temp_directory_path() / ("qualm_layer_cut_" + std::to_string(::getpid()));
  const GgufSummary full = read_gguf_summary(bert);
  const int blocks = std::stoi(full.metadata.at("bert.block_count"));
  ASSERT_GE(blocks, 2);

  const fs::path cut = cut_to_layers(bert, blocks - 1, cache);
  const GgufSummary s = read_gguf_summary(cut);
  EXPECT_EQ(s.metadata.at("bert.block_count"), std::to_string(blocks - 1));
  size_t dropped = 0;
  for (const auto& t : full.tensors) dropped += t.name.starts_with("blk." + std::to_string(blocks - 1) + ".");
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(s.tensors.size(), full.tensors.size() - dropped);

  // All layers: the same vectors as the original; fewer: different ones.
  const auto original = embed_tokens(bert, "the cat sat");
  EXPECT_EQ(embed_tokens(cut_to_layers(bert, blocks, cache), "the cat sat"), original);
  EXPECT_NE(embed_tokens(cut, "the cat sat"), original);
  EXPECT_THROW(cut_to_layers(bert, blocks + 1, cache), InputError);
  fs::remove_all(cache);
}

}  // namespace
}  // namespace qualm::llama
