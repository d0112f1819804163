// summary.json's `kld`: the typed KldSummary (kld_summary.h) written and read.

#include <utility>

#include "analysis/json_fields.h"
#include "analysis/kld_summary.h"  // the types this file writes and reads

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

namespace {

const Figures<KldRow> kRowFigures = {{"kld_mean", &KldRow::kld_mean},
                                     {"kld_stderr", &KldRow::kld_stderr},
                                     {"same_top", &KldRow::same_top},
                                     {"ppl_ratio", &KldRow::ppl_ratio},
                                     {"ppl_delta_pct", &KldRow::ppl_delta_pct}};
const Counts<KldRow> kRowCounts = {{"n_docs", &KldRow::n_docs}};
const Figures<KldPercentiles> kPercentileFigures = {{"p50", &KldPercentiles::p50},
                                                    {"p90", &KldPercentiles::p90},
                                                    {"p95", &KldPercentiles::p95},
                                                    {"p99", &KldPercentiles::p99},
                                                    {"max", &KldPercentiles::max}};
const Figures<KldCategory> kCategoryFigures = {{"kld_mean", &KldCategory::kld_mean},
                                               {"same_top", &KldCategory::same_top}};
const Counts<KldCategory> kCategoryCounts = {{"n_docs", &KldCategory::n_docs}};
// The thresholds are always numbers (HarmThresholds' defaults where missing); non_degenerate_repetition is not
// written.
const std::initializer_list<std::pair<const char*, double HarmThresholds::*>> kThresholds = {
    {"max_category_kld", &HarmThresholds::max_category_kld},
    {"max_ppl_delta_pct", &HarmThresholds::max_ppl_delta_pct},
    {"min_same_top", &HarmThresholds::min_same_top}};

json category_json(const KldCategory& c) {
  json out = {{"category", c.category}, {"n_tokens", c.n_tokens}, {"flagged", c.flagged}};
  write(out, c, kCategoryFigures, kCategoryCounts);
  return out;
}

json row_json(const KldRow& r) {
  json out = config_json(r.config), percentiles = json::object(), categories = json::array();
  write(out, r, kRowFigures, kRowCounts);
  write(percentiles, r.percentiles, kPercentileFigures, {});
  for (const KldCategory& c : r.categories) categories.push_back(category_json(c));
  out["task_name"] = r.task_name;
  out["base_model"] = r.base_model;
  out["n_tokens"] = r.n_tokens;
  out["percentiles"] = std::move(percentiles);
  out["percentiles_note"] = kKldPercentilesNote;
  out["categories"] = std::move(categories);
  out["most_harmed"] = r.most_harmed;
  out["flagged"] = r.flagged;
  out["checks"] = {
      {"ppl_delta", r.checks.ppl_delta}, {"same_top", r.checks.same_top}, {"categories", r.checks.categories}};
  return out;
}

// ---- Reading: any member may be missing or of another type (json_fields.h).

KldCategory category_of(const json& j) {
  KldCategory c{text(j, "category"), 0, number(j, "n_tokens", 0), {}, {}, flag(j, "flagged", false)};
  read(j, c, kCategoryFigures, kCategoryCounts);
  return c;
}

KldRow row_of(const json& j) {
  KldRow r;
  r.config = config_of(j);
  r.task_name = text(j, "task_name");
  r.base_model = text(j, "base_model");
  r.n_tokens = number(j, "n_tokens", 0);
  read(j, r, kRowFigures, kRowCounts);
  read(member(j, "percentiles"), r.percentiles, kPercentileFigures, {});
  for (const json& c : items(j, "categories")) r.categories.push_back(category_of(c));
  r.most_harmed = texts(j, "most_harmed");
  r.flagged = texts(j, "flagged");
  const json& checks = member(j, "checks");
  r.checks = {flag(checks, "ppl_delta", false), flag(checks, "same_top", false), flag(checks, "categories", false)};
  return r;
}

}  // namespace

void to_json(json& j, const KldSummary& s) {
  json thresholds = json::object(), rows = json::array();
  for (const auto& [key, field] : kThresholds) thresholds[key] = s.thresholds.*field;
  for (const KldRow& r : s.rows) rows.push_back(row_json(r));
  j = {{"threshold", s.thresholds.max_category_kld},
       {"thresholds", std::move(thresholds)},
       {"rows", std::move(rows)},
       {"note", kld_note(s)}};
}

void from_json(const json& j, KldSummary& s) {
  s = {};
  const json& thresholds = member(j, "thresholds");
  s.thresholds.max_category_kld = number(j, "threshold", s.thresholds.max_category_kld);
  for (const auto& [key, field] : kThresholds) s.thresholds.*field = number(thresholds, key, s.thresholds.*field);
  for (const json& r : items(j, "rows")) s.rows.push_back(row_of(r));
}

}  // namespace qualm::analysis
