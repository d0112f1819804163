#include "backend/remote/openai_backend.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "backend/remote/token_steps.h"
#include "core/errors.h"
#include "core/redact.h"

namespace qualm::remote {
namespace {

using nlohmann::json;

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

HttpOptions with_key(HttpOptions http, const std::string& env) {
  if (env.empty()) return http;
  const char* key = std::getenv(env.c_str());
  if (key == nullptr || *key == '\0') {
    throw InputError("api_key_env", "the environment variable " + env + " is not set",
                     "export " + env + "=... or drop api_key_env for a server without keys");
  }
  http.headers.emplace_back("Authorization", std::string("Bearer ") + key);
  return http;
}

std::optional<int> count_in(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_number_integer()) return j[key].get<int>();
  return std::nullopt;
}

const json& choice0(const json& reply) {
  if (!reply.is_object() || !reply.contains("choices") || !reply["choices"].is_array() || reply["choices"].empty() ||
      !reply["choices"][0].is_object()) {
    throw RunError("the server's reply has no choices: " + json_excerpt(reply));
  }
  return reply["choices"][0];
}

// j[key] when j is an object holding it, else null.
const json& member(const json& j, const char* key) {
  static const json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

// The server's root: the OpenAI SDK's base URL (ending in /v1) and lm-eval's local-completions
// URL (ending in /v1/completions) name the same server as http://host:port.
OpenAiOptions at_server_root(OpenAiOptions options) {
  const auto root = [](std::string& url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    for (const char* tail : {"/chat/completions", "/completions", "/v1"}) {
      if (url.ends_with(tail)) url.resize(url.size() - std::string(tail).size());
    }
  };
  root(options.http.base_url);
  for (std::string& url : options.http.base_urls) root(url);
  return options;
}

std::vector<std::vector<TokenChoice>> reply_steps(const json& choice, int n) {
  const json& logprobs = member(choice, "logprobs");
  if (const json& content = member(logprobs, "content"); content.is_array()) return steps_of_entries(content, n);
  std::vector<std::vector<TokenChoice>> steps;
  const json &tokens = member(logprobs, "tokens"), &lps = member(logprobs, "token_logprobs"),
             &tops = member(logprobs, "top_logprobs");
  if (!tokens.is_array() || !lps.is_array() || tokens.size() != lps.size()) return {};
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens[i].is_string() || !lps[i].is_number()) return {};
    std::vector<TokenChoice> others;
    if (tops.is_array() && i < tops.size() && tops[i].is_object()) {
      for (const auto& [text, lp] : tops[i].items()) {
        if (lp.is_number()) others.push_back({-1, text, lp.get<double>()});
      }
    }
    steps.push_back(step_of({-1, tokens[i].get<std::string>(), lps[i].get<double>()}, std::move(others), n));
  }
  return steps;
}

}  // namespace

OpenAiBackend::OpenAiBackend(OpenAiOptions options)
    : options_(at_server_root(std::move(options))), http_(with_key(options_.http, options_.api_key_env)) {}

Capabilities OpenAiBackend::capabilities() const {
  Capabilities caps;
  caps.support(Capability::kGenerate);
  if (!probed_)
    caps.refuse(Capability::kLoglikelihood, "the server was not probed for echo + logprobs");
  else if (echo_refused_)
    caps.refuse(Capability::kLoglikelihood, *echo_refused_);
  else
    caps.support(Capability::kLoglikelihood);
  caps.refuse(Capability::kLoglikelihoodRolling, "the openai backend scores only (context, continuation) pairs");
  caps.refuse(Capability::kDistributions,
              "OpenAI-compatible servers return at most a few top log-probs, not distributions");
  caps.refuse(Capability::kEmbed, "the openai backend does not embed");
  return caps;
}

