#include "backend/llama/llama_backend.h"

#include <set>

#include "backend/logits.h"
#include "core/parallel.h"

namespace qualm::llama {
namespace {

// Encoder-only families: embedding models with no language-model head.
bool is_encoder_only(const LlamaModel& model) {
  static const std::set<std::string> kEncoders = {"bert",         "modern-bert",  "nomic-bert",
                                                  "nomic-bert-moe", "neo-bert",   "jina-bert-v2",
                                                  "jina-bert-v3", "eurobert",     "t5encoder"};
  return !model.has_decoder() || kEncoders.contains(model.gguf().architecture);
}

}  // namespace

LlamaBackend::LlamaBackend(LlamaBackendOptions options)
    : options_(std::move(options)), model_(LlamaModel::load(options_.model_path, options_.model)) {}

std::string LlamaBackend::name() const { return "llama"; }

Capabilities LlamaBackend::capabilities() const {
  Capabilities caps;
  if (!is_encoder_only(*model_)) {
    caps.support(Capability::kLoglikelihoodRolling);
    caps.support(Capability::kDistributions);
  } else {
    caps.refuse(Capability::kLoglikelihoodRolling, "the model has no language-model head");
    caps.refuse(Capability::kDistributions, "the model has no language-model head");
  }
  caps.refuse(Capability::kGenerate, "not yet implemented in the llama backend of this qualm version");
  caps.refuse(Capability::kLoglikelihood, "not yet implemented in the llama backend of this qualm version");
  caps.refuse(Capability::kEmbed, "not yet implemented in the llama backend of this qualm version");
  return caps;
}

llama_context* LlamaBackend::context_for(const ChunkPlan& plan) {
  const auto key = std::make_pair(plan.n_ctx * plan.n_seq, plan.n_seq);
  auto it = contexts_.find(key);
  if (it == contexts_.end()) {
    ContextOptions opts = options_.context;
    opts.n_ctx = key.first;
    opts.n_seq = key.second;
    opts.n_batch = plan.n_batch;
    // One context at a time: free the others before allocating.
    contexts_.clear();
    it = contexts_.emplace(key, make_context(*model_, opts)).first;
  }
  return it->second.get();
}

std::vector<GenerateResult> LlamaBackend::generate(std::span<const GenerateRequest>) {
  capabilities().require(Capability::kGenerate, name());
  return {};
}

std::vector<LoglikelihoodResult> LlamaBackend::loglikelihood(std::span<const LoglikelihoodRequest>) {
  capabilities().require(Capability::kLoglikelihood, name());
  return {};
}

std::vector<EmbedResult> LlamaBackend::embed(std::span<const EmbedRequest>) {
  capabilities().require(Capability::kEmbed, name());
  return {};
}

std::unique_ptr<DistributionStream> LlamaBackend::distributions(std::span<const DistributionRequest> requests) {
  capabilities().require(Capability::kDistributions, name());
  return std::make_unique<ChunkStream>(
      *model_, [this](const ChunkPlan& plan) { return context_for(plan); }, requests, options_.context.n_batch);
}

std::vector<RollingResult> LlamaBackend::loglikelihood_rolling(std::span<const RollingRequest> requests) {
  capabilities().require(Capability::kLoglikelihoodRolling, name());
  std::vector<DistributionRequest> windows;
  windows.reserve(requests.size());
  for (const RollingRequest& r : requests) windows.push_back({r.text, r.window, {}, r.name});
  auto stream = distributions(windows);

  std::vector<RollingResult> results(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    results[r].n_chunks = stream->chunk_counts()[r];
    results[r].text_tokens = static_cast<int>(stream->tokens()[r].size());
  }
  int64_t total_chunks = 0, done_chunks = 0;
  for (int n : stream->chunk_counts()) total_chunks += n;
  DistributionChunk chunk;
  const unsigned workers = default_worker_count();
  while (stream->next(chunk)) {
    RollingResult& out = results[chunk.request];
    const size_t base = out.logprobs.size();
    out.targets.insert(out.targets.end(), chunk.targets.begin(), chunk.targets.end());
    out.logprobs.resize(base + chunk.targets.size());
    parallel_for(chunk.targets.size(), workers, [&](unsigned, size_t i) {
      out.logprobs[base + i] = token_logprob(chunk.logits.subspan(i * chunk.n_vocab, chunk.n_vocab), chunk.targets[i]);
    });
    report_progress(++done_chunks, total_chunks);
  }
  return results;
}

}  // namespace qualm::llama
