// defaults:, tasks: and skip:, the settings of each cell and the cells left out.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "config/bounds.h"
#include "config/experiment_sections.h"
#include "core/did_you_mean.h"

namespace qualm {
namespace {

std::vector<std::string> with_chat_keys(std::vector<std::string> keys) {
  keys.insert(keys.end(), kChatKeys.begin(), kChatKeys.end());
  return keys;
}

const std::vector<std::string> kDefaultsKeys =
    with_chat_keys({"temperature", "max_new_tokens", "seed", "warmup", "repetitions"});
const std::vector<std::string> kTaskKeys =
    with_chat_keys({"name", "limit", "num_fewshot", "temperature", "max_new_tokens", "repetitions"});

// The chat keys (config/chat_settings.h) of a defaults: or task mapping.
void read_chat_keys(const YAML::Node& node, const std::string& prefix, ExperimentReader& r, ChatOverrides& c) {
  for (const std::string& key : kChatKeys) {
    if (!node[key]) continue;
    if (key == "apply_chat_template") c.apply_chat_template = r.boolean(node[key], prefix + key);
    else if (key == "fewshot_as_multiturn") c.fewshot_as_multiturn = r.boolean(node[key], prefix + key);
    else if (key == "system_prompt") c.system_prompt = r.text(node[key], prefix + key);
    else if (key == "gen_prefix") c.gen_prefix = r.text(node[key], prefix + key);
    else if (const auto name = r.text(node[key], prefix + key)) {
      c.mc_mode = parse_mc_mode(*name);
      if (!c.mc_mode) r.add(node[key], prefix + key + ": unknown value '" + *name + "'", "use loglikelihood or generate");
    }
  }
}

const std::vector<std::string> kSkipKeys = {"model", "variant", "backend", "task", "why"};

// A skip rule's name must be one the file defines, else it would silently skip nothing.
void check_named(const YAML::Node& node, const std::string& name, const std::vector<std::string>& known,
                 const std::string& what, ExperimentReader& r) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  const auto close = closest_match(name, known);
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  r.add(node, "skip names " + what + " '" + name + "', which this experiment does not define",
        close ? "did you mean '" + *close + "'?" : "the " + what + "s are: " + list);
}

}  // namespace

void read_defaults(const YAML::Node& node, ExperimentReader& r, RunDefaults& d) {
  if (!r.is_map(node, "defaults", "defaults: {temperature: 0.0, max_new_tokens: 256}")) return;
  r.check_keys(node, kDefaultsKeys, "defaults");
  if (node["temperature"]) {
    if (auto v = r.number(node["temperature"], "defaults.temperature", 0, bounds::kTemperatureMax)) d.temperature = *v;
  }
  if (node["max_new_tokens"]) {
    if (auto v = r.integer(node["max_new_tokens"], "defaults.max_new_tokens", bounds::kMaxNewTokens.min, bounds::kMaxNewTokens.max)) d.max_new_tokens = as_int(*v);
  }
  if (node["seed"]) {
    if (auto v = r.integer(node["seed"], "defaults.seed", 0, kNoMax)) d.seed = static_cast<uint64_t>(*v);
  }
  if (node["warmup"]) {
    if (auto v = r.integer(node["warmup"], "defaults.warmup", bounds::kWarmup.min, bounds::kWarmup.max)) d.warmup = as_int(*v);
  }
  if (node["repetitions"]) {
    if (auto v = r.integer(node["repetitions"], "defaults.repetitions", bounds::kRepetitions.min, bounds::kRepetitions.max)) d.repetitions = as_int(*v);
  }
  read_chat_keys(node, "defaults.", r, d.chat);
  d.chat_where = r.where(node);
}

