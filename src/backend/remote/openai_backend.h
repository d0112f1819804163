#pragma once
// An OpenAI-compatible server (llama-server, vLLM, TGI) as a backend (SPEC S2). Generation
// through /v1/completions, or /v1/chat/completions when chat is set; loglikelihood through
// /v1/completions with echo + logprobs, only where probe() finds the server returns prompt
// log-probs. The API key is read from the environment variable the config names and is
// sent only in the Authorization header.

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <string>

#include "backend/backend.h"
#include "backend/remote/http_client.h"

namespace qualm::remote {

struct OpenAiOptions {
  HttpOptions http;
  std::string model;        // the name the server serves
  std::string api_key_env;  // the NAME of the variable holding the key; empty = no key
  bool chat = false;
};

class OpenAiBackend : public Backend {
 public:
  explicit OpenAiBackend(OpenAiOptions options);

  std::string name() const override { return "openai"; }
  Capabilities capabilities() const override;

  // Asks the server once whether /v1/completions returns prompt log-probs with echo; the
  // loglikelihood capability follows the answer. Throws RunError when the server is unreachable.
  void probe();
  // What the manifest records (never the key).
  nlohmann::json describe() const override;
  nlohmann::json endpoints() const override { return http_.endpoints(); }

  std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests) override;
  std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest> requests) override;
  std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest> requests) override;
  std::unique_ptr<DistributionStream> distributions(std::span<const DistributionRequest> requests) override;
  std::vector<EmbedResult> embed(std::span<const EmbedRequest> requests) override;

 private:
  GenerateResult generate_one(const GenerateRequest& r) const;
  LoglikelihoodResult score_one(const LoglikelihoodRequest& r) const;

  OpenAiOptions options_;
  HttpClient http_;
  std::optional<std::string> echo_refused_;  // set by probe(): why loglikelihood is unsupported
  // A server that refused a generation request asking for log-probs is asked without them.
  mutable std::atomic<bool> logprobs_refused_ = false;
  bool probed_ = false;
};

// Reads prompt log-probs from a /v1/completions reply made with echo: the tokens that start
// at or after `from` and before `to` (character offsets in the prompt). The result's
// sequence is the context's tokens (counted from usage.prompt_tokens where the server
// reports it), then the continuation's; ids are -1. Throws RunError when the reply has none.
LoglikelihoodResult echo_logprobs(const nlohmann::json& reply, size_t from, size_t to);

// The text, finish reason and usage counts of a /v1/completions reply (chat: of a
// /v1/chat/completions reply). Throws RunError, quoting the reply, when it has no text.
// top_logprobs > 0: also the steps (GenerateResult::steps, top_logprobs candidates each) where
// the reply holds log-probs, in either shape servers use: OpenAI's chat one, which llama-server
// also gives for completions (logprobs.content: [{id?, token, logprob, top_logprobs: [...]}]),
// or OpenAI's legacy completions one (logprobs: {tokens, token_logprobs, top_logprobs:
// [{token: logprob}]}, as vLLM gives it). Ids a server does not give are -1.
GenerateResult read_completion_reply(const nlohmann::json& reply, bool chat, int top_logprobs = 0);

}  // namespace qualm::remote
