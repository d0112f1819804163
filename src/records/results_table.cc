// The terminal table of qualm eval: the same EvalResults as results.json.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "metrics/model_metrics.h"
#include "records/results_json.h"

namespace qualm {
namespace {

// width: of the metric column, 15 or the longest name ("exact_match,flexible-extract").
void print_rows(std::ostream& out, int width, const std::string& name, int64_t n, const std::string& shots,
                const std::vector<MetricResult>& metrics) {
  char line[256];
  bool first = true;
  for (const MetricResult& m : metrics) {
    std::snprintf(line, sizeof line, "%-44s %6s %6s  %-*s %8.4f", first ? name.c_str() : "",
                  first ? std::to_string(n).c_str() : "", first ? shots.c_str() : "", width, m.name.c_str(), m.value);
    out << line;
    if (m.stderr_) {
      std::snprintf(line, sizeof line, " ± %8.4f", *m.stderr_);
      out << line;
    }
    out << (m.aggregation == AggregationKind::kCorpus ? "  (corpus)\n" : "\n");
    first = false;
  }
}

std::string shots_of(const TaskResult& t) {
  const bool shown = t.outline->kind == TaskKind::kMultipleChoice ||
                     (t.outline->kind == TaskKind::kGenerate && t.outline->num_fewshot > 0);
  return shown ? std::to_string(t.outline->num_fewshot) : "";
}

void print_task(std::ostream& out, int width, const TaskResult& t, const std::string& prefix) {
  print_rows(out, width, prefix + t.outline->name, t.docs, shots_of(t), t.metrics);
  for (const auto& [metric, why] : t.skipped) {
    char line[256];
    std::snprintf(line, sizeof line, "%-44s %6s %6s  ", t.metrics.empty() ? t.outline->name.c_str() : "", "", "");
    out << line << metric << ": skipped, " << why << "\n";
  }
  for (const auto& [category, summary] : t.categories) {
    std::vector<MetricResult> rows;
    for (const char* name : {metrics::model::kKldMean, metrics::model::kSameTop}) {
      const auto it = summary.find(name);
      rows.push_back({name, it == summary.end() ? NAN : it->second, std::nullopt, AggregationKind::kWeighted, 0});
    }
    const auto docs = t.category_docs.find(category);
    print_rows(out, width, " - " + category, docs == t.category_docs.end() ? 0 : docs->second, "", rows);
  }
}

}  // namespace

void print_results_table(std::ostream& out, const EvalResults& r) {
  int width = 15;
  for (const TaskResult& t : r.tasks) {
    for (const MetricResult& m : t.metrics) width = std::max(width, static_cast<int>(m.name.size()));
  }
  char line[256];
  std::snprintf(line, sizeof line, "%-44s %6s %6s  %-*s %8s   %8s\n", "task", "n", "shots", width, "metric", "value",
                "stderr");
  out << line;
  for (const GroupResult& g : r.groups) {
    print_rows(out, width, g.name, g.n, shots_of(r.tasks[g.members.front()]), g.metrics);
    for (size_t m : g.members) print_task(out, width, r.tasks[m], " - ");
  }
  // Multiple choice first, then generation, rolling and kld, as the kinds are declared.
  for (TaskKind kind : {TaskKind::kMultipleChoice, TaskKind::kGenerate, TaskKind::kRolling, TaskKind::kKld}) {
    for (const TaskResult& t : r.tasks) {
      const bool grouped = kind == TaskKind::kMultipleChoice && !t.outline->group.empty();
      if (t.outline->kind == kind && !grouped) print_task(out, width, t, "");
    }
  }
}

}  // namespace qualm