void OpenAiBackend::probe() {
  probed_ = true;
  echo_refused_.reset();
  const std::string prompt = "The quick brown fox";
  const json body = {{"model", options_.model}, {"prompt", prompt}, {"max_tokens", 1},
                     {"temperature", 0},        {"echo", true},     {"logprobs", 1}};
  try {
    const json reply = http_.post("/v1/completions", body);
    echo_logprobs(reply, 1, prompt.size());
  } catch (const HttpRefusal& err) {
    echo_refused_ = std::string("the server refuses echo + logprobs on /v1/completions (") + err.what() + ")";
  } catch (const RunError& err) {
    if (std::string(err.what()).find("failed after") != std::string::npos) throw;
    echo_refused_ = std::string("the server returns no prompt log-probs with echo (") + err.what() + ")";
  }
}

json OpenAiBackend::describe() const {
  json out = {{"type", "openai"},
              {"model", options_.model},
              {"chat", options_.chat},
              {"api_key_env", options_.api_key_env.empty() ? json(nullptr) : json(options_.api_key_env)},
              {"loglikelihood", echo_refused_ ? json(*echo_refused_) : json(probed_ ? "supported" : "not probed")}};
  const std::vector<std::string> urls = http_.urls();
  if (options_.http.base_urls.empty()) out["base_url"] = urls.front();
  else out["base_urls"] = urls;
  return out;
}

GenerateResult OpenAiBackend::generate_one(const GenerateRequest& r) const {
  const GenerationOptions& o = r.options;
  const bool chat = options_.chat || !r.messages.empty();
  json body = {{"model", options_.model},
               {"max_tokens", o.max_new_tokens},
               {"temperature", o.temperature},
               {"top_p", o.top_p},
               {"seed", server_seed(o.seed, r.sample_key)}};
  if (o.top_k > 0) body["top_k"] = o.top_k;
  if (!o.stop.empty()) body["stop"] = o.stop;
  if (chat && r.messages.empty())
    body["messages"] = json::array({{{"role", "user"}, {"content", r.prompt}}});
  else if (chat)
    body["messages"] = chat_json(r.messages);
  else
    body["prompt"] = r.prompt;
  const auto start = std::chrono::steady_clock::now();
  std::string endpoint;
  const char* path = chat ? "/v1/chat/completions" : "/v1/completions";
  json reply;
  bool with_logprobs = false;
  if (o.top_logprobs > 0) {
    const json ask =
        chat ? json{{"logprobs", true}, {"top_logprobs", o.top_logprobs}} : json{{"logprobs", o.top_logprobs}};
    with_logprobs = post_asking(http_, path, body, ask, logprobs_refused_, reply, &endpoint);
  } else {
    reply = http_.post(path, body, &endpoint);
  }
  GenerateResult out = read_completion_reply(reply, chat, with_logprobs ? o.top_logprobs : 0);
  out.generate_ms = ms_since(start);
  out.endpoint = std::move(endpoint);
  return out;
}

GenerateResult read_completion_reply(const json& reply, bool chat, int top_logprobs) {
  const json& c = choice0(reply);
  const json& text = chat ? member(member(c, "message"), "content") : member(c, "text");
  if (!text.is_string()) throw RunError("the server's reply has no text: " + json_excerpt(reply));
  GenerateResult out;
  out.text = text.get<std::string>();
  const json& reason = member(c, "finish_reason");
  out.stop_reason = reason.is_string() ? reason.get<std::string>() : "stop";
  // Token counts are the server's usage; a server that reports none leaves them empty.
  const json& usage = member(reply, "usage");
  out.prompt_tokens = count_in(usage, "prompt_tokens");
  out.output_tokens = count_in(usage, "completion_tokens");
  if (top_logprobs > 0) out.steps = reply_steps(c, top_logprobs);
  return out;
}

std::vector<GenerateResult> OpenAiBackend::generate(std::span<const GenerateRequest> requests) {
  std::vector<GenerateResult> out(requests.size());
  http_.for_each(requests.size(), [&](size_t i) { out[i] = generate_one(requests[i]); });
  report_progress(static_cast<int64_t>(requests.size()), static_cast<int64_t>(requests.size()));
  return out;
}

