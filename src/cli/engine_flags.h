#pragma once
// Engine options on the command line of every command that runs a GGUF in-process, derived
// from the one list in config/engine_options.h.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "backend/llama/llama_backend.h"
#include "config/experiment.h"

namespace qualm::cli {

// The options of engine_options() that apply to `use` (kChunkCommands: -c is the chunk size,
// --chunks limits them; kRequestCommands: -c is the most tokens a request's model reads).
void add_engine_flags(CLI::App& app, EngineSettings& settings, EngineUse use);

llama::LlamaBackendOptions backend_options(const std::string& model_path, const EngineSettings& settings);

// The settings as an experiment's llama backend (for its engine label in records).
BackendSpec llama_backend_spec(const EngineSettings& settings);

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
