// summary.json's `quantization_harm`: the typed QuantizationHarm (quant_harm.h) written and read.

#include <utility>

#include "analysis/json_fields.h"
#include "analysis/quant_harm.h"  // the types this file writes and reads

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

namespace {

const Figures<HarmPpl> kPplFigures = {{"token_perplexity", &HarmPpl::token_perplexity},
                                      {"word_perplexity", &HarmPpl::word_perplexity}};
const Counts<HarmPpl> kPplCounts = {{"n_docs", &HarmPpl::n_docs}};
const Figures<HarmKld> kKldFigures = {
    {"kld_mean", &HarmKld::kld_mean}, {"kld_stderr", &HarmKld::kld_stderr}, {"same_top", &HarmKld::same_top}};
const Counts<HarmKld> kKldCounts = {{"n_docs", &HarmKld::n_docs}};
// tokens_per_s is the variant's alone: a category row leaves it out.
const Figures<HarmGeneration> kRateFigures = {{"non_degenerate_rate", &HarmGeneration::non_degenerate_rate},
                                              {"mean_time_s", &HarmGeneration::mean_time_s}};
const Counts<HarmGeneration> kRateCounts = {{"n", &HarmGeneration::n}};
const Figures<HarmCategory> kCategoryFigures = {{"kld_mean", &HarmCategory::kld_mean},
                                                {"same_top", &HarmCategory::same_top},
                                                {"n_tokens", &HarmCategory::n_tokens}};
const Figures<HarmVariant> kVariantFigures = {{"compression_ratio", &HarmVariant::compression_ratio},
                                              {"ppl_delta_pct", &HarmVariant::ppl_delta_pct},
                                              {"speed_ratio", &HarmVariant::speed_ratio}};
const Figures<HarmThreshold> kThresholdFigures = {{"value", &HarmThreshold::value}, {"by", &HarmThreshold::by}};

// A variant's ppl or kld figures (HarmPpl, HarmKld): null when unset; n_tokens a JSON float.
template <class T>
json pooled_json(const std::optional<T>& x, Figures<T> figures, Counts<T> counts) {
  if (!x) return nullptr;
  json out = {{"n_tokens", x->n_tokens}};
  write(out, *x, figures, counts);
  return out;
}

template <class T>
std::optional<T> pooled_of(const json& j, Figures<T> figures, Counts<T> counts) {
  if (!j.is_object()) return std::nullopt;
  T x;
  x.n_tokens = number(j, "n_tokens", 0);
  read(j, x, figures, counts);
  return x;
}

// The rates into `out` (a generation object, or a category row with every rate null when unset).
void write_rates(json& out, const std::optional<HarmGeneration>& g) {
  if (!g) {
    for (const char* key : {"n", "completed_rate", "non_degenerate_rate", "mean_time_s"}) out[key] = nullptr;
    return;
  }
  out["completed_rate"] = g->completed_rate;
  write(out, *g, kRateFigures, kRateCounts);
}

std::optional<HarmGeneration> rates_of(const json& j) {
  if (!j.is_object() || !member(j, "n").is_number()) return std::nullopt;
  HarmGeneration g;
  g.completed_rate = number(j, "completed_rate", 0);
  g.tokens_per_s = maybe_number(j, "tokens_per_s");
  read(j, g, kRateFigures, kRateCounts);
  return g;
}

json generation_json(const std::optional<HarmGeneration>& g) {
  if (!g) return nullptr;
  json out = json::object();
  write_rates(out, g);
  out["tokens_per_s"] = or_null(g->tokens_per_s);
  return out;
}

json category_json(const HarmCategory& c) {
  json out = {{"category", c.category}, {"flagged", c.flagged}, {"most_harmed", c.most_harmed}};
  write(out, c, kCategoryFigures, {});
  write_rates(out, c.generation);
  return out;
}

HarmCategory category_of(const json& j) {
  HarmCategory c;
  c.category = text(j, "category");
  c.flagged = flag(j, "flagged", false);
  c.most_harmed = flag(j, "most_harmed", false);
  read(j, c, kCategoryFigures, {});
  c.generation = rates_of(j);
  return c;
}

json variant_json(const HarmVariant& v) {
  json out = {
      {"variant", v.variant},
      {"is_base", v.is_base},
      {"quant_type", or_null(v.quant_type)},
      {"size_bytes", or_null(v.size_bytes)},
      {"tensor_types", json::object()},
      {"fallbacks", json::array()},
      {"ppl", pooled_json(v.ppl, kPplFigures, kPplCounts)},
      {"kld", pooled_json(v.kld, kKldFigures, kKldCounts)},
      {"most_harmed", v.most_harmed},
      {"generation", generation_json(v.generation)},
      {"categories", json::array()},
      {"max_category_kld",
       {{"category", or_null(v.max_category_kld.category)}, {"kld_mean", or_null(v.max_category_kld.kld_mean)}}}};
  for (const auto& [type, n] : v.tensor_types) out["tensor_types"][type] = n;
  for (const HarmFallback& f : v.fallbacks) {
    out["fallbacks"].push_back({{"wanted", f.wanted}, {"used", f.used}, {"tensors", f.tensors}});
  }
  for (const HarmCategory& c : v.categories) out["categories"].push_back(category_json(c));
  write(out, v, kVariantFigures, {});
  return out;
}

HarmVariant variant_of(const json& j) {
  HarmVariant v;
  v.variant = text(j, "variant");
  v.is_base = flag(j, "is_base", false);
  v.quant_type = maybe_text(j, "quant_type");
  if (member(j, "size_bytes").is_number_integer()) v.size_bytes = count(j, "size_bytes");
  const json& types = member(j, "tensor_types");
  if (types.is_object()) {
    for (const auto& [type, n] : types.items()) {
      if (n.is_number_integer()) v.tensor_types[type] = n.get<int64_t>();
    }
  }
  for (const json& f : items(j, "fallbacks"))
    v.fallbacks.push_back({text(f, "wanted"), text(f, "used"), count(f, "tensors")});
  v.ppl = pooled_of(member(j, "ppl"), kPplFigures, kPplCounts);
  v.kld = pooled_of(member(j, "kld"), kKldFigures, kKldCounts);
  v.most_harmed = texts(j, "most_harmed");
  v.generation = rates_of(member(j, "generation"));
  for (const json& c : items(j, "categories")) v.categories.push_back(category_of(c));
  const json& worst = member(j, "max_category_kld");
  v.max_category_kld = {maybe_text(worst, "category"), maybe_number(worst, "kld_mean")};
  read(j, v, kVariantFigures, {});
  return v;
}

json model_json(const HarmModel& m) {
  json out = {{"model", m.model},
              {"backend", m.backend},
              {"base_variant", m.base_variant},
              {"ppl_task", or_null(m.ppl_task)},
              {"kld_task", or_null(m.kld_task)},
              {"generation_task", or_null(m.generation_task)},
              {"speed_basis", m.speed_basis},
              {"variants", json::array()}};
  for (const HarmVariant& v : m.variants) out["variants"].push_back(variant_json(v));
  return out;
}

HarmModel model_of(const json& j) {
  HarmModel m{text(j, "model"),          text(j, "backend"),
              text(j, "base_variant"),   maybe_text(j, "ppl_task"),
              maybe_text(j, "kld_task"), maybe_text(j, "generation_task"),
              text(j, "speed_basis"),    {}};
  for (const json& v : items(j, "variants")) m.variants.push_back(variant_of(v));
  return m;
}

json threshold_json(const HarmThreshold& t) {
  json out = config_json(t.config);
  out.update({{"name", t.name}, {"limit", t.limit}, {"op", t.op}, {"status", t.status}, {"detail", t.detail}});
  write(out, t, kThresholdFigures, {});
  return out;
}

HarmThreshold threshold_of(const json& j) {
  HarmThreshold t;
  t.name = text(j, "name");
  t.config = config_of(j);
  t.limit = number(j, "limit", 0);
  t.op = text(j, "op");
  t.status = text(j, "status");
  t.detail = text(j, "detail");
  read(j, t, kThresholdFigures, {});
  return t;
}

}  // namespace

