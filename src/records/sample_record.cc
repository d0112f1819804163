#include "records/sample_record.h"

#include <cmath>

#include "core/errors.h"

namespace qualm {
namespace {

using nlohmann::json;

constexpr const char* kFix = "samples.jsonl is written by qualm; restore the line, or start a new run without --resume";

json text_or_null(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }
template <typename T>
json number_or_null(const std::optional<T>& x) {
  return x ? json(*x) : json(nullptr);
}

// The keys of one JSON record, read with the record's file:line for every error.
class Fields {
 public:
  Fields(const json& record, const std::string& where) : record_(record), where_(where) {}

  const json* find(const char* key) const {
    const auto it = record_.find(key);
    return it != record_.end() ? &*it : nullptr;
  }
  const json& required(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) throw InputError(where_, std::string("the record has no \"") + key + "\"", kFix);
    return *v;
  }
  [[noreturn]] void wrong(const std::string& key, const json& v, const char* expected) const {
    throw InputError(where_, "\"" + key + "\" is " + (v.is_null() ? "null" : v.type_name()) + ", not " + expected, kFix);
  }

  // Each reads a key that must be present; nullable_* also take null.
  std::string text(const char* key) const { return as_text(key, required(key)); }
  std::optional<std::string> nullable_text(const char* key) const { return nullable(key, required(key), &Fields::as_text); }
  int64_t integer(const char* key) const { return as_integer(key, required(key)); }
  std::optional<int64_t> nullable_integer(const char* key) const {
    return nullable(key, required(key), &Fields::as_integer);
  }
  std::optional<double> nullable_number(const char* key) const { return nullable(key, required(key), &Fields::as_number); }
  bool boolean(const char* key) const { return as_boolean(key, required(key)); }
  std::optional<bool> nullable_boolean(const char* key) const { return nullable(key, required(key), &Fields::as_boolean); }

  // Each reads a key that only some records carry: nullopt when absent.
  std::optional<std::string> optional_text(const char* key) const {
    const json* v = find(key);
    return v ? std::optional(as_text(key, *v)) : std::nullopt;
  }
  std::optional<int64_t> optional_integer(const char* key) const {
    const json* v = find(key);
    return v ? std::optional(as_integer(key, *v)) : std::nullopt;
  }
  std::optional<bool> optional_boolean(const char* key) const {
    const json* v = find(key);
    return v ? std::optional(as_boolean(key, *v)) : std::nullopt;
  }
  NullableText absent_null_or_text(const char* key) const {
    const json* v = find(key);
    return v ? NullableText(nullable(key, *v, &Fields::as_text)) : std::nullopt;
  }

  std::string as_text(const std::string& key, const json& v) const {
    if (!v.is_string()) wrong(key, v, "a string");
    return v.get<std::string>();
  }
  int64_t as_integer(const std::string& key, const json& v) const {
    if (!v.is_number_integer()) wrong(key, v, "an integer");
    return v.get<int64_t>();
  }
  // A number; null stands for NaN (JSON has no NaN or infinity).
  double as_number(const std::string& key, const json& v) const {
    if (v.is_null()) return NAN;
    if (!v.is_number()) wrong(key, v, "a number");
    return v.get<double>();
  }
  bool as_boolean(const std::string& key, const json& v) const {
    if (!v.is_boolean()) wrong(key, v, "true or false");
    return v.get<bool>();
  }
  template <typename T>
  std::vector<T> array_of(const std::string& key, const json& v, T (Fields::*item)(const std::string&, const json&) const) const {
    if (!v.is_array()) wrong(key, v, "an array");
    std::vector<T> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) out.push_back((this->*item)(key + "[" + std::to_string(i) + "]", v[i]));
    return out;
  }

  const std::string& where() const { return where_; }

 private:
  template <typename T>
  std::optional<T> nullable(const std::string& key, const json& v, T (Fields::*read)(const std::string&, const json&) const) const {
    if (v.is_null()) return std::nullopt;
    return (this->*read)(key, v);
  }

