#include "backend/llama/model.h"

#include <ggml.h>

#include <thread>

#include "backend/llama/runtime.h"
#include "core/errors.h"

namespace qualm::llama {
namespace {

ggml_type cache_type(const std::string& name, const char* flag) {
  for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
    const char* type_name = ggml_type_name(static_cast<ggml_type>(t));
    if (type_name != nullptr && name == type_name) return static_cast<ggml_type>(t);
  }
  throw InputError(flag, "unknown KV-cache type '" + name + "'", "use f16, bf16, f32, q8_0, q4_0, q4_1, q5_0, q5_1 or iq4_nl");
}

// The vocabulary's unknown token: GGUF's tokenizer.ggml.unknown_token_id, else a token llama.cpp
// marks unknown.
std::optional<llama_token> unknown_token(const llama_model* model, const GgufSummary& gguf) {
  const llama_vocab* vocab = llama_model_get_vocab(model);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  if (auto it = gguf.metadata.find("tokenizer.ggml.unknown_token_id"); it != gguf.metadata.end()) {
    try {
      const int id = std::stoi(it->second);
      if (id >= 0 && id < n_vocab) return id;
    } catch (const std::exception&) {
    }
  }
  for (llama_token id = 0; id < n_vocab; ++id) {
    if (llama_vocab_get_attr(vocab, id) & LLAMA_TOKEN_ATTR_UNKNOWN) return id;
  }
  return std::nullopt;
}

}  // namespace

std::vector<CacheTypeProblem> cache_type_problems(const GgufSummary& gguf, const std::string& type_k,
                                                  const std::string& type_v, const std::string& flash_attn) {
  std::vector<CacheTypeProblem> out;
  const ggml_type k = cache_type(type_k, "cache_type_k"), v = cache_type(type_v, "cache_type_v");
  if (ggml_is_quantized(v) && flash_attn == "off") {
    out.push_back({"a quantized V cache (" + type_v + ") needs flash attention, and flash_attn is off",
                   "set flash_attn: on, or cache_type_v: f16"});
  }
  const auto dims = attention_head_dims(gguf);
  if (!dims) return out;  // llama.cpp says so when the context is made
  const auto check = [&](ggml_type type, const std::string& name, int64_t width, const char* which) {
    const int64_t block = ggml_blck_size(type);
    if (block > 1 && width % block != 0) {
      out.push_back({std::string(which) + " cache type " + name + " stores blocks of " + std::to_string(block) +
                         " values, and the model's attention heads are " + std::to_string(width) + " wide",
                     "use an f16, bf16 or f32 cache for this model"});
    }
  };
  check(k, type_k, dims->k, "the K");
  check(v, type_v, dims->v, "the V");
  return out;
}

LlamaModel::LlamaModel(ModelPtr model, GgufSummary gguf)
    : model_(std::move(model)), gguf_(std::move(gguf)),
      tokenizer_(llama_model_get_vocab(model_.get()), unknown_token(model_.get(), gguf_)) {}

std::shared_ptr<LlamaModel> LlamaModel::load(const std::filesystem::path& path, const ModelOptions& options) {
  GgufSummary summary = read_model_file(path);
  ensure_runtime();
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = options.n_gpu_layers;
  take_error_log();
  ModelPtr model(llama_model_load_from_file(path.c_str(), params));
  if (!model) {
    std::string cause = take_error_log();
    throw InputError(path.string(),
                     "llama.cpp could not load this model" + (cause.empty() ? "" : ": " + cause),
                     "check that its architecture is supported by llama.cpp");
  }
  return std::shared_ptr<LlamaModel>(new LlamaModel(std::move(model), std::move(summary)));
}

std::string LlamaModel::description() const {
  char buf[256];
  llama_model_desc(model_.get(), buf, sizeof(buf));
  return buf;
}

int resolved_threads(const ContextOptions& options) {
  return options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

ContextPtr make_context(const LlamaModel& model, const ContextOptions& options) {
  llama_context_params params = llama_context_default_params();
  params.n_ctx = static_cast<uint32_t>(options.n_ctx);
  params.n_seq_max = static_cast<uint32_t>(options.n_seq);
  params.n_batch = static_cast<uint32_t>(std::min(options.n_batch, options.n_ctx));
  params.n_ubatch = static_cast<uint32_t>(options.n_ubatch);
  if (options.n_seq > static_cast<int>(params.n_batch)) {
    // llama.cpp reserves an output row per sequence and aborts beyond n_batch rows.
    throw RunError("internal: a context of " + std::to_string(options.n_seq) + " sequences needs a batch of at least " +
                   std::to_string(options.n_seq) + " tokens, not " + std::to_string(params.n_batch) +
                   " (n_ctx " + std::to_string(options.n_ctx) + ", n_batch " + std::to_string(options.n_batch) + ")");
  }
  const int threads = resolved_threads(options);
  params.n_threads = threads;
  params.n_threads_batch = threads;
  params.flash_attn_type = options.flash_attention == FlashAttention::kOn    ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                           : options.flash_attention == FlashAttention::kOff ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                                                             : LLAMA_FLASH_ATTN_TYPE_AUTO;
  params.type_k = cache_type(options.cache_type_k, "--cache-type-k");
  params.type_v = cache_type(options.cache_type_v, "--cache-type-v");
  params.embeddings = options.embeddings;
  if (options.embeddings) params.pooling_type = options.pool_mean ? LLAMA_POOLING_TYPE_MEAN : LLAMA_POOLING_TYPE_NONE;
  params.kv_unified = options.kv_unified;
  params.no_perf = true;
  take_error_log();
  ContextPtr ctx(llama_init_from_model(model.get(), params));
  if (!ctx) {
    std::string cause = take_error_log();
    throw RunError("llama.cpp could not create a context of " + std::to_string(options.n_ctx) + " tokens for " +
                   model.path().string() + (cause.empty() ? "" : ": " + cause));
  }
  return ctx;
}

}  // namespace qualm::llama