LoglikelihoodResult echo_logprobs(const json& reply, size_t from, size_t to) {
  const json& lp = member(choice0(reply), "logprobs");
  const json &offsets = member(lp, "text_offset"), &values = member(lp, "token_logprobs"), &tokens = member(lp, "tokens");
  if (!offsets.is_array() || !values.is_array() || !tokens.is_array()) {
    throw RunError("the reply has no prompt log-probs (logprobs.tokens, token_logprobs, text_offset)");
  }
  for (const json& o : offsets) {
    if (!o.is_number_unsigned()) throw RunError("the reply's logprobs.text_offset holds " + json_excerpt(o) + ", not an offset");
  }
  const json& top = member(lp, "top_logprobs");
  LoglikelihoodResult r;
  r.is_greedy = true;
  for (size_t i = 0; i < offsets.size() && i < values.size(); ++i) {
    const size_t at = offsets[i].get<size_t>();
    if (at < from || at >= to) continue;
    if (!values[i].is_number()) throw RunError("the reply has no log-prob for prompt token " + std::to_string(i));
    r.logprobs.push_back(values[i].get<double>());
    r.tokens.push_back(-1);  // the OpenAI format gives token text, not ids
    // Greedy: the token is the most likely of the top log-probs the server listed.
    if (top.is_array() && i < top.size() && top[i].is_object() && i < tokens.size()) {
      double best = -1e300;
      std::string argmax;
      for (const auto& [tok, v] : top[i].items()) {
        if (v.is_number() && v.get<double>() > best) best = v.get<double>(), argmax = tok;
      }
      if (!tokens[i].is_string() || argmax != tokens[i].get<std::string>()) r.is_greedy = false;
    } else {
      r.is_greedy = false;
    }
  }
  if (r.logprobs.empty()) throw RunError("the reply has no log-probs for the continuation's tokens");
  // The context's token count: the server's usage (the whole prompt) less the continuation,
  // else the echoed tokens before `from`. Ids stay -1: the format gives token text only.
  int context = 0;
  for (size_t i = 0; i < offsets.size() && offsets[i].get<size_t>() < from; ++i) ++context;
  if (const int prompt = count_in(member(reply, "usage"), "prompt_tokens").value_or(0); prompt > 0) {
    context = std::max(0, prompt - static_cast<int>(r.tokens.size()));
  }
  r.sequence.assign(static_cast<size_t>(context), -1);
  r.sequence.insert(r.sequence.end(), r.tokens.begin(), r.tokens.end());
  return r;
}

LoglikelihoodResult OpenAiBackend::score_one(const LoglikelihoodRequest& r) const {
  const std::string prompt = r.context + r.continuation;
  const json body = {{"model", options_.model}, {"prompt", prompt}, {"max_tokens", 1},
                     {"temperature", 0},        {"echo", true},     {"logprobs", 1}};
  std::string endpoint;
  const json reply = http_.post("/v1/completions", body, &endpoint);
  LoglikelihoodResult out = echo_logprobs(reply, r.context.size(), prompt.size());
  out.endpoint = std::move(endpoint);
  return out;
}

std::vector<LoglikelihoodResult> OpenAiBackend::loglikelihood(std::span<const LoglikelihoodRequest> requests) {
  capabilities().require(Capability::kLoglikelihood, name());
  std::vector<LoglikelihoodResult> out(requests.size());
  http_.for_each(requests.size(), [&](size_t i) { out[i] = score_one(requests[i]); });
  report_progress(static_cast<int64_t>(requests.size()), static_cast<int64_t>(requests.size()));
  return out;
}

std::vector<RollingResult> OpenAiBackend::loglikelihood_rolling(std::span<const RollingRequest>) {
  capabilities().require(Capability::kLoglikelihoodRolling, name());
  return {};
}

std::unique_ptr<DistributionStream> OpenAiBackend::distributions(std::span<const DistributionRequest>) {
  capabilities().require(Capability::kDistributions, name());
  return nullptr;
}

std::vector<EmbedResult> OpenAiBackend::embed(std::span<const EmbedRequest>) {
  capabilities().require(Capability::kEmbed, name());
  return {};
}

}  // namespace qualm::remote
