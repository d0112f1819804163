#include "analysis/quant_harm.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "analysis/json_fields.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;
using namespace json_fields;

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
  std::optional<int64_t> size_bytes;
  std::optional<std::string> quant_type;  // the requested type of a derived variant
  std::map<std::string, int64_t> tensor_types;
  std::vector<HarmFallback> fallbacks;
};

// The quantization's fallbacks counted by (wanted, used) type.
std::vector<HarmFallback> fallback_counts(const json& quantization) {
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (const json& f : items(quantization, "fallbacks")) ++counts[{text(f, "wanted"), text(f, "used")}];
  std::vector<HarmFallback> out;
  for (const auto& [types, n] : counts) out.push_back({types.first, types.second, n});
  return out;
}

std::map<std::string, int64_t> type_counts(const json& types) {
  std::map<std::string, int64_t> out;
  if (!types.is_object()) return out;
  for (const auto& [type, n] : types.items()) {
    if (n.is_number_integer()) out[type] = n.get<int64_t>();
  }
  return out;
}

// (model, variant) -> facts, and each model's variants in the experiment's order.
void read_manifest_models(const json& manifest, std::map<std::pair<std::string, std::string>, FileFacts>& facts,
                          std::map<std::string, std::vector<std::string>>& order) {
  for (const json& m : items(manifest, "models")) {
    const std::string model = text(m, "name"), variant = text(m, "variant");
    order[model].push_back(variant);
    FileFacts f;
    const json& gguf = member(m, "gguf");
    const json& quant = member(m, "quantization");
    for (const json* size : {&member(m, "size_bytes"), &member(gguf, "file_bytes"), &member(quant, "output_bytes")}) {
      if (size->is_number_integer()) {
        f.size_bytes = size->get<int64_t>();
        break;
      }
    }
    f.tensor_types = type_counts(gguf.is_object() && gguf.contains("tensor_types") ? gguf["tensor_types"]
                                                                                   : member(quant, "tensor_types"));
    if (member(quant, "type").is_string()) f.quant_type = text(quant, "type");
    f.fallbacks = fallback_counts(quant);
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
  std::optional<HarmGeneration> rates() const {
    if (n == 0) return std::nullopt;
    HarmGeneration g;
    g.n = n;
    g.completed_rate = double(completed) / double(n);
    if (with_repetition > 0) g.non_degenerate_rate = double(non_degenerate) / double(n);
    if (timed > 0) g.mean_time_s = ms / double(timed) / 1000;
    if (speed_ms > 0) g.tokens_per_s = tokens / (speed_ms / 1000);
    return g;
  }
};

// Everything measured for one (model, variant, backend).
struct LabelFacts {
  PplSums ppl;
  GenSums gen;
  std::vector<std::string> gen_order;
  std::map<std::string, GenSums> gen_categories;
  const KldRow* kld = nullptr;
};

std::optional<HarmPpl> ppl_of(const PplSums& p) {
  if (p.docs == 0 || p.tokens <= 0) return std::nullopt;
  HarmPpl out{p.docs, p.tokens, finite_or_unset(std::exp(-p.ll / p.tokens)), std::nullopt};
  if (p.words > 0) out.word_perplexity = finite_or_unset(std::exp(-p.ll / p.words));
  return out;
}

HarmThreshold threshold(const std::string& name, const ConfigKey& l, const HarmFigure& figure, double limit,
                        const std::string& op) {
  HarmThreshold t{name, l, figure.value, std::nullopt, limit, op, "MISSING", figure.detail};
  if (!t.value) return t;
  const double v = *t.value;
  const double by = op == "<=" ? limit - v : op == ">=" ? v - limit : limit - std::fabs(v);  // "|x| <="
  t.status = by >= 0 ? "PASS" : "FAIL";
  t.by = by;
  return t;
}

// The category with the highest mean KLD; without categories, the mean over all tokens with
// the category unset.
WorstCategory worst_category(const HarmVariant& v) {
  WorstCategory worst;
  for (const HarmCategory& c : v.categories) {
    if (c.kld_mean && (!worst.kld_mean || *c.kld_mean > *worst.kld_mean)) worst = {c.category, c.kld_mean};
  }
  if (!worst.kld_mean && v.kld) worst.kld_mean = v.kld->kld_mean;
  return worst;
}

// The category rows of a variant: the kld row's categories in order, then any that only
// generation has.
std::vector<HarmCategory> category_rows(const LabelFacts& f, const std::set<std::string>& most_harmed) {
  std::vector<HarmCategory> rows;
  std::set<std::string> seen;
  auto generation = [&](const std::string& category) {
    const auto g = f.gen_categories.find(category);
    return g == f.gen_categories.end() ? std::nullopt : g->second.rates();
  };
  if (f.kld) {
    for (const KldCategory& c : f.kld->categories) {
      rows.push_back({c.category, c.kld_mean, c.same_top, c.n_tokens, c.flagged, most_harmed.count(c.category) > 0,
                      generation(c.category)});
      seen.insert(c.category);
    }
  }
  for (const std::string& name : f.gen_order) {
    if (seen.count(name)) continue;
    rows.push_back({name, std::nullopt, std::nullopt, std::nullopt, false, false, generation(name)});
  }
  return rows;
}

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

}  // namespace