void read_tasks(const YAML::Node& node, ExperimentReader& r, Experiment& e) {
  if (!r.is_list(node, "tasks", "tasks: [summarization, {name: mmlu, limit: 5}]")) return;
  if (node.size() == 0) r.add(node, "tasks: is empty", "list at least one task");
  std::vector<std::string> names;
  for (const auto& item : node) {
    TaskEntry t;
    t.where = r.where(item);
    if (item.IsScalar()) {
      if (const auto name = r.text(item, "task")) t.name = *name;
    } else if (item.IsMap()) {
      r.check_keys(item, kTaskKeys, "a task");
      if (!item["name"]) r.add(item, "a task mapping needs a name", "write {name: mmlu, limit: 5}");
      else if (const auto name = r.text(item["name"], "task name")) t.name = *name;
      if (item["limit"]) {
        if (const auto v = r.integer(item["limit"], "limit", bounds::kLimit.min, bounds::kLimit.max)) t.limit = as_int(*v);
      }
      if (item["num_fewshot"]) {
        if (const auto v = r.integer(item["num_fewshot"], "num_fewshot", bounds::kNumFewshot.min, bounds::kNumFewshot.max)) t.num_fewshot = as_int(*v);
      }
      if (item["temperature"]) t.temperature = r.number(item["temperature"], "temperature", 0, bounds::kTemperatureMax);
      if (item["max_new_tokens"]) {
        if (const auto v = r.integer(item["max_new_tokens"], "max_new_tokens", bounds::kMaxNewTokens.min, bounds::kMaxNewTokens.max)) t.max_new_tokens = as_int(*v);
      }
      if (item["repetitions"]) {
        if (const auto v = r.integer(item["repetitions"], "repetitions", bounds::kRepetitions.min, bounds::kRepetitions.max)) t.repetitions = as_int(*v);
      }
      read_chat_keys(item, "", r, t.chat);
    } else {
      r.add(item, "a task is a name or a mapping", "write summarization or {name: mmlu, limit: 5}");
      continue;
    }
    if (t.name.empty()) continue;
    check_name(t.name, names, item, "task", r, 4096);
    e.tasks.push_back(t);
  }
}

void read_skip(const YAML::Node& node, ExperimentReader& r, Experiment& e) {
  if (!r.is_list(node, "skip", "skip: [{backend: cpu-fa, why: \"...\"}]")) return;
  std::vector<std::string> models, backends;
  for (const auto& m : e.models) models.push_back(m.name);
  for (const auto& b : e.backends) backends.push_back(b.name);
  for (const auto& item : node) {
    if (!r.is_map(item, "skip", "- {model: m, backend: b, why: \"...\"}")) continue;
    r.check_keys(item, kSkipKeys, "a skip rule");
    SkipRule s;
    s.where = r.where(item);
    if (item["model"]) s.model = r.text(item["model"], "skip.model");
    if (item["variant"]) s.variant = r.text(item["variant"], "skip.variant");
    if (item["backend"]) s.backend = r.text(item["backend"], "skip.backend");
    if (item["task"]) s.task = r.text(item["task"], "skip.task");
    if (!item["why"]) r.add(item, "a skip rule needs why:", "say why the cells are skipped: why: \"...\"");
    else if (const auto why = r.text(item["why"], "skip.why")) s.why = *why;
    if (!item["model"] && !item["variant"] && !item["backend"] && !item["task"]) {
      r.add(item, "a skip rule must name a model, variant, backend or task", "it would skip every cell");
    }
    if (s.model) check_named(item["model"], *s.model, models, "model", r);
    if (s.backend) check_named(item["backend"], *s.backend, backends, "backend", r);
    if (s.variant) {
      std::vector<std::string> variants;
      for (const auto& m : e.models) {
        if (s.model && m.name != *s.model) continue;
        for (const auto& v : m.variants) {
          if (std::find(variants.begin(), variants.end(), v.name) == variants.end()) variants.push_back(v.name);
        }
      }
      check_named(item["variant"], *s.variant, variants, "variant", r);
    }
    e.skip.push_back(s);
  }
}

}  // namespace qualm
