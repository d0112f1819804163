#include "analysis/scaling.h"

#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "stats/power_law.h"

namespace qualm::analysis {

using nlohmann::json;

namespace {

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(); }

}  // namespace

json scaling_fit(const RunData& run, std::span<const CompositeRow> composite_rows) {
  const std::string kNote =
      "quality = a * params^b, least squares on (ln params, ln composite) per (variant, backend); b_p_value "
      "tests b = 0 (t, n - 2 df). Few models make b uncertain; read b_stderr before the exponent.";
  if (run.params.empty()) {
    return {{"quality_metric", "composite"},
            {"fits", json::array()},
            {"note", "no parameter counts: add params: N to each model in the experiment to fit "
                     "quality = a * params^b"}};
  }
  struct Group {
    json points = json::array(), excluded = json::array();
    std::vector<double> x, y;
  };
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const CompositeRow& row : composite_rows) {
    const std::pair<std::string, std::string> key{row.config.variant, row.config.backend};
    if (!groups.count(key)) order.push_back(key);
    Group& g = groups[key];
    const std::string& model = row.config.model;
    const auto p = run.params.find(model);
    if (p == run.params.end()) {
      g.excluded.push_back({{"model", model}, {"why", "no params"}});
    } else if (!row.composite || !(*row.composite > 0)) {
      g.excluded.push_back({{"model", model}, {"why", "composite missing or not positive (log undefined)"}});
    } else {
      g.points.push_back({{"model", model}, {"params", p->second}, {"quality", *row.composite}});
      g.x.push_back(p->second);
      g.y.push_back(*row.composite);
    }
  }
  json fits = json::array();
  for (const auto& key : order) {
    const Group& g = groups[key];
    if (std::set<double>(g.x.begin(), g.x.end()).size() < 2) continue;
    const stats::PowerLawFit f = stats::fit_power_law(g.x, g.y);
    json fit = {{"variant", key.first},      {"backend", key.second},      {"n", f.n},
                {"a", number_or_null(f.a)},  {"b", number_or_null(f.b)},   {"r2", number_or_null(f.r2)},
                {"b_stderr", number_or_null(f.b_stderr)}, {"b_p_value", number_or_null(f.b_p)},
                {"points", g.points},        {"excluded", g.excluded}};
    if (f.n == 2) fit["note"] = "two models: the line passes through both, so r2 = 1 says nothing and no stderr exists";
    fits.push_back(fit);
  }
  if (fits.empty()) {
    return {{"quality_metric", "composite"},
            {"fits", json::array()},
            {"note", "no (variant, backend) has composites for 2 models with distinct known params (" +
                         std::to_string(run.params.size()) + " model(s) have params)"}};
  }
  return {{"quality_metric", "composite"}, {"fits", fits}, {"note", kNote}};
}

}  // namespace qualm::analysis