std::vector<std::string> harm_gates(const HarmThresholds& limits) {
  return {"harm.abs_ppl_delta_pct <= " + fixed(limits.max_ppl_delta_pct, 4),
          "harm.max_category_kld <= " + fixed(limits.max_category_kld, 4),
          "harm.same_top >= " + fixed(limits.min_same_top, 4)};
}

std::string harm_note(const QuantizationHarm& h) {
  return h.models.empty() ? "no records of a wikitext, kld or generate task"
                          : "each variant against its model's first variant on the same backend; PPL, KLD and top-1 "
                            "agreement are token-weighted over documents; a category's KLD is the mean over its tokens";
}

HarmFigure harm_figure(const HarmModel& m, const HarmVariant& v, const std::string& name) {
  const std::string& base = m.base_variant;
  HarmFigure f;
  auto count = [](double n) { return static_cast<int64_t>(n); };
  if (name == "ppl" || name == "ppl_delta_pct" || name == "abs_ppl_delta_pct") {
    f.task = m.ppl_task;
    if (v.ppl) f.n = count(v.ppl->n_tokens);
    f.value = name == "ppl" ? (v.ppl ? v.ppl->token_perplexity : std::nullopt) : v.ppl_delta_pct;
    if (name == "abs_ppl_delta_pct" && f.value) f.value = std::fabs(*f.value);
    f.detail = !f.task    ? "no loglikelihood_rolling task (add wikitext)"
               : !f.value ? "no perplexity records on " + *f.task
                          : "token perplexity on " + *f.task + (name == "ppl" ? "" : " against " + base);
  } else if (name == "kld_mean" || name == "same_top" || name == "max_category_kld") {
    f.task = m.kld_task;
    if (v.kld) f.n = count(v.kld->n_tokens);
    f.value = name == "max_category_kld" ? v.max_category_kld.kld_mean
              : !v.kld                   ? std::nullopt
              : name == "same_top"       ? v.kld->same_top
                                         : v.kld->kld_mean;
    const std::optional<std::string>& category = v.max_category_kld.category;
    f.detail = !f.task              ? "no kld task (add prompt_suite_96_continuation_kld)"
               : !f.value           ? "no kld records on " + *f.task
               : name == "same_top" ? "top-1 agreement with " + base + " on " + *f.task
               : name == "kld_mean" ? "mean KLD per token from " + base + " on " + *f.task
               : category           ? "worst category: " + *category
                                    : "no categories: the mean over all tokens";
  } else if (name == "compression_ratio") {
    f.value = v.compression_ratio;
    f.detail = f.value ? "size of " + base + " / size of this file" : "file sizes not in the manifest";
  } else if (name == "speed_ratio" || name == "completed_rate" || name == "non_degenerate_rate") {
    f.task = m.generation_task;
    if (v.generation) f.n = v.generation->n;
    f.value = name == "speed_ratio"      ? v.speed_ratio
              : !v.generation            ? std::nullopt
              : name == "completed_rate" ? std::optional<double>(v.generation->completed_rate)
                                         : v.generation->non_degenerate_rate;
    f.detail = !f.task                 ? "no generate task (add prompt_suite_96)"
               : !f.value              ? "no " + name + " on " + *f.task
               : name == "speed_ratio" ? "generated tokens per second against " + base
                                       : name + " on " + *f.task;
  } else {
    throw std::invalid_argument("harm_figure: unknown figure " + name);
  }
  if (f.value && !std::isfinite(*f.value)) f.value.reset();
  return f;
}

