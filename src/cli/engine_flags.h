#pragma once
// Engine options shared by every command that runs a GGUF in-process. Declared once here;
// parsing, help and the JSON echo come from this one list.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "backend/llama/llama_backend.h"
#include "config/experiment.h"

namespace qualm::cli {

struct EngineFlags {
  int context_size = 512;
  int batch_size = 2048;
  int ubatch_size = 512;
  int pack_tokens = 256;
  int threads = 0;
  int gpu_layers = -1;
  int max_chunks = -1;
  std::string flash_attn;  // empty: the parity's default
  std::string cache_type_k = "f16";
  std::string cache_type_v = "f16";
  std::string parity = "qualm";
};

// kChunks: -c is the window of chunked scoring (perplexity, kld) and --chunks limits them.
// kRequests: -c is the longest sequence a request may have (eval), 0 = the model's own.
enum class EngineUse { kChunks, kRequests };

void add_engine_flags(CLI::App& app, EngineFlags& flags, EngineUse use = EngineUse::kChunks);

llama::EngineSettings engine_settings(const EngineFlags& flags);
// The flags as an experiment's llama backend (for its engine label in records).
BackendSpec llama_backend_spec(const EngineFlags& flags);
llama::LlamaBackendOptions backend_options(const std::string& model_path, const EngineFlags& flags);

nlohmann::json engine_json(const EngineFlags& flags);

// --backend openai|ollama --base-url URL (qualm eval, qualm generate): --model then names the
// model the server serves.
struct ServerFlags {
  std::string backend = "llama";
  BackendSpec spec;  // base_url, api_key_env, concurrency, timeout_s, retries
};

void add_server_flags(CLI::App& app, ServerFlags& flags);

// The remote backend's spec for `model`; throws InputError when --base-url is missing, or
// given with --backend llama.
BackendSpec server_spec(const ServerFlags& flags, const std::string& model);

}  // namespace qualm::cli
