#pragma once
// The in-process backend: llama.cpp on CPU (or CUDA when llama.cpp was built with it).

#include <filesystem>
#include <memory>

#include "backend/backend.h"
#include "backend/llama/chunk_stream.h"
#include "backend/llama/model.h"
#include "config/engine_options.h"

namespace qualm::llama {

struct LlamaBackendOptions {
  std::filesystem::path model_path;
  ModelOptions model;
  ContextOptions context;  // n_ctx and n_seq are set per call
  int max_length = 4096;   // loglikelihood window: at most this, at most the training context
  // loglikelihood packs requests into decodes of about this many tokens (at most the
  // physical batch): attention costs tokens x KV cells, which dominates for small models.
  int pack_tokens = EngineSettings{}.pack_tokens;
  int generate_parallel = 16;  // sequences generated at once
  // Scores and greedy text do not depend on what shares a decode (sequence_decoder.h); false:
  // requests packed side by side as llama.cpp's tools pack them (--engine-parity llama).
  bool batch_invariant = true;
  bool share_prefixes = true;  // a prefix several loglikelihood requests share is decoded once
};

LlamaBackendOptions backend_options(const std::filesystem::path& model, const EngineSettings& engine);

// Architectures without a language-model head: embeddings only.
bool is_encoder_architecture(const std::string& architecture);

class LlamaBackend : public Backend {
 public:
  explicit LlamaBackend(LlamaBackendOptions options);

  std::string name() const override;
  Capabilities capabilities() const override;
  // {type, file, description, file_type, add_bos}
  nlohmann::json describe() const override;
  nlohmann::json check_tokenizer(std::span<const std::string> texts) const override;

  std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests) override;
  std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest> requests) override;
  std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest> requests) override;
  std::unique_ptr<DistributionStream> distributions(std::span<const DistributionRequest> requests) override;
  std::vector<EmbedResult> embed(std::span<const EmbedRequest> requests) override;

  const LlamaModel& model() const { return *model_; }
  const LlamaBackendOptions& options() const { return options_; }

 private:
  // The longest sequence a call may score or generate: the training context, at most max_length.
  int window() const;
  // One context at a time, reused while calls ask for the same shape.
  llama_context* context(const ContextOptions& shape);
  llama_context* context_for(const ChunkPlan& plan);
  // `lanes` contexts of one shape, each with its share of the threads (one lane: context()).
  std::vector<llama_context*> lane_contexts(const ContextOptions& shape, int lanes);

  LlamaBackendOptions options_;
  std::shared_ptr<LlamaModel> model_;
  ContextPtr context_;
  ContextOptions context_shape_;
  std::vector<ContextPtr> lanes_;
  ContextOptions lanes_shape_;
};

}  // namespace qualm::llama