  const json& record_;
  const std::string& where_;
};

ChoiceRecord choice_from(const Fields& record, const std::string& key, const json& c) {
  if (!c.is_object()) record.wrong(key, c, "an object");
  const Fields f(c, record.where());
  const auto field = [&](const char* name) -> const json& {
    const json* v = f.find(name);
    if (v == nullptr) throw InputError(record.where(), "\"" + key + "\" has no \"" + name + "\"", kFix);
    return *v;
  };
  ChoiceRecord out;
  out.text = f.as_text(key + ".text", field("text"));
  out.loglikelihood = f.as_number(key + ".loglikelihood", field("loglikelihood"));
  out.n_tokens = f.as_integer(key + ".n_tokens", field("n_tokens"));
  out.is_greedy = f.as_boolean(key + ".is_greedy", field("is_greedy"));
  out.token_mean = f.as_number(key + ".token_mean", field("token_mean"));
  if (const json* s = f.find("sequence")) out.sequence = f.array_of(key + ".sequence", *s, &Fields::as_integer);
  if (const json* t = f.find("token_logprobs")) {
    out.token_logprobs = f.array_of(key + ".token_logprobs", *t, &Fields::as_number);
  }
  return out;
}

json choice_json(const ChoiceRecord& c) {
  json out = {{"text", c.text},
              {"loglikelihood", c.loglikelihood},
              {"n_tokens", c.n_tokens},
              {"is_greedy", c.is_greedy},
              {"token_mean", c.token_mean}};
  if (c.sequence) out["sequence"] = *c.sequence;
  if (c.token_logprobs) out["token_logprobs"] = *c.token_logprobs;
  return out;
}

json steps_json(const std::vector<std::vector<TokenChoice>>& steps) {
  json out = json::array();
  for (const auto& step : steps) {
    json choices = json::array();
    for (const TokenChoice& c : step) choices.push_back(json::array({c.id, c.text, c.logprob}));
    out.push_back(std::move(choices));
  }
  return out;
}

std::vector<std::vector<TokenChoice>> steps_from(const Fields& f, const json& v) {
  const std::string key = "top_logprobs";
  if (!v.is_array()) f.wrong(key, v, "an array");
  std::vector<std::vector<TokenChoice>> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = key + "[" + std::to_string(i) + "]";
    if (!v[i].is_array() || v[i].empty()) f.wrong(at, v[i], "a non-empty array of [id, text, logprob]");
    std::vector<TokenChoice>& step = out.emplace_back();
    for (size_t k = 0; k < v[i].size(); ++k) {
      const json& c = v[i][k];
      const std::string item = at + "[" + std::to_string(k) + "]";
      if (!c.is_array() || c.size() != 3) f.wrong(item, c, "[id, text, logprob]");
      step.push_back({static_cast<TokenId>(f.as_integer(item + "[0]", c[0])), f.as_text(item + "[1]", c[1]),
                      f.as_number(item + "[2]", c[2])});
    }
  }
  return out;
}

McPredictions pred_from(const Fields& record, const json& p) {
  if (!p.is_object()) record.wrong("pred", p, "an object");
  const Fields f(p, record.where());
  const auto field = [&](const char* name) {
    const json* v = f.find(name);
    if (v == nullptr) throw InputError(record.where(), std::string("\"pred\" has no \"") + name + "\"", kFix);
    return f.as_integer(std::string("pred.") + name, *v);
  };
  return {field("acc"), field("acc_norm"), field("acc_bytes"), field("acc_token_mean")};
}

}  // namespace

json metrics_json(const std::map<std::string, double>& metrics) {
  json out = json::object();
  for (const auto& [name, value] : metrics) out[name] = std::isfinite(value) ? json(value) : json(nullptr);
  return out;
}

int64_t McPredictions::of(std::string_view metric) const {
  if (metric == "acc_norm") return acc_norm;
  if (metric == "acc_bytes") return acc_bytes;
  if (metric == "acc_token_mean") return acc_token_mean;
  return acc;
}

