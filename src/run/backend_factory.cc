#include "run/backend_factory.h"

#include <algorithm>

#include "backend/llama/layer_cut.h"
#include "backend/llama/llama_backend.h"
#include "backend/remote/ollama_backend.h"
#include "backend/remote/openai_backend.h"
#include "core/errors.h"
#include "core/redact.h"

namespace qualm {
namespace {

remote::HttpOptions http_options(const BackendSpec& b) {
  remote::HttpOptions o;
  o.base_url = b.base_url;
  o.base_urls = b.base_urls;
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
    return backend.describe();
  } catch (const std::exception& err) {
    nlohmann::json out = {{"type", b.type}, {"model", b.model}, {"error", user_message(err)}};
    if (b.base_urls.empty()) out["base_url"] = redact_urls(b.base_url);
    else for (const std::string& url : b.base_urls) out["base_urls"].push_back(redact_urls(url));
    return out;
  }
}

void add_endpoint_counts(nlohmann::json& server, const nlohmann::json& endpoints) {
  if (!endpoints.is_array()) return;
  nlohmann::json& total = server["endpoints"];
  if (!total.is_array()) total = nlohmann::json::array();
  for (const nlohmann::json& e : endpoints) {
    auto same = std::find_if(total.begin(), total.end(), [&](const nlohmann::json& t) { return t["url"] == e["url"]; });
    if (same == total.end()) {
      total.push_back(e);
      continue;
    }
    for (const char* key : {"served", "refused", "failed"}) {
      (*same)[key] = (*same).value(key, int64_t{0}) + e.value(key, int64_t{0});
    }
  }
}

void add_endpoint_counts(nlohmann::json& server, const Backend& backend) {
  add_endpoint_counts(server, backend.endpoints());
}

std::unique_ptr<Backend> make_embedder(const EmbeddingModelSpec& m, const std::vector<BackendSpec>& backends,
                                       const std::filesystem::path& cache_dir, std::filesystem::path* file_used) {
  if (!m.backend.empty()) {
    const auto b = std::find_if(backends.begin(), backends.end(), [&](const BackendSpec& s) { return s.name == m.backend; });
    if (b == backends.end()) throw RunError("no backend named " + m.backend);  // validated: not reached
    BackendSpec spec = *b;
    spec.model = m.model;
    return make_backend(spec, {}, false);
  }
  std::filesystem::path model = m.path;
  if (m.layer > 0) model = llama::cut_to_layers(model, m.layer, cache_dir);
  if (file_used != nullptr) *file_used = model;
  EngineSettings engine;
  engine.gpu_layers = 0;  // beside nothing: the model under test is freed before it loads (SPEC S4)
  return std::make_unique<llama::LlamaBackend>(llama::backend_options(model, engine));
}

}  // namespace qualm