QuantizationHarm quantization_harm(const RunData& run) { return quantization_harm(run, kld_summary(run)); }

QuantizationHarm quantization_harm(const RunData& run, const KldSummary& kld) {
  const HarmThresholds& limits = run.harm;
  const std::string ppl_task = pick_task(run, TaskKind::kRolling, "wikitext", false);
  const std::string kld_task = pick_task(run, TaskKind::kKld, "prompt_suite_96_continuation_kld", true);
  const std::string gen_task = pick_task(run, TaskKind::kGenerate, "prompt_suite_96", true);
  auto task_or_unset = [](const std::string& task) {
    return task.empty() ? std::nullopt : std::optional<std::string>(task);
  };

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
  for (const KldRow& row : kld.rows) {  // categories flagged over the kld summary's max_category_kld
    if (row.task_name == kld_task) facts[row.config].kld = &row;
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

  QuantizationHarm out;
  out.limits = limits;
  for (const auto& key : groups) {
    std::vector<ConfigKey>& labels = members[key];
    std::stable_sort(labels.begin(), labels.end(), [&](const ConfigKey& a, const ConfigKey& b) {
      return std::make_pair(rank(a), a.variant) < std::make_pair(rank(b), b.variant);
    });
    const ConfigKey& base = labels.front();
    const LabelFacts& bf = facts[base];
    const std::optional<HarmPpl> base_ppl = ppl_of(bf.ppl);
    const FileFacts base_file = files[{base.model, base.variant}];
    const std::optional<HarmGeneration> base_gen = bf.gen.rates();
    const double base_speed = base_gen ? base_gen->tokens_per_s.value_or(0) : 0;
    HarmModel model{key.first,
                    key.second,
                    base.variant,
                    task_or_unset(ppl_task),
                    task_or_unset(kld_task),
                    task_or_unset(gen_task),
                    gen_task.empty() ? "none: no generate task (records time only generation)"
                                     : "generated tokens per second per sequence on " + gen_task +
                                           " (sum output_tokens / sum gen_time_ms)",
                    {}};
    for (const ConfigKey& l : labels) {
      const LabelFacts& f = facts[l];
      const FileFacts& file = files[{l.model, l.variant}];
      HarmVariant v;
      v.variant = l.variant;
      v.is_base = l == base;
      v.quant_type = file.quant_type;
      v.size_bytes = file.size_bytes;
      v.tensor_types = file.tensor_types;
      v.fallbacks = file.fallbacks;
      if (file.size_bytes && base_file.size_bytes) {
        v.compression_ratio = finite_or_unset(double(*base_file.size_bytes) / double(*file.size_bytes));
      }
      v.ppl = ppl_of(f.ppl);
      if (v.ppl && base_ppl) {
        v.ppl_delta_pct = finite_or_unset(
            100 * (v.ppl->token_perplexity.value_or(NAN) / base_ppl->token_perplexity.value_or(NAN) - 1));
      }
      std::set<std::string> harmed;
      if (f.kld) {
        v.kld = HarmKld{f.kld->n_docs, f.kld->n_tokens, f.kld->kld_mean, f.kld->kld_stderr, f.kld->same_top};
        if (!v.is_base) v.most_harmed = f.kld->most_harmed;  // the base against itself: 0
        harmed.insert(v.most_harmed.begin(), v.most_harmed.end());
      }
      v.generation = f.gen.rates();
      const std::optional<double> speed = v.generation ? v.generation->tokens_per_s : std::nullopt;
      if (speed && base_speed > 0) v.speed_ratio = finite_or_unset(*speed / base_speed);
      v.categories = category_rows(f, harmed);
      v.max_category_kld = worst_category(v);
      model.variants.push_back(std::move(v));
    }
    for (const HarmVariant& v : model.variants) {
      if (v.is_base) continue;
      const ConfigKey l{key.first, v.variant, key.second};
      out.thresholds.push_back(
          threshold("ppl_delta_pct", l, harm_figure(model, v, "ppl_delta_pct"), limits.max_ppl_delta_pct, "|x| <="));
      out.thresholds.push_back(
          threshold("max_category_kld", l, harm_figure(model, v, "max_category_kld"), limits.max_category_kld, "<="));
      out.thresholds.push_back(threshold("same_top", l, harm_figure(model, v, "same_top"), limits.min_same_top, ">="));
    }
    out.models.push_back(std::move(model));
  }
  return out;
}

}  // namespace qualm::analysis
