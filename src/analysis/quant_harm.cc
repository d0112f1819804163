#include "analysis/quant_harm.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "analysis/kld_summary.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;


std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

// The task of `kind` to use: `preferred` when the run has it, else the first in the records
// (with want_category, the first whose records carry a category, if any does).
std::string pick_task(const RunData& run, TaskKind kind, const std::string& preferred, bool want_category) {
  std::string first, first_with_category;
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != kind) continue;
    const std::string& name = r->task_name;
    if (name == preferred) return name;
    if (first.empty()) first = name;
    if (first_with_category.empty() && r->category) first_with_category = name;
  }
  return want_category && !first_with_category.empty() ? first_with_category : first;
}

// What the manifest says about a variant's file.
struct FileFacts {
  json size_bytes;  // null when unknown
  json quant_type;  // the requested type of a derived variant; null for a file used as given
  json tensor_types = json::object();
  json fallbacks = json::array();  // [{wanted, used, tensors}]
};

json fallback_counts(const json& fallbacks) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const json& f : fallbacks) ++counts[{f.value("wanted", ""), f.value("used", "")}];
  json out = json::array();
  for (const auto& [types, n] : counts) out.push_back({{"wanted", types.first}, {"used", types.second}, {"tensors", n}});
  return out;
}

// (model, variant) -> facts, and each model's variants in the experiment's order.
void read_manifest_models(const json& manifest, std::map<std::pair<std::string, std::string>, FileFacts>& facts,
                          std::map<std::string, std::vector<std::string>>& order) {
  for (const json& m : manifest.value("models", json::array())) {
    const std::string model = m.value("name", ""), variant = m.value("variant", "");
    order[model].push_back(variant);
    FileFacts f;
    const json gguf = m.value("gguf", json::object());
    const json quant = m.value("quantization", json());
    if (m.contains("size_bytes")) f.size_bytes = m["size_bytes"];
    else if (gguf.contains("file_bytes")) f.size_bytes = gguf["file_bytes"];
    else if (quant.is_object() && quant.contains("output_bytes")) f.size_bytes = quant["output_bytes"];
    if (gguf.contains("tensor_types")) f.tensor_types = gguf["tensor_types"];
    else if (quant.is_object() && quant.contains("tensor_types")) f.tensor_types = quant["tensor_types"];
    if (quant.is_object()) {
      f.quant_type = quant.value("type", json());
      f.fallbacks = fallback_counts(quant.value("fallbacks", json::array()));
    }
    facts[{model, variant}] = f;
  }
}

struct PplSums {
  int64_t docs = 0;
  double ll = 0, tokens = 0, words = 0;
};

struct GenSums {
  int64_t n = 0, completed = 0, non_degenerate = 0, with_repetition = 0, timed = 0;
  double ms = 0, speed_ms = 0, tokens = 0;

  void add(const SampleRecord& r, double min_repetition) {
    ++n;
    if (!r.ok()) return;
    const bool non_empty = r.candidate && std::any_of(r.candidate->begin(), r.candidate->end(),
                                                      [](unsigned char ch) { return !std::isspace(ch); });
    completed += non_empty ? 1 : 0;
    if (r.metrics.count("repetition")) {  // scored; null: too short for a 4-gram to repeat, so no loop
      ++with_repetition;
      const auto rep = r.metric("repetition");
      non_degenerate += non_empty && (!rep || *rep >= min_repetition) ? 1 : 0;
    }
    if (r.gen_time_ms) {
      ++timed;
      ms += *r.gen_time_ms;
    }
    if (r.gen_time_ms && r.output_tokens) {
      speed_ms += *r.gen_time_ms;  // a server that reported no count has no speed
      tokens += static_cast<double>(*r.output_tokens);
    }
  }
  json rates() const {
    if (n == 0) return nullptr;
    return {{"n", n},
            {"completed_rate", double(completed) / double(n)},
            {"non_degenerate_rate", with_repetition > 0 ? json(double(non_degenerate) / double(n)) : json()},
            {"mean_time_s", timed > 0 ? json(ms / double(timed) / 1000) : json()},
            {"tokens_per_s", speed_ms > 0 ? json(tokens / (speed_ms / 1000)) : json()}};
  }
};

// Everything measured for one (model, variant, backend).
struct LabelFacts {
  PplSums ppl;
  GenSums gen;
  std::vector<std::string> gen_order;
  std::map<std::string, GenSums> gen_categories;
  const json* kld = nullptr;  // its kld_summary row
};

