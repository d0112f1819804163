#include "backend/llama/embed.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "backend/llama/llama_backend.h"
#include "core/data_dir.h"

namespace qualm::llama {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<LlamaBackend> load(const fs::path& path) {
  if (!fs::exists(path)) return nullptr;
  LlamaBackendOptions options;
  options.model_path = path;
  return std::make_unique<LlamaBackend>(options);
}

const std::vector<std::string> kTexts = {"Once upon a time there was a cat.", "The dog ran to the park.",
                                         "Lily liked red balls.", "a"};

// The pooled vector is the mean of the per-token vectors, and a text's vectors do
// not depend on the other texts of its decode.
void check_backend(LlamaBackend& backend) {
  std::vector<EmbedRequest> mean, none;
  for (const auto& t : kTexts) {
    mean.push_back({t, Pooling::kMean});
    none.push_back({t, Pooling::kNone});
  }
  const auto pooled = backend.embed(mean);
  const auto tokens = backend.embed(none);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const int dim = pooled[i].dim;
    ASSERT_GT(dim, 0);
    ASSERT_EQ(pooled[i].values.size(), static_cast<size_t>(dim));
    const size_t n = tokens[i].tokens.size();
    ASSERT_EQ(tokens[i].values.size(), n * dim);
    ASSERT_EQ(tokens[i].special.size(), n);
    for (int d = 0; d < dim; ++d) {
      double sum = 0;
      for (size_t t = 0; t < n; ++t) sum += tokens[i].values[t * dim + d];
      EXPECT_NEAR(pooled[i].values[d], sum / n, 1e-4) << "text " << i << " dim " << d;
    }
    // Bit for bit: packing must not move a score (the pooled vector of a text alone, and beside others).
    const auto alone = backend.embed(std::span(&mean[i], 1));
    for (int d = 0; d < dim; ++d) EXPECT_EQ(alone[0].values[d], pooled[i].values[d]) << i;
    const auto token_alone = backend.embed(std::span(&none[i], 1));
    EXPECT_EQ(token_alone[0].values, tokens[i].values) << i;
  }
}

TEST(Embed, BertFixtureMeanPoolingAndBatchInvariance) {
  auto backend = load(fs::path(QUALM_TEST_FIXTURE_DIR) / "tiny-bert.gguf");
  if (!backend) GTEST_SKIP() << "tiny-bert.gguf fixture not built";
  check_backend(*backend);
  const auto r = backend->embed(std::vector<EmbedRequest>{{"hello world", Pooling::kNone}});
  EXPECT_TRUE(r[0].special.front());  // [CLS]
  EXPECT_TRUE(r[0].special.back());   // [SEP]
}

TEST(Embed, DecoderModelEmbeds) {
  const auto data = find_data_dir();
  if (!data) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  auto backend = load(*data / "models" / "stories260K.gguf");
  check_backend(*backend);
}

}  // namespace
}  // namespace qualm::llama
