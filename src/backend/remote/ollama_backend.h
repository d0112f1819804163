#pragma once
// An Ollama server as a backend (SPEC S2): generation through /api/generate and embeddings
// through /api/embed; nothing else. describe() asks /api/show and /api/tags for the model's
// digest and quantization, for the manifest.

#include <nlohmann/json.hpp>
#include <string>

#include "backend/backend.h"
#include "backend/remote/http_client.h"

namespace qualm::remote {

struct OllamaOptions {
  HttpOptions http;
  std::string model;
};

class OllamaBackend : public Backend {
 public:
  explicit OllamaBackend(OllamaOptions options);

  std::string name() const override { return "ollama"; }
  Capabilities capabilities() const override;
  // {type, base_url (or base_urls), model, digest, quantization, format, family, parameter_size}; throws
  // RunError when the server cannot be reached.
  nlohmann::json describe() const override;
  nlohmann::json endpoints() const override { return http_.endpoints(); }

  std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests) override;
  std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest> requests) override;
  std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest> requests) override;
  std::unique_ptr<DistributionStream> distributions(std::span<const DistributionRequest> requests) override;
  std::vector<EmbedResult> embed(std::span<const EmbedRequest> requests) override;

 private:
  GenerateResult generate_one(const GenerateRequest& r) const;

  OllamaOptions options_;
  HttpClient http_;
};

}  // namespace qualm::remote