std::optional<bool> SampleRecord::chose_gold(std::string_view metric) const {
  if (!pred || !gold) return std::nullopt;
  return pred->of(metric) == *gold;
}

std::optional<double> SampleRecord::metric(const std::string& name) const {
  const auto it = metrics.find(name);
  if (it == metrics.end() || std::isnan(it->second)) return std::nullopt;
  return it->second;
}

json SampleRecord::to_json() const {
  json r = {{"run_id", run_id},
            {"model", config.model},
            {"variant", config.variant},
            {"backend", config.backend},
            {"task_name", task_name},
            {"task_type", task_type},
            {"sample_id", sample_id},
            {"rep", rep},
            {"seed", number_or_null(seed)},
            {"temperature", number_or_null(temperature)},
            {"prompt", prompt},
            {"reference", text_or_null(reference)},
            {"candidate", text_or_null(candidate)},
            {"correct", number_or_null(correct)},
            {"gen_time_ms", number_or_null(gen_time_ms)},
            {"prompt_tokens", number_or_null(prompt_tokens)},
            {"output_tokens", number_or_null(output_tokens)},
            {"truncated", truncated},
            {"metrics", metrics_json(metrics)},
            {"error", text_or_null(error)}};
  json c = nullptr;
  if (choices) {
    c = json::array();
    for (const ChoiceRecord& choice : *choices) c.push_back(choice_json(choice));
  }
  r["choices"] = std::move(c);
  if (raw_output) r["raw_output"] = text_or_null(*raw_output);
  if (stop_reason) r["stop_reason"] = text_or_null(*stop_reason);
  if (gold) r["gold"] = *gold;
  if (pred) {
    r["pred"] = {{"acc", pred->acc}, {"acc_norm", pred->acc_norm}, {"acc_bytes", pred->acc_bytes},
                 {"acc_token_mean", pred->acc_token_mean}};
  }
  if (n_windows) r["n_windows"] = *n_windows;
  if (unknown_tokens) r["unknown_tokens"] = *unknown_tokens;
  if (split_differs) r["split_differs"] = *split_differs;
  if (continuation) r["continuation"] = *continuation;
  if (filtered) r["filtered"] = *filtered;
  if (raw_outputs) r["raw_outputs"] = *raw_outputs;
  if (top_logprobs) r["top_logprobs"] = steps_json(*top_logprobs);
  if (code_results) r["code_results"] = *code_results;
  if (!metrics_skipped.empty()) r["metrics_skipped"] = metrics_skipped;
  if (source) r["source"] = *source;
  if (doc_key) r["doc_key"] = *doc_key;
  if (category) r["category"] = *category;
  if (base_model) r["base_model"] = *base_model;
  if (kld_state) r["kld_state"] = kld_state->to_json();
  if (tokens) r["tokens"] = *tokens;
  if (token_logprobs) r["token_logprobs"] = *token_logprobs;
  if (chat) r["chat"] = chat->to_json();
  if (messages) {
    json m = json::array();
    for (const ChatMessage& message : *messages) m.push_back({{"role", message.role}, {"content", message.content}});
    r["messages"] = std::move(m);
  }
  if (engine) r["engine"] = *engine;
  if (endpoint) r["endpoint"] = *endpoint;
  return r;
}

