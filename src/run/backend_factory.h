#pragma once
// Makes the backend a BackendSpec names: llama in-process on a model file, or a remote
// server (openai, ollama). A remote backend serves the model its own `model:` key names;
// the experiment's model entry only labels its records (README "Remote backends").

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "config/experiment.h"

namespace qualm {

// model_file is used by llama backends only. An openai backend is probed for echo +
// logprobs when probe is set (its loglikelihood capability follows the answer).
std::unique_ptr<Backend> make_backend(const BackendSpec& spec, const std::filesystem::path& model_file, bool probe);

// A remote backend's declared capabilities, asking the server where a capability depends
// on it (openai's echo probe). Throws RunError when the server cannot be reached.
Capabilities remote_capabilities(const BackendSpec& spec, bool probe);

// For the manifest: backend.describe() (a server: the model, and for ollama its digest and
// quantization; never the API key). On a server that cannot be reached: {error}.
nlohmann::json describe_remote(const BackendSpec& spec, Backend& backend);

// Adds what backend.endpoints() counted to server["endpoints"] (describe_remote's JSON), summed
// per URL: one backend name serves several cells, each with a backend of its own.
void add_endpoint_counts(nlohmann::json& server, const Backend& backend);
// The same for counts already written ([{url, served, refused, failed}]): merge sums the shards'.
void add_endpoint_counts(nlohmann::json& server, const nlohmann::json& endpoints);

// The experiment's embedding model: the backend serving it (m.backend names one of `backends`),
// or its GGUF in-process, cut to its layer (cached under cache_dir; *file_used says which file).
std::unique_ptr<Backend> make_embedder(const EmbeddingModelSpec& m, const std::vector<BackendSpec>& backends,
                                       const std::filesystem::path& cache_dir, std::filesystem::path* file_used);

}  // namespace qualm
