#pragma once
// The llama backend's unit tests run on the shared data's real models: stories260K
// (SentencePiece vocabulary of 512 with byte tokens) and TinyStories-656K (2,048 tokens, no
// byte tokens, so some characters have no token at all).

#include <memory>

#include "backend/llama/llama_backend.h"
#include "core/data_dir.h"

namespace qualm::llama::testing {

// The model at models/<relative> with `options` (model_path set here), or null when the
// shared data is absent.
inline std::unique_ptr<LlamaBackend> shared_model(const char* relative, LlamaBackendOptions options = {}) {
  const auto data = find_data_dir();
  if (!data) return nullptr;
  options.model_path = *data / "models" / relative;
  return std::make_unique<LlamaBackend>(options);
}

inline std::unique_ptr<LlamaBackend> stories260k(LlamaBackendOptions options = {}) {
  return shared_model("stories260K.gguf", std::move(options));
}

inline std::unique_ptr<LlamaBackend> tinystories656k(LlamaBackendOptions options = {}) {
  return shared_model("tinystories-656k/TinyStories-656K.f16.gguf", std::move(options));
}

}  // namespace qualm::llama::testing
