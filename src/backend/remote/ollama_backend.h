#pragma once
// An Ollama server as a backend (SPEC S2): generation through /api/generate (or /api/chat),
// with the generated tokens' log-probs when asked for them, and embeddings through /api/embed;
// nothing else. describe() asks /api/show and /api/tags for the model's
// digest and quantization, for the manifest.

#include <nlohmann/json.hpp>

#include <atomic>
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
  // A server that refused a generation request asking for log-probs is asked without them.
  mutable std::atomic<bool> logprobs_refused_ = false;
};

// What /api/show (details: quantization, format, family, parameter size) and /api/tags (the
// model's digest) say of `model`; empty strings and a null digest where they say nothing.
nlohmann::json read_model_facts(const nlohmann::json& show, const nlohmann::json& tags, const std::string& model);

// The text, counts, times and done reason of an /api/generate reply (chat: of an /api/chat
// reply, its message.content), and with top_logprobs > 0 the steps of its logprobs (none when it
// has none); throws RunError, quoting the reply, when it has no text.
GenerateResult read_generate_reply(const nlohmann::json& reply, bool chat = false, int top_logprobs = 0);

// The vectors of an /api/embed reply for `texts` texts; throws RunError when it has another
// count, a row that is not all finite numbers, or rows of different lengths.
std::vector<EmbedResult> read_embed_reply(const nlohmann::json& reply, size_t texts);


}  // namespace qualm::remote
