#include "analysis/scaling.h"

#include <map>
#include <set>
#include <utility>

#include "analysis/json_fields.h"
#include "stats/power_law.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

const char* const kScalingNoParamsNote =
    "no parameter counts: add params: N to each model in the experiment to fit quality = a * params^b";

ScalingFit scaling_fit(const RunData& run, std::span<const CompositeRow> composite_rows) {
  ScalingFit out;
  if (run.params.empty()) return out;
  struct Group {
    std::vector<ScalingPoint> points;
    std::vector<ScalingExclusion> excluded;
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
      g.excluded.push_back({model, "no params"});
    } else if (!row.composite || !(*row.composite > 0)) {
      g.excluded.push_back({model, "composite missing or not positive (log undefined)"});
    } else {
      g.points.push_back({model, p->second, *row.composite});
      g.x.push_back(p->second);
      g.y.push_back(*row.composite);
    }
  }
  for (const auto& key : order) {
    Group& g = groups[key];
    if (std::set<double>(g.x.begin(), g.x.end()).size() < 2) continue;
    const stats::PowerLawFit f = stats::fit_power_law(g.x, g.y);
    ScalingLine fit{key.first,
                    key.second,
                    static_cast<int64_t>(f.n),
                    finite_or_unset(f.a),
                    finite_or_unset(f.b),
                    finite_or_unset(f.r2),
                    finite_or_unset(f.b_stderr),
                    finite_or_unset(f.b_p),
                    std::move(g.points),
                    std::move(g.excluded),
                    std::nullopt};
    if (f.n == 2) fit.note = "two models: the line passes through both, so r2 = 1 says nothing and no stderr exists";
    out.fits.push_back(std::move(fit));
  }
  out.note = out.fits.empty()
                 ? "no (variant, backend) has composites for 2 models with distinct known params (" +
                       std::to_string(run.params.size()) + " model(s) have params)"
                 : "quality = a * params^b, least squares on (ln params, ln composite) per (variant, backend); "
                   "b_p_value tests b = 0 (t, n - 2 df). Few models make b uncertain; read b_stderr before the "
                   "exponent.";
  return out;
}

namespace {

const Figures<ScalingLine> kLineFigures = {{"a", &ScalingLine::a},
                                           {"b", &ScalingLine::b},
                                           {"r2", &ScalingLine::r2},
                                           {"b_stderr", &ScalingLine::b_stderr},
                                           {"b_p_value", &ScalingLine::b_p_value}};
const Counts<ScalingLine> kLineCounts = {{"n", &ScalingLine::n}};

json line_json(const ScalingLine& f) {
  json out = {{"variant", f.variant}, {"backend", f.backend}, {"points", json::array()}, {"excluded", json::array()}};
  write(out, f, kLineFigures, kLineCounts);
  for (const ScalingPoint& p : f.points) {
    out["points"].push_back({{"model", p.model}, {"params", p.params}, {"quality", p.quality}});
  }
  for (const ScalingExclusion& e : f.excluded) out["excluded"].push_back({{"model", e.model}, {"why", e.why}});
  if (f.note) out["note"] = *f.note;
  return out;
}

ScalingLine line_of(const json& j) {
  ScalingLine f;
  f.variant = text(j, "variant");
  f.backend = text(j, "backend");
  read(j, f, kLineFigures, kLineCounts);
  for (const json& p : items(j, "points")) {
    f.points.push_back({text(p, "model"), number(p, "params", 0), number(p, "quality", 0)});
  }
  for (const json& e : items(j, "excluded")) f.excluded.push_back({text(e, "model"), text(e, "why")});
  if (member(j, "note").is_string()) f.note = text(j, "note");
  return f;
}

}  // namespace

void to_json(json& j, const ScalingFit& s) {
  j = {{"quality_metric", "composite"}, {"fits", json::array()}, {"note", s.note}};
  for (const ScalingLine& f : s.fits) j["fits"].push_back(line_json(f));
}

void from_json(const json& j, ScalingFit& s) {
  s = {};
  for (const json& f : items(j, "fits")) s.fits.push_back(line_of(f));
  if (member(j, "note").is_string()) s.note = text(j, "note");
}

}  // namespace qualm::analysis
