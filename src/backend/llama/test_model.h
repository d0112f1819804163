#pragma once
// The llama backend's unit tests run on the shared data's stories260K.

#include <memory>

#include "backend/llama/llama_backend.h"
#include "core/data_dir.h"

namespace qualm::llama::testing {

// stories260K with `options` (model_path set here), or null when the shared data is absent.
inline std::unique_ptr<LlamaBackend> stories260k(LlamaBackendOptions options = {}) {
  const auto data = find_data_dir();
  if (!data) return nullptr;
  options.model_path = *data / "models" / "stories260K.gguf";
  return std::make_unique<LlamaBackend>(options);
}

}  // namespace qualm::llama::testing