void to_json(json& j, const QuantizationHarm& h) {
  j = {{"limits",
        {{"max_ppl_delta_pct", h.limits.max_ppl_delta_pct},
         {"max_category_kld", h.limits.max_category_kld},
         {"min_same_top", h.limits.min_same_top},
         {"non_degenerate_repetition", h.limits.non_degenerate_repetition}}},
       {"models", json::array()},
       {"thresholds", json::array()},
       {"gates", harm_gates(h.limits)},
       {"note", harm_note(h)}};
  for (const HarmModel& m : h.models) j["models"].push_back(model_json(m));
  for (const HarmThreshold& t : h.thresholds) j["thresholds"].push_back(threshold_json(t));
}

void from_json(const json& j, QuantizationHarm& h) {
  h = {};
  const json& limits = member(j, "limits");
  const HarmThresholds defaults;
  h.limits = {number(limits, "max_ppl_delta_pct", defaults.max_ppl_delta_pct),
              number(limits, "max_category_kld", defaults.max_category_kld),
              number(limits, "min_same_top", defaults.min_same_top),
              number(limits, "non_degenerate_repetition", defaults.non_degenerate_repetition)};
  for (const json& m : items(j, "models")) h.models.push_back(model_of(m));
  for (const json& t : items(j, "thresholds")) h.thresholds.push_back(threshold_of(t));
}

}  // namespace qualm::analysis
