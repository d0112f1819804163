#include "run/backend_factory.h"

#include "backend/llama/llama_backend.h"
#include "backend/remote/ollama_backend.h"
#include "backend/remote/openai_backend.h"
#include "core/errors.h"

namespace qualm {
namespace {

remote::HttpOptions http_options(const BackendSpec& b) {
  remote::HttpOptions o;
  o.base_url = b.base_url;
  o.timeout_s = b.timeout_s;
  o.retries = b.retries;
  o.concurrency = b.concurrency;
  return o;
}

// A llama backend on device: cpu runs every layer on the CPU whatever gpu_layers says.
EngineSettings engine_settings(const BackendSpec& b) {
  EngineSettings e = b.engine;
  if (b.device != "cuda") e.gpu_layers = 0;
  return e;
}

llama::LlamaBackendOptions llama_options(const BackendSpec& b, const std::filesystem::path& path) {
  return llama::backend_options(path, engine_settings(b));
}

}  // namespace

std::unique_ptr<Backend> make_backend(const BackendSpec& b, const std::filesystem::path& model_file, bool probe) {
  if (b.type == "openai") {
    auto backend =
        std::make_unique<remote::OpenAiBackend>(remote::OpenAiOptions{http_options(b), b.model, b.api_key_env, b.chat});
    if (probe) backend->probe();
    return backend;
  }
  if (b.type == "ollama")
    return std::make_unique<remote::OllamaBackend>(remote::OllamaOptions{http_options(b), b.model});
  return std::make_unique<llama::LlamaBackend>(llama_options(b, model_file));
}

Capabilities remote_capabilities(const BackendSpec& b, bool probe) {
  return make_backend(b, {}, probe)->capabilities();
}

nlohmann::json describe_remote(const BackendSpec& b, Backend& backend) {
  try {
    if (auto* o = dynamic_cast<remote::OpenAiBackend*>(&backend)) return o->describe();
    if (auto* o = dynamic_cast<remote::OllamaBackend*>(&backend)) return o->describe();
  } catch (const std::exception& err) {
    return {{"type", b.type}, {"base_url", b.base_url}, {"model", b.model}, {"error", user_message(err)}};
  }
  return nullptr;
}

}  // namespace qualm