json ppl_json(const PplSums& p) {
  if (p.docs == 0 || p.tokens <= 0) return nullptr;
  return {{"n_docs", p.docs},
          {"n_tokens", p.tokens},
          {"token_perplexity", finite_or_null(std::exp(-p.ll / p.tokens))},
          {"word_perplexity", p.words > 0 ? finite_or_null(std::exp(-p.ll / p.words)) : json()}};
}

json threshold(const std::string& name, const ConfigKey& l, const json& figure, double limit, const std::string& op) {
  const json& value = figure["value"];
  json t = {{"name", name}, {"model", l.model}, {"backend", l.backend}, {"variant", l.variant},
            {"value", value}, {"limit", limit}, {"op", op}, {"status", "MISSING"}, {"by", nullptr},
            {"detail", figure["detail"]}};
  if (!value.is_number()) return t;
  const double v = value.get<double>();
  const double by = op == "<=" ? limit - v : op == ">=" ? v - limit : limit - std::fabs(v);  // "|x| <="
  t["status"] = by >= 0 ? "PASS" : "FAIL";
  t["by"] = by;
  return t;
}

// The category with the highest mean KLD: {category, kld_mean}; without categories, the mean
// over all tokens with category null.
json worst_category(const json& v) {
  json worst = {{"category", nullptr}, {"kld_mean", nullptr}};
  for (const json& c : v["categories"]) {
    if (c["kld_mean"].is_number() &&
        (worst["kld_mean"].is_null() || c["kld_mean"].get<double>() > worst["kld_mean"].get<double>())) {
      worst = {{"category", c["category"]}, {"kld_mean", c["kld_mean"]}};
    }
  }
  if (worst["kld_mean"].is_null() && v["kld"].is_object()) worst["kld_mean"] = v["kld"]["kld_mean"];
  return worst;
}

