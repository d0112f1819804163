#include "backend/llama/llama_backend.h"

#include <algorithm>
#include <set>

#include "backend/llama/decode.h"
#include "backend/llama/embed.h"
#include "backend/llama/generate.h"
#include "backend/llama/loglikelihood.h"
#include "backend/llama/quantize.h"
#include "backend/llama/rolling_stream.h"
#include "backend/llama/runtime.h"
#include "backend/llama/source_tokenizer_check.h"
#include "backend/logits.h"
#include "core/errors.h"
#include "core/parallel.h"

namespace qualm::llama {
namespace {

// Encoder-only families: embedding models with no language-model head.
bool is_encoder_only(const LlamaModel& model) {
  return !model.has_decoder() || is_encoder_architecture(model.gguf().architecture);
}

}  // namespace

LlamaBackendOptions backend_options(const std::filesystem::path& model, const EngineSettings& engine) {
  LlamaBackendOptions o;
  o.model_path = model;
  o.model.n_gpu_layers = engine.gpu_layers;
  o.context.n_batch = engine.batch_size;
  o.context.n_ubatch = engine.ubatch_size;
  o.context.threads = engine.threads;
  const std::string fa = resolved_flash_attn(engine);
  o.context.flash_attention = fa == "on"    ? FlashAttention::kOn
                              : fa == "off" ? FlashAttention::kOff
                                            : FlashAttention::kAuto;
  o.batch_invariant = engine.parity != "llama";
  o.context.cache_type_k = engine.cache_type_k;
  o.context.cache_type_v = engine.cache_type_v;
  if (engine.context_size > 0) o.max_length = engine.context_size;
  o.pack_tokens = engine.pack_tokens;
  o.share_prefixes = engine.prefix_sharing != "off";
  return o;
}

bool is_encoder_architecture(const std::string& architecture) {
  static const std::set<std::string> kEncoders = {"bert",         "modern-bert",  "nomic-bert",
                                                  "nomic-bert-moe", "neo-bert",   "jina-bert-v2",
                                                  "jina-bert-v3", "eurobert",     "t5encoder"};
  return kEncoders.contains(architecture);
}

LlamaBackend::LlamaBackend(LlamaBackendOptions options)
    : options_(std::move(options)), model_(LlamaModel::load(options_.model_path, options_.model)) {}

int LlamaBackend::window() const {
  const int n_ctx_train = model_->n_ctx_train();
  return std::min(n_ctx_train > 0 ? n_ctx_train : options_.max_length, options_.max_length);
}

std::string LlamaBackend::name() const { return "llama"; }

nlohmann::json LlamaBackend::describe() const {
  return {{"type", "llama"},
          {"file", model_->path().string()},
          {"description", model_->description()},
          {"file_type", file_type_name(model_->gguf())},
          {"add_bos", model_->add_bos()}};
}

nlohmann::json LlamaBackend::check_tokenizer(std::span<const std::string> texts) const {
  const auto a = check_source_tokenizer(*model_, texts);
  if (!a) return nullptr;
  return {{"path", a->source.string()}, {"texts", a->texts}, {"differing", a->differing}, {"example", a->example}};
}

Capabilities LlamaBackend::capabilities() const {
  Capabilities caps;
  if (!is_encoder_only(*model_)) {
    caps.support(Capability::kLoglikelihoodRolling);
    caps.support(Capability::kDistributions);
    caps.support(Capability::kLoglikelihood);
    caps.support(Capability::kGenerate);
  } else {
    caps.refuse(Capability::kGenerate, "the model has no language-model head");
    caps.refuse(Capability::kLoglikelihood, "the model has no language-model head");
    caps.refuse(Capability::kLoglikelihoodRolling, "the model has no language-model head");
    caps.refuse(Capability::kDistributions, "the model has no language-model head");
  }
  caps.support(Capability::kEmbed);
  return caps;
}

namespace {

// Whether a context made for one shape serves the other (what make_context reads per call).
bool same_shape(const ContextOptions& a, const ContextOptions& b) {
  return a.n_ctx == b.n_ctx && a.n_seq == b.n_seq && a.n_batch == b.n_batch && a.kv_unified == b.kv_unified &&
         a.embeddings == b.embeddings && a.pool_mean == b.pool_mean && a.n_ubatch == b.n_ubatch &&
         a.threads == b.threads;
}

}  // namespace

llama_context* LlamaBackend::context(const ContextOptions& shape) {
  if (!context_ || !same_shape(shape, context_shape_)) {
    context_.reset();  // free the old one before allocating
    context_ = make_context(*model_, shape);
    context_shape_ = shape;
  }
  return context_.get();
}

std::vector<llama_context*> LlamaBackend::lane_contexts(const ContextOptions& shape, int lanes) {
  if (lanes <= 1) return {context(shape)};
  ContextOptions lane = shape;
  lane.threads = std::max(1, resolved_threads(shape) / lanes);
  if (lanes_.size() != static_cast<size_t>(lanes) || !same_shape(lane, lanes_shape_)) {
    lanes_.clear();
    for (int i = 0; i < lanes; ++i) lanes_.push_back(make_context(*model_, lane));
    lanes_shape_ = lane;
  }
  std::vector<llama_context*> out;
  for (const ContextPtr& c : lanes_) out.push_back(c.get());
  return out;
}

llama_context* LlamaBackend::context_for(const ChunkPlan& plan) {
  ContextOptions shape = options_.context;
  shape.n_ctx = plan.n_ctx * plan.n_seq;
  shape.n_seq = plan.n_seq;
  shape.n_batch = plan.n_batch;
  if (options_.batch_invariant) {
    // One chunk at a time (SequenceDecoder): pieces of at most a physical batch, and a cell
    // and a batch slot for a throwaway token.
    shape.n_ctx = plan.n_ctx + 1;
    shape.n_batch = shape.n_ubatch = plan.piece + 1;  // plan.piece is invariant_piece(n_ubatch, n_ctx)
  }
  return context(shape);
}

std::vector<GenerateResult> LlamaBackend::generate(std::span<const GenerateRequest> requests) {
  capabilities().require(Capability::kGenerate, name());
  for (const GenerateRequest& r : requests) {
    if (r.options.max_new_tokens < 1) throw InputError("max_new_tokens", "must be at least 1");
  }
  if (requests.empty()) return {};
  GenerateLimits limits;
  limits.window = window();
  // A sequence id per request at most: each one costs an output row in every context.
  limits.n_seq = std::max(1, std::min(options_.generate_parallel, static_cast<int>(requests.size())));
  limits.batch_invariant = options_.batch_invariant;
  limits.n_batch = options_.batch_invariant ? options_.context.n_ubatch : options_.context.n_batch;
  const std::vector<PreparedPrompt> prompts = prepare_prompts(*model_, requests, limits.window);
  limits.kv_cells = generation_kv_cells(prompts, requests, limits.n_seq, std::max(8192, limits.window),
                                        limits.batch_invariant);
  return generate_batch(*model_, context(generation_context(options_.context, limits)), requests, prompts, limits,
                        [this](int64_t done, int64_t total) { report_progress(done, total); });
}

std::vector<LoglikelihoodResult> LlamaBackend::loglikelihood(std::span<const LoglikelihoodRequest> requests) {
  capabilities().require(Capability::kLoglikelihood, name());
  ScoringLimits limits;
  limits.window = window();
  ContextOptions shape = options_.context;
  if (options_.batch_invariant) {
    // One sequence at a time, at most a physical batch per decode (and a throwaway token).
    limits.batch_invariant = true;
    limits.share_prefixes = options_.share_prefixes;
    limits.piece = invariant_piece(options_.context.n_ubatch, limits.window);
    shape.n_ctx = limits.window + 1;
    shape.n_seq = 1;
    shape.n_batch = shape.n_ubatch = limits.piece + 1;
  } else {
    limits.batch_invariant = false;
    limits.budget = std::max(options_.context.n_batch, limits.window);
    limits.pack = std::min(options_.pack_tokens, options_.context.n_ubatch);
    limits.n_seq = std::min(limits.n_seq, limits.budget);  // every sequence takes a token of the budget
    shape.n_ctx = limits.budget;
    shape.n_seq = limits.n_seq;
    shape.n_batch = limits.budget;
  }
  shape.kv_unified = true;
  const bool on_cpu = options_.model.n_gpu_layers == 0 || !gpu_offload_available();
  const int lanes = options_.batch_invariant && on_cpu ? scoring_lanes(model_->get(), resolved_threads(shape)) : 1;
  return score_loglikelihood(*model_, lane_contexts(shape, lanes), requests, limits,
                             [this](int64_t done, int64_t total) { report_progress(done, total); });
}

std::vector<EmbedResult> LlamaBackend::embed(std::span<const EmbedRequest> requests) {
  capabilities().require(Capability::kEmbed, name());
  std::vector<EmbedResult> results(requests.size());
  EmbedLimits limits;
  limits.max_tokens = window();
  limits.budget = std::max(limits.max_tokens, std::min(options_.context.n_batch, 4 * limits.max_tokens));
  // One text per encode: a text's vectors are then the ones it gets alone, whatever else the
  // call holds. Packed texts attend over the whole batch with a mask, and the softmax and
  // attention sums group a text's positions by where it sits in the batch (about 1e-9 apart).
  limits.n_seq = 1;
  ContextOptions shape = options_.context;
  shape.n_ctx = shape.n_batch = shape.n_ubatch = limits.budget;
  shape.n_seq = limits.n_seq;
  shape.embeddings = true;
  shape.pool_mean = false;  // embed_batch pools: llama.cpp's pooling sums in an order that depends on the batch
  shape.kv_unified = true;
  results = embed_batch(*model_, context(shape), requests, limits);
  return results;
}

std::unique_ptr<DistributionStream> LlamaBackend::distributions(std::span<const DistributionRequest> requests) {
  capabilities().require(Capability::kDistributions, name());
  if (!requests.empty() && requests[0].window.scheme == WindowOptions::Scheme::kRolling) {
    // One context shape for every rolling call, one window per decode: numbers never depend
    // on the other documents of a call.
    const auto size_of = [this](const WindowOptions& w) { return w.context_size > 0 ? w.context_size : window(); };
    const int size = size_of(requests[0].window);
    for (const DistributionRequest& r : requests) {
      if (r.window.scheme != WindowOptions::Scheme::kRolling || size_of(r.window) != size) {
        throw InputError(r.name, "one distributions call mixes window schemes or sizes", "make one call per shape");
      }
    }
    if (size > window()) {
      throw InputError(model_->path().string(),
                       "a rolling window of " + std::to_string(size) + " tokens is longer than the model's window of " +
                           std::to_string(window()),
                       "use a smaller window");
    }
    const int piece = invariant_piece(options_.context.n_ubatch, size);
    ContextOptions shape = options_.context;
    shape.n_ctx = size + 1;
    shape.n_batch = shape.n_ubatch = piece + 1;
    shape.n_seq = 1;
    return std::make_unique<RollingStream>(*model_, [this, shape] { return context(shape); }, requests, size, piece);
  }
  const int piece = options_.batch_invariant ? std::max(2, options_.context.n_ubatch) : 0;
  return std::make_unique<ChunkStream>(
      *model_, [this](const ChunkPlan& plan) { return context_for(plan); }, requests, options_.context.n_batch, piece);
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
    static_cast<RequestOutcome&>(results[r]) = stream->outcomes()[r];
  }
  int64_t total_chunks = 0, done_chunks = 0;
  for (int n : stream->chunk_counts()) total_chunks += n;
  DistributionChunk chunk;
  const unsigned workers = default_worker_count();
  while (stream->next(chunk)) {  // slices of a chunk come in order
    RollingResult& out = results[chunk.request];
    const size_t base = out.logprobs.size();
    out.targets.insert(out.targets.end(), chunk.targets.begin(), chunk.targets.end());
    out.logprobs.resize(base + chunk.targets.size());
    parallel_for(chunk.targets.size(), workers, [&](unsigned, size_t i) {
      out.logprobs[base + i] = token_logprob(chunk.logits.subspan(i * chunk.n_vocab, chunk.n_vocab), chunk.targets[i]);
    });
    if (chunk.last) report_progress(++done_chunks, total_chunks);
  }
  return results;
}

}  // namespace qualm::llama
