#include "backend/remote/ollama_backend.h"

#include <algorithm>
#include <cmath>

#include "backend/remote/http_client.h"
#include "backend/remote/token_steps.h"
#include "core/errors.h"
#include "core/redact.h"

namespace qualm::remote {
namespace {

using nlohmann::json;

std::string text_or(const json& j, const char* key, const std::string& fallback = "") {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

double number_or(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

std::optional<int> count_or_none(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  const double n = j[key].get<double>();
  if (!(n >= 0 && n <= 1e9)) return std::nullopt;  // not a count (negative, NaN or absurd)
  return static_cast<int>(n);
}

}  // namespace

OllamaBackend::OllamaBackend(OllamaOptions options) : options_(options), http_(options.http) {}

Capabilities OllamaBackend::capabilities() const {
  Capabilities caps;
  caps.support(Capability::kGenerate);
  caps.support(Capability::kEmbed);
  const std::string why = "Ollama's API returns no prompt log-probs";
  caps.refuse(Capability::kLoglikelihood, why);
  caps.refuse(Capability::kLoglikelihoodRolling, why);
  caps.refuse(Capability::kDistributions, why);
  return caps;
}

json OllamaBackend::describe() const {
  json out = {{"type", "ollama"}, {"model", options_.model}};
  if (options_.http.base_urls.empty()) out["base_url"] = redact_urls(options_.http.base_url);
  else out["base_urls"] = http_.urls();
  const json show = http_.post("/api/show", {{"model", options_.model}});
  const json tags = http_.get("/api/tags");
  out.update(read_model_facts(show, tags, options_.model));
  return out;
}

GenerateResult OllamaBackend::generate_one(const GenerateRequest& r) const {
  const GenerationOptions& o = r.options;
  json opts = {{"temperature", o.temperature},
               {"seed", server_seed(o.seed, r.sample_key)},
               {"num_predict", o.max_new_tokens},
               {"top_p", o.top_p}};
  if (o.top_k > 0) opts["top_k"] = o.top_k;
  if (!o.stop.empty()) opts["stop"] = o.stop;
  // raw: the prompt goes to the model as written, as the other backends send it; messages go
  // to /api/chat, which applies the model's template.
  const bool chat = !r.messages.empty();
  json body = {{"model", options_.model}, {"stream", false}, {"options", opts}};
  if (chat) {
    body["messages"] = chat_json(r.messages);
  } else {
    body["prompt"] = r.prompt;
    body["raw"] = true;
  }
  std::string endpoint;
  const std::string path = chat ? "/api/chat" : "/api/generate";
  json reply;
  bool with_logprobs = false;
  if (o.top_logprobs > 0) {  // Ollama 0.12.11 and later answer them; older ones ignore the keys
    const json ask = {{"logprobs", true}, {"top_logprobs", o.top_logprobs}};
    with_logprobs = post_asking(http_, path, body, ask, logprobs_refused_, reply, &endpoint);
  } else {
    reply = http_.post(path, body, &endpoint);
  }
  GenerateResult out = read_generate_reply(reply, chat, with_logprobs ? o.top_logprobs : 0);
  out.endpoint = std::move(endpoint);
  return out;
}

json read_model_facts(const json& show, const json& tags, const std::string& model) {
  const json& details = show.is_object() && show.contains("details") ? show["details"] : json();
  json out = {{"quantization", text_or(details, "quantization_level")},
              {"format", text_or(details, "format")},
              {"family", text_or(details, "family")},
              {"parameter_size", text_or(details, "parameter_size")},
              {"digest", nullptr}};
  // /api/show carries no digest; /api/tags lists it per installed model.
  const json& models = tags.is_object() && tags.contains("models") ? tags["models"] : json();
  if (!models.is_array()) return out;
  for (const json& m : models) {
    const std::string name = text_or(m, "name", text_or(m, "model"));
    if (name == model || name == model + ":latest") out["digest"] = text_or(m, "digest");
  }
  return out;
}

GenerateResult read_generate_reply(const json& reply, bool chat, int top_logprobs) {
  const json* text = !reply.is_object()                          ? nullptr
                     : !chat && reply.contains("response")       ? &reply["response"]
                     : chat && reply.contains("message") && reply["message"].is_object() &&
                             reply["message"].contains("content") ? &reply["message"]["content"]
                                                                  : nullptr;
  if (text == nullptr || !text->is_string()) {
    throw RunError(chat ? "Ollama's /api/chat reply has no message.content: " + json_excerpt(reply)
                        : "Ollama's /api/generate reply has no response: " + json_excerpt(reply));
  }
  GenerateResult out;
  out.text = text->get<std::string>();
  // Ollama's own counts; a reply without them (prompt_eval_count is left out when the prompt
  // was cached) leaves them empty.
  out.prompt_tokens = count_or_none(reply, "prompt_eval_count");
  out.output_tokens = count_or_none(reply, "eval_count");
  out.prompt_ms = number_or(reply, "prompt_eval_duration") / 1e6;  // nanoseconds
  out.generate_ms = number_or(reply, "eval_duration") / 1e6;
  out.stop_reason = text_or(reply, "done_reason", "stop");
  if (top_logprobs > 0 && reply.contains("logprobs")) out.steps = steps_of_entries(reply["logprobs"], top_logprobs);
  return out;
}

std::vector<GenerateResult> OllamaBackend::generate(std::span<const GenerateRequest> requests) {
  std::vector<GenerateResult> out(requests.size());
  http_.for_each(requests.size(), [&](size_t i) { out[i] = generate_one(requests[i]); });
  report_progress(static_cast<int64_t>(requests.size()), static_cast<int64_t>(requests.size()));
  return out;
}

std::vector<EmbedResult> OllamaBackend::embed(std::span<const EmbedRequest> requests) {
  for (const EmbedRequest& r : requests) {
    if (r.pooling != Pooling::kMean) {
      throw UnsupportedError("ollama", "/api/embed returns one pooled vector per text, not per-token vectors",
                             "use a GGUF embedding model (a llama backend) for per-token vectors");
    }
  }
  // Texts go kEmbedBatch to a request, as /api/embed's input list.
  constexpr size_t kEmbedBatch = 16;
  std::vector<EmbedResult> out(requests.size());
  const size_t batches = (requests.size() + kEmbedBatch - 1) / kEmbedBatch;
  http_.for_each(batches, [&](size_t b) {
    const size_t begin = b * kEmbedBatch, end = std::min(requests.size(), begin + kEmbedBatch);
    json input = json::array();
    for (size_t i = begin; i < end; ++i) input.push_back(requests[i].text);
    const json reply = http_.post("/api/embed", {{"model", options_.model}, {"input", input}});
    std::vector<EmbedResult> rows = read_embed_reply(reply, end - begin);
    std::move(rows.begin(), rows.end(), out.begin() + static_cast<std::ptrdiff_t>(begin));
  });
  report_progress(static_cast<int64_t>(requests.size()), static_cast<int64_t>(requests.size()));
  return out;
}

std::vector<EmbedResult> read_embed_reply(const json& reply, size_t texts) {
  const json& rows = reply.is_object() && reply.contains("embeddings") ? reply["embeddings"] : json();
  if (!rows.is_array() || rows.size() != texts) {
    const std::string got = rows.is_array() ? std::to_string(rows.size()) : "no";
    throw RunError("Ollama's /api/embed reply has " + got + " embeddings for " + std::to_string(texts) +
                   " texts: " + json_excerpt(reply));
  }
  std::vector<EmbedResult> out(texts);
  for (size_t i = 0; i < texts; ++i) {
    const json& row = rows[i];
    const auto finite = [](const json& v) {
      return v.is_number() && std::isfinite(v.get<double>()) && std::fabs(v.get<double>()) <= 3.4e38;
    };
    if (!row.is_array() || row.empty() || !std::all_of(row.begin(), row.end(), finite)) {
      throw RunError("Ollama's /api/embed reply has a malformed embedding: " + json_excerpt(row));
    }
    if (i > 0 && row.size() != out[0].values.size()) {
      throw RunError("Ollama's /api/embed reply has embeddings of " + std::to_string(out[0].values.size()) + " and " +
                     std::to_string(row.size()) + " numbers");
    }
    out[i].values = row.get<std::vector<float>>();
    out[i].dim = static_cast<int>(out[i].values.size());
  }
  return out;
}

std::vector<LoglikelihoodResult> OllamaBackend::loglikelihood(std::span<const LoglikelihoodRequest>) {
  capabilities().require(Capability::kLoglikelihood, name());
  return {};
}

std::vector<RollingResult> OllamaBackend::loglikelihood_rolling(std::span<const RollingRequest>) {
  capabilities().require(Capability::kLoglikelihoodRolling, name());
  return {};
}

std::unique_ptr<DistributionStream> OllamaBackend::distributions(std::span<const DistributionRequest>) {
  capabilities().require(Capability::kDistributions, name());
  return nullptr;
}

}  // namespace qualm::remote
