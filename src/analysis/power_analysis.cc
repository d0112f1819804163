#include "analysis/power_analysis.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "analysis/json_fields.h"
#include "analysis/metric_info.h"
#include "stats/power.h"

namespace qualm::analysis {

using nlohmann::json;

const char* const kPowerNote =
    "two-sided two-sample t-test between two configurations; sd pools the configurations' sample "
    "variances; n is the smallest n among them; n_needed is per configuration, for a difference of "
    "detect_difference (set analysis: {detect_difference: X}); null where sd is 0; metrics without a bounded "
    "0-1 or -1-1 scale (perplexities, KLD, counts) are left out: a fixed difference means nothing on them";

namespace {

constexpr double kAlpha = 0.05;
constexpr double kPower = 0.8;

struct Pool {
  int configs = 0;
  int64_t min_n = 0;
  double variance_sum = 0;
  double half_width_sum = 0;
  int half_widths = 0;
};

const json_fields::Figures<PowerRow> kRowFigures = {{"sd", &PowerRow::sd},
                                                    {"ci_half_width", &PowerRow::ci_half_width},
                                                    {"min_detectable_difference", &PowerRow::min_detectable_difference},
                                                    {"n_needed", &PowerRow::n_needed}};
const json_fields::Counts<PowerRow> kRowCounts = {{"configs", &PowerRow::configs}, {"n", &PowerRow::n}};

}  // namespace

void to_json(json& j, const PowerAnalysis& p) {
  json rows = json::array();
  for (const PowerRow& r : p.rows) {
    json row = {{"task_name", r.task_name}, {"metric", r.metric}};
    json_fields::write(row, r, kRowFigures, kRowCounts);
    rows.push_back(std::move(row));
  }
  j = {{"alpha", p.alpha},        {"power", p.power},       {"detect_difference", p.detect_difference},
       {"rows", std::move(rows)}, {"left_out", p.left_out}, {"note", kPowerNote}};
}

void from_json(const json& j, PowerAnalysis& p) {
  using namespace json_fields;
  p = {};
  p.alpha = number(j, "alpha", p.alpha);
  p.power = number(j, "power", p.power);
  p.detect_difference = number(j, "detect_difference", p.detect_difference);
  for (const json& r : items(j, "rows")) {
    PowerRow row;
    row.task_name = text(r, "task_name");
    row.metric = text(r, "metric");
    read(r, row, kRowFigures, kRowCounts);
    p.rows.push_back(std::move(row));
  }
  p.left_out = texts(j, "left_out");
}

PowerAnalysis power_analysis(const RunData& run, std::span<const AggregateRow> tasks) {
  std::map<std::pair<std::string, std::string>, Pool> pools;
  std::vector<std::pair<std::string, std::string>> order;
  std::set<std::string> left_out;
  for (const AggregateRow& row : tasks) {
    if (!std::isfinite(row.std) || row.n < 2) continue;
    // detect_difference is a difference on a score's own bounded scale (0-1, or -1-1): for
    // perplexities, KLD, counts and sums a power figure would answer a question nobody asked.
    const std::string& metric = row.metric;
    const auto range = metric_range(metric);
    if (!range || !std::isfinite(range->first) || !std::isfinite(range->second) || range->second - range->first > 2) {
      left_out.insert(metric);
      continue;
    }
    const auto key = std::make_pair(row.task_name, row.metric);
    if (!pools.count(key)) order.push_back(key);
    Pool& p = pools[key];
    p.min_n = p.configs == 0 ? row.n : std::min(p.min_n, row.n);
    ++p.configs;
    p.variance_sum += std::pow(row.std, 2);
    if (std::isfinite(row.ci_low) && std::isfinite(row.ci_high)) {
      p.half_width_sum += (row.ci_high - row.ci_low) / 2;
      ++p.half_widths;
    }
  }
  PowerAnalysis out;
  out.alpha = kAlpha;
  out.power = kPower;
  out.detect_difference = run.detect_difference;
  for (const auto& key : order) {
    const Pool& p = pools[key];
    const double sd = std::sqrt(p.variance_sum / p.configs);
    const double mde = stats::min_detectable_effect_ind(static_cast<double>(p.min_n), 1.0, kAlpha, kPower) * sd;
    const double n_needed = sd > 0 ? std::ceil(stats::n_needed_ind(run.detect_difference / sd, 1.0, kAlpha, kPower)) : NAN;
    out.rows.push_back({key.first, key.second, p.configs, p.min_n, finite_or_unset(sd),
                        p.half_widths > 0 ? finite_or_unset(p.half_width_sum / p.half_widths) : std::nullopt,
                        finite_or_unset(mde), finite_or_unset(n_needed)});
  }
  out.left_out.assign(left_out.begin(), left_out.end());
  return out;
}

}  // namespace qualm::analysis
