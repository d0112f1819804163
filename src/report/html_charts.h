#pragma once
// report.html's charts drawn from summary.json (SPEC S7), each an <svg class="chart NAME"> whose
// data marks carry class "mark" and data-* attributes naming their row:
//   pareto           one circle per summary.pareto.points entry with numeric quality and cost
//   task-bars        one rect per summary.tasks row, panels per (task, metric); mmlu-style
//                    groups (summary.benchmarks[].group) share one wide panel per metric
//   cv-distribution  one circle per numeric value in summary.sampling_variance.cells[].cvs
//   kld-percentiles  one circle per numeric percentile (p50 p90 p95 p99 max) of summary.kld rows
// A chart whose section is absent, null or empty is replaced by <p class="chart-note"
// data-chart="NAME"> saying why. Any field may be missing; strings are escaped.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/json_fields.h"
#include "analysis/kld_summary.h"
#include "analysis/pareto.h"
#include "analysis/summary.h"
#include "analysis/variance.h"

namespace qualm::report {

// Reading summary.json defensively: any field may be missing, null or mistyped.
namespace summary_json {

// The member as text: "" when missing or null, its JSON text when not a string.
std::string str(const nlohmann::json& j, const char* key);
// The member as a finite number, else nullopt.
std::optional<double> num(const nlohmann::json& j, const char* key);
// The JSON text of a member, as data-* attributes carry it ("0.25", "null").
std::string raw(const nlohmann::json& j, const char* key);
// The objects of an array, skipping anything else.
std::vector<const nlohmann::json*> objects(const nlohmann::json& j);
// The member, or null.
using analysis::json_fields::member;
// "model/variant/backend" of a row.
std::string label_of(const nlohmann::json& row);

}  // namespace summary_json

// One colour per model/variant/backend, the same in every chart.
class Colors {
 public:
  const std::string& of(const std::string& label) {
    static const std::vector<std::string> kPalette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
    const auto [it, added] = index_.emplace(label, index_.size());
    return kPalette[it->second % kPalette.size()];
  }

 private:
  std::map<std::string, size_t> index_;
};

std::string pareto_chart(const analysis::ParetoFrontier& pareto, Colors& colors);
std::string task_chart(const analysis::Summary& summary, Colors& colors);
std::string cv_chart(const analysis::SamplingVariance& variance, Colors& colors);
std::string kld_chart(const analysis::KldSummary& kld, Colors& colors);

}  // namespace qualm::report
