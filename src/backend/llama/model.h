#pragma once
// A loaded GGUF model and its tokenizer.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/llama/gguf_file.h"
#include "backend/llama/handles.h"
#include "backend/llama/tokenizer.h"
#include "config/engine_options.h"

namespace qualm::llama {

struct ModelOptions {
  int n_gpu_layers = EngineSettings{}.gpu_layers;  // negative: every layer on the GPU of a GPU build
};

class LlamaModel {
 public:
  // Validates the file (read_gguf_summary) and loads it; throws InputError on failure.
  static std::shared_ptr<LlamaModel> load(const std::filesystem::path& path, const ModelOptions& options);

  llama_model* get() const { return model_.get(); }
  const llama_vocab* vocab() const { return llama_model_get_vocab(model_.get()); }
  const GgufSummary& gguf() const { return gguf_; }
  const std::filesystem::path& path() const { return gguf_.path; }

  int n_vocab() const { return llama_vocab_n_tokens(vocab()); }
  int n_ctx_train() const { return llama_model_n_ctx_train(model_.get()); }
  bool add_bos() const { return llama_vocab_get_add_bos(vocab()); }
  llama_token bos() const { return llama_vocab_bos(vocab()); }
  bool has_decoder() const { return llama_model_has_decoder(model_.get()); }
  std::string description() const;

  // Characters the vocabulary cannot encode become its unknown token (tokenizer.h); throws
  // UnencodableTextError where it has none.
  Tokens tokenize(std::string_view text, bool add_special, bool parse_special = false) const {
    return tokenizer_.tokenize(text, add_special, parse_special);
  }

 private:
  LlamaModel(ModelPtr model, GgufSummary gguf);
  ModelPtr model_;
  GgufSummary gguf_;
  Tokenizer tokenizer_;
};

enum class FlashAttention { kAuto, kOn, kOff };

// Engine options that can change results; each is part of a backend variant's name.
// The engine options' defaults are EngineSettings' (config/engine_options.h).
struct ContextOptions {
  int n_ctx = 512;  // total, over all sequences
  int n_seq = 1;    // parallel sequences
  int n_batch = EngineSettings{}.batch_size;    // logical batch
  int n_ubatch = EngineSettings{}.ubatch_size;  // physical batch
  int threads = EngineSettings{}.threads;       // 0: every hardware thread
  FlashAttention flash_attention = FlashAttention::kOff;  // batch-invariant scoring needs it off
  std::string cache_type_k = EngineSettings{}.cache_type_k;
  std::string cache_type_v = EngineSettings{}.cache_type_v;
  bool embeddings = false;
  bool pool_mean = false;   // with embeddings: one mean-pooled vector per sequence, else per token
  bool kv_unified = false;  // one KV buffer for all sequences (needed to share a prefix)
};

ContextPtr make_context(const LlamaModel& model, const ContextOptions& options);

// The threads a context of these options runs on (threads 0: every hardware thread).
int resolved_threads(const ContextOptions& options);

// Why a context with these KV-cache types cannot run this model, known from its header: a
// quantized V cache without flash attention (`flash_attn` as resolved: on, off or auto), or
// a cache type whose blocks do not divide the attention heads' width. Empty when it can.
struct CacheTypeProblem {
  std::string problem, fix;
};
std::vector<CacheTypeProblem> cache_type_problems(const GgufSummary& gguf, const std::string& type_k,
                                             const std::string& type_v, const std::string& flash_attn);

}  // namespace qualm::llama