SampleRecord SampleRecord::from_json(const json& record, const std::string& where) {
  if (!record.is_object()) throw InputError(where, std::string("a record is an object, not ") + record.type_name(), kFix);
  const Fields f(record, where);
  SampleRecord r;
  r.run_id = f.text("run_id");
  r.config = {f.text("model"), f.text("variant"), f.text("backend")};
  r.task_name = f.text("task_name");
  r.task_type = f.text("task_type");
  r.sample_id = f.integer("sample_id");
  r.rep = static_cast<int>(f.integer("rep"));
  if (const auto seed = f.nullable_integer("seed")) r.seed = static_cast<uint64_t>(*seed);
  r.temperature = f.nullable_number("temperature");
  r.prompt = f.text("prompt");
  r.reference = f.nullable_text("reference");
  r.candidate = f.nullable_text("candidate");
  r.raw_output = f.absent_null_or_text("raw_output");
  if (const json& c = f.required("choices"); !c.is_null()) {
    if (!c.is_array()) f.wrong("choices", c, "an array or null");
    r.choices.emplace();
    for (size_t i = 0; i < c.size(); ++i) r.choices->push_back(choice_from(f, "choices[" + std::to_string(i) + "]", c[i]));
  }
  r.gold = f.optional_integer("gold");
  if (const json* p = f.find("pred")) r.pred = pred_from(f, *p);
  r.correct = f.nullable_boolean("correct");
  r.gen_time_ms = f.nullable_number("gen_time_ms");
  r.prompt_tokens = f.nullable_integer("prompt_tokens");
  r.output_tokens = f.nullable_integer("output_tokens");
  r.stop_reason = f.absent_null_or_text("stop_reason");
  r.truncated = f.boolean("truncated");
  r.n_windows = f.optional_integer("n_windows");
  r.unknown_tokens = f.optional_integer("unknown_tokens");
  r.split_differs = f.optional_boolean("split_differs");
  r.continuation = f.optional_text("continuation");
  if (const json* p = f.find("filtered")) {
    if (!p->is_object()) f.wrong("filtered", *p, "an object");
    r.filtered.emplace();
    for (const auto& [name, text] : p->items()) (*r.filtered)[name] = f.as_text("filtered." + name, text);
  }
  if (const json* o = f.find("raw_outputs")) r.raw_outputs = f.array_of("raw_outputs", *o, &Fields::as_text);
  if (const json* t = f.find("top_logprobs")) r.top_logprobs = steps_from(f, *t);
  if (const json* c = f.find("code_results")) {
    if (!c->is_object()) f.wrong("code_results", *c, "an object");
    r.code_results.emplace();
    for (const auto& [name, list] : c->items()) {
      (*r.code_results)[name] = f.array_of("code_results." + name, list, &Fields::as_text);
    }
  }
  const json& m = f.required("metrics");
  if (!m.is_object()) f.wrong("metrics", m, "an object");
  for (const auto& [name, value] : m.items()) {
    // true/false count as 1/0 (records of older versions)
    r.metrics[name] = value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : f.as_number("metrics." + name, value);
  }
  if (const json* s = f.find("metrics_skipped")) {
    if (!s->is_object()) f.wrong("metrics_skipped", *s, "an object");
    for (const auto& [name, why] : s->items()) r.metrics_skipped[name] = f.as_text("metrics_skipped." + name, why);
  }
  r.source = f.optional_text("source");
  r.error = f.nullable_text("error");
  r.doc_key = f.optional_text("doc_key");
  r.category = f.optional_text("category");
  r.base_model = f.optional_text("base_model");
  if (const json* k = f.find("kld_state")) {
    r.kld_state = KldAccumulator::from_json(*k);
    if (!r.kld_state) throw InputError(where, "\"kld_state\" is not the KLD state qualm writes", kFix);
  }
  if (const json* t = f.find("tokens")) r.tokens = f.array_of("tokens", *t, &Fields::as_integer);
  if (const json* t = f.find("token_logprobs")) r.token_logprobs = f.array_of("token_logprobs", *t, &Fields::as_number);
  if (const json* c = f.find("chat")) {
    if (!c->is_object()) f.wrong("chat", *c, "an object");
    r.chat = ChatSettings::from_json(*c);
  }
  if (const json* m = f.find("messages")) {
    if (!m->is_array()) f.wrong("messages", *m, "a list");
    r.messages.emplace();
    for (const json& message : *m) {
      if (!message.is_object()) f.wrong("messages", message, "{role, content} objects");
      r.messages->push_back({f.as_text("messages.role", message.value("role", json())),
                             f.as_text("messages.content", message.value("content", json()))});
    }
  }
  r.engine = f.optional_text("engine");
  r.endpoint = f.optional_text("endpoint");
  return r;
}

}  // namespace qualm
