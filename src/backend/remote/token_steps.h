#pragma once
// Per-token log-probs of a server's generation, as GenerateResult::steps: the chosen token, then
// the most likely others. OpenAI-compatible servers and Ollama (0.12.11 and later) answer with the
// same entries, {id?, token, logprob, top_logprobs: [{id?, token, logprob}]}: llama-server's and
// OpenAI chat's logprobs.content, Ollama's top-level logprobs.

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/remote/http_client.h"

namespace qualm::remote {

// A step: `chosen`, then the most likely of `others` (higher log-prob first, the chosen one left
// out: by id where both have one, else by text), n in all.
std::vector<TokenChoice> step_of(TokenChoice chosen, std::vector<TokenChoice> others, int n);

// The steps of an array of entries; empty when `entries` is not such an array or one entry is
// malformed (a reply's log-probs are all or nothing). A candidate without an id gets id -1.
std::vector<std::vector<TokenChoice>> steps_of_entries(const nlohmann::json& entries, int n);

// POSTs `body` with `extra`'s members added, unless the server refused such a request before: a
// 400 or 422 to it sets `refused` and the request goes again without them. True when the reply
// answers the request with `extra`.
bool post_asking(const HttpClient& http, const std::string& path, const nlohmann::json& body,
                 const nlohmann::json& extra, std::atomic<bool>& refused, nlohmann::json& reply,
                 std::string* served_by);

}  // namespace qualm::remote