// The category rows of a variant: the kld row's categories in order, then any that only
// generation has.
json category_rows(const LabelFacts& f, const std::set<std::string>& most_harmed) {
  json rows = json::array();
  std::set<std::string> seen;
  auto gen_fields = [&](json& row, const std::string& category) {
    const auto g = f.gen_categories.find(category);
    const json rates = g == f.gen_categories.end() ? json() : g->second.rates();
    for (const char* key : {"n", "completed_rate", "non_degenerate_rate", "mean_time_s"}) {
      row[key] = rates.is_object() ? rates[key] : json();
    }
  };
  if (f.kld) {
    for (const json& c : f.kld->value("categories", json::array())) {
      const std::string name = c.value("category", "");
      json row = {{"category", name},         {"kld_mean", c.value("kld_mean", json())},
                  {"same_top", c.value("same_top", json())}, {"n_tokens", c.value("n_tokens", json())},
                  {"flagged", c.value("flagged", false)},    {"most_harmed", most_harmed.count(name) > 0}};
      gen_fields(row, name);
      rows.push_back(row);
      seen.insert(name);
    }
  }
  for (const std::string& name : f.gen_order) {
    if (seen.count(name)) continue;
    json row = {{"category", name}, {"kld_mean", nullptr}, {"same_top", nullptr}, {"n_tokens", nullptr},
                {"flagged", false}, {"most_harmed", false}};
    gen_fields(row, name);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

json harm_figure(const json& m, const json& v, const std::string& name) {
  const std::string base = m.value("base_variant", "");
  auto field = [](const json& object, const char* key) { return object.is_object() ? object.value(key, json()) : json(); };
  json task, value, n;
  std::string detail;
  if (name == "ppl" || name == "ppl_delta_pct" || name == "abs_ppl_delta_pct") {
    task = m["ppl_task"];
    n = field(v["ppl"], "n_tokens");
    value = name == "ppl" ? field(v["ppl"], "token_perplexity") : v["ppl_delta_pct"];
    if (name == "abs_ppl_delta_pct" && value.is_number()) value = std::fabs(value.get<double>());
    detail = task.is_null() ? "no loglikelihood_rolling task (add wikitext)"
             : !value.is_number() ? "no perplexity records on " + task.get<std::string>()
             : "token perplexity on " + task.get<std::string>() + (name == "ppl" ? "" : " against " + base);
  } else if (name == "kld_mean" || name == "same_top" || name == "max_category_kld") {
    task = m["kld_task"];
    n = field(v["kld"], "n_tokens");
    value = name == "max_category_kld" ? field(v["max_category_kld"], "kld_mean") : field(v["kld"], name.c_str());
    const json category = field(v["max_category_kld"], "category");
    detail = task.is_null() ? "no kld task (add prompt_suite_96_continuation_kld)"
             : !value.is_number() ? "no kld records on " + task.get<std::string>()
             : name == "same_top" ? "top-1 agreement with " + base + " on " + task.get<std::string>()
             : name == "kld_mean" ? "mean KLD per token from " + base + " on " + task.get<std::string>()
             : category.is_string() ? "worst category: " + category.get<std::string>()
                                    : "no categories: the mean over all tokens";
  } else if (name == "compression_ratio") {
    value = v["compression_ratio"];
    detail = value.is_number() ? "size of " + base + " / size of this file" : "file sizes not in the manifest";
  } else if (name == "speed_ratio" || name == "completed_rate" || name == "non_degenerate_rate") {
    task = m["generation_task"];
    n = field(v["generation"], "n");
    value = name == "speed_ratio" ? v["speed_ratio"] : field(v["generation"], name.c_str());
    detail = task.is_null() ? "no generate task (add prompt_suite_96)"
             : !value.is_number() ? "no " + name + " on " + task.get<std::string>()
             : name == "speed_ratio" ? "generated tokens per second against " + base
                                     : name + " on " + task.get<std::string>();
  } else {
    throw std::invalid_argument("harm_figure: unknown figure " + name);
  }
  return {{"value", finite_or_null(value.is_number() ? value.get<double>() : NAN)}, {"task", task}, {"n", n},
          {"detail", detail}};
}

json quantization_harm(const RunData& run) {
  const HarmThresholds& limits = run.harm;
  const std::string ppl_task = pick_task(run, TaskKind::kRolling, "wikitext", false);
  const std::string kld_task = pick_task(run, TaskKind::kKld, "prompt_suite_96_continuation_kld", true);
  const std::string gen_task = pick_task(run, TaskKind::kGenerate, "prompt_suite_96", true);

  std::map<ConfigKey, LabelFacts> facts;
  for (const SampleRecord& r : run.records) {  // error records count against the generation rates
    if (gen_task.empty() || r.task_name != gen_task) continue;
    LabelFacts& f = facts[r.config];
    f.gen.add(r, limits.non_degenerate_repetition);
    if (!r.category) continue;
    const std::string& category = *r.category;
    if (!f.gen_categories.count(category)) f.gen_order.push_back(category);
    f.gen_categories[category].add(r, limits.non_degenerate_repetition);
  }
  for (const SampleRecord* r : run.ok_records()) {
    if (ppl_task.empty() || r->task_name != ppl_task) continue;
    PplSums& p = facts[r->config].ppl;
    const auto ll = r->metric("loglikelihood"), n = r->metric("n_tokens");
    if (!ll || !n) continue;
    ++p.docs;
    p.ll += *ll;
    p.tokens += *n;
    p.words += r->metric("words").value_or(0);
  }
  const json kld = kld_summary(run);  // flags categories over run.harm.max_category_kld
  for (const json& row : kld["rows"]) {
    if (row.value("task_name", "") != kld_task) continue;
    facts[{row.value("model", ""), row.value("variant", ""), row.value("backend", "")}].kld = &row;
  }

  std::map<std::pair<std::string, std::string>, FileFacts> files;
  std::map<std::string, std::vector<std::string>> variant_order;
  read_manifest_models(run.manifest, files, variant_order);
  for (const ConfigKey& l : run.labels()) {  // variants the manifest lacks: in the order the runner wrote them
    auto& order = variant_order[l.model];
    if (std::find(order.begin(), order.end(), l.variant) == order.end()) order.push_back(l.variant);
  }

  // (model, backend) groups; variants in the experiment's order, the first being the base.
  std::vector<std::pair<std::string, std::string>> groups;
  std::map<std::pair<std::string, std::string>, std::vector<ConfigKey>> members;
  for (const auto& [label, f] : facts) {
    const std::pair<std::string, std::string> key{label.model, label.backend};
    if (!members.count(key)) groups.push_back(key);
    members[key].push_back(label);
  }
  auto rank = [&](const ConfigKey& l) {
    const auto& order = variant_order[l.model];
    return std::find(order.begin(), order.end(), l.variant) - order.begin();
  };

  json models = json::array(), thresholds = json::array();
  for (const auto& key : groups) {
    std::vector<ConfigKey>& labels = members[key];
    std::stable_sort(labels.begin(), labels.end(), [&](const ConfigKey& a, const ConfigKey& b) {
      return std::make_pair(rank(a), a.variant) < std::make_pair(rank(b), b.variant);
    });
    const ConfigKey& base = labels.front();
    const LabelFacts& bf = facts[base];
    const json base_ppl = ppl_json(bf.ppl);
    const FileFacts base_file = files[{base.model, base.variant}];
    const json base_speed = bf.gen.rates().is_object() ? bf.gen.rates()["tokens_per_s"] : json();
    json variants = json::array();
    for (const ConfigKey& l : labels) {
      const LabelFacts& f = facts[l];
      const FileFacts& file = files[{l.model, l.variant}];
      const bool is_base = l == base;
      json v = {{"variant", l.variant}, {"is_base", is_base}, {"quant_type", file.quant_type},
                {"size_bytes", file.size_bytes}, {"tensor_types", file.tensor_types}, {"fallbacks", file.fallbacks}};
      v["compression_ratio"] = file.size_bytes.is_number() && base_file.size_bytes.is_number()
                                   ? finite_or_null(base_file.size_bytes.get<double>() / file.size_bytes.get<double>())
                                   : json();
      v["ppl"] = ppl_json(f.ppl);
      v["ppl_delta_pct"] = v["ppl"].is_object() && base_ppl.is_object()
                               ? finite_or_null(100 * (v["ppl"]["token_perplexity"].get<double>() /
                                                base_ppl["token_perplexity"].get<double>() - 1))
                               : json();
      std::set<std::string> harmed;
      json most_harmed = json::array();
      if (f.kld) {
        v["kld"] = {{"n_docs", (*f.kld)["n_docs"]}, {"n_tokens", (*f.kld)["n_tokens"]},
                    {"kld_mean", (*f.kld)["kld_mean"]}, {"kld_stderr", (*f.kld)["kld_stderr"]},
                    {"same_top", (*f.kld)["same_top"]}};
        if (!is_base) most_harmed = f.kld->value("most_harmed", json::array());  // the base against itself: 0
        for (const json& c : most_harmed) harmed.insert(c.get<std::string>());
      } else {
        v["kld"] = nullptr;
      }
      v["most_harmed"] = most_harmed;
      v["generation"] = f.gen.rates();
      const json speed = v["generation"].is_object() ? v["generation"]["tokens_per_s"] : json();
      v["speed_ratio"] = speed.is_number() && base_speed.is_number() && base_speed.get<double>() > 0
                             ? finite_or_null(speed.get<double>() / base_speed.get<double>())
                             : json();
      v["categories"] = category_rows(f, harmed);
      v["max_category_kld"] = worst_category(v);
      variants.push_back(v);
    }
    json model = {{"model", key.first},
                  {"backend", key.second},
                  {"base_variant", base.variant},
                  {"ppl_task", ppl_task.empty() ? json() : json(ppl_task)},
                  {"kld_task", kld_task.empty() ? json() : json(kld_task)},
                  {"generation_task", gen_task.empty() ? json() : json(gen_task)},
                  {"speed_basis", gen_task.empty() ? "none: no generate task (records time only generation)"
                                                   : "generated tokens per second per sequence on " + gen_task +
                                                         " (sum output_tokens / sum gen_time_ms)"},
                  {"variants", variants}};
    for (const json& v : variants) {
      if (v["is_base"].get<bool>()) continue;
      const ConfigKey l{key.first, v["variant"].get<std::string>(), key.second};
      thresholds.push_back(threshold("ppl_delta_pct", l, harm_figure(model, v, "ppl_delta_pct"),
                                     limits.max_ppl_delta_pct, "|x| <="));
      thresholds.push_back(threshold("max_category_kld", l, harm_figure(model, v, "max_category_kld"),
                                     limits.max_category_kld, "<="));
      thresholds.push_back(threshold("same_top", l, harm_figure(model, v, "same_top"), limits.min_same_top, ">="));
    }
    models.push_back(std::move(model));
  }

  const json gates = json::array({"harm.abs_ppl_delta_pct <= " + fixed(limits.max_ppl_delta_pct, 4),
                                  "harm.max_category_kld <= " + fixed(limits.max_category_kld, 4),
                                  "harm.same_top >= " + fixed(limits.min_same_top, 4)});
  return {{"limits",
           {{"max_ppl_delta_pct", limits.max_ppl_delta_pct},
            {"max_category_kld", limits.max_category_kld},
            {"min_same_top", limits.min_same_top},
            {"non_degenerate_repetition", limits.non_degenerate_repetition}}},
          {"models", models},
          {"thresholds", thresholds},
          {"gates", gates},
          {"note", models.empty() ? "no records of a wikitext, kld or generate task"
                                  : "each variant against its model's first variant on the same backend; PPL, KLD "
                                    "and top-1 agreement are token-weighted over documents; a category's KLD is "
                                    "the mean over its tokens"}};
}

}  // namespace qualm::analysis
