#include "report/run_report.h"

#include <sstream>

#include "analysis/gates.h"
#include "analysis/summary.h"
#include "core/atomic_file.h"
#include "records/aggregate.h"
#include "records/config_key.h"
#include "report/html_report.h"
#include "report/markdown_compare.h"
#include "report/markdown_cost.h"
#include "report/markdown_disagreements.h"
#include "report/markdown_harm.h"
#include "report/markdown_report.h"
#include "report/markdown_verdict.h"

namespace qualm::report {

using nlohmann::json;

std::string render_markdown_report(const json& s, const json& m) {
  std::ostringstream out;
  out << "# qualm report: " << s.value("experiment", "") << "\n\n";
  const json& c = s.value("counts", json::object());
  out << "Run `" << s.value("run_id", "") << "`";
  if (m.is_object() && m.contains("qualm_version")) {
    out << ", qualm " << m.value("qualm_version", "") << " (" << m.value("git_commit", "") << "), llama.cpp "
        << m.value("llama_cpp_commit", "") << ", from " << m.value("started_at", "") << " to "
        << (m["finished_at"].is_string() ? m["finished_at"].get<std::string>() : std::string("(unfinished)"));
    if (m.contains("machine")) {
      const json& mc = m["machine"];
      out << " on " << mc.value("cpu", "") << " (" << mc.value("cores", 0) << " cores, " << mc.value("memory", "") << ")";
    }
  }
  out << ".\n\n";
  out << c.value("evaluated", 0) << " samples evaluated of " << c.value("planned", 0) << " planned, " << c.value("errors", 0)
      << " errors, " << c.value("skipped", 0) << " samples skipped in " << c.value("skipped_cells", 0)
      << (c.value("skipped_cells", 0) == 1 ? " cell" : " cells") << ", "
      << c.value("truncated", 0) << " truncated. Every number below is recomputed from samples.jsonl by "
      << "`qualm report`.\n\n";
  if (c.value("samples_with_unknown_tokens", 0) > 0) {
    out << c.value("samples_with_unknown_tokens", 0) << " samples hold characters the model's vocabulary cannot encode; "
        << c.value("unknown_tokens", 0) << " unknown tokens stand for them (`unknown_tokens` in samples.jsonl).\n\n";
  }
  write_verdict_markdown(out, s);
  write_composite_markdown(out, s);
  write_tasks_markdown(out, s);
  write_benchmarks_markdown(out, s);
  write_disagreements_markdown(out, s);
  write_rankings_markdown(out, s);
  write_equivalence_markdown(out, s);
  write_power_markdown(out, s);
  write_quantization_markdown(out, s);
  write_quantization_harm_markdown(out, s);
  write_kld_markdown(out, s);
  write_variance_markdown(out, s);
  write_examples_markdown(out, s);
  write_router_markdown(out, s);
  write_scaling_markdown(out, s);
  write_pareto_markdown(out, s);
  write_invariants_markdown(out, s);
  write_gates_markdown(out, s.value("gates", nlohmann::json::array()));
  const json& errors = s.value("errors", json::array());
  if (!errors.empty()) {
    out << "## Errors\n\n" << errors.size() << " error records (retried by `qualm run --resume`):\n\n"
        << "| model/variant/backend | task | sample | error |\n|---|---|---:|---|\n";
    size_t shown = 0;
    for (const json& e : errors) {
      if (++shown > 20) break;
      out << "| " << config_of(e).str() << " | "
          << e.value("task_name", "") << " | " << e["sample_id"].dump() << " | " << md_cell(e["error"].is_string() ? e["error"].get<std::string>() : e["error"].dump()) << " |\n";
    }
    if (errors.size() > 20) out << "\n… and " << errors.size() - 20 << " more in summary.json.\n";
    out << "\n";
  }
  return out.str();
}

json write_run_reports(const analysis::RunData& run, const std::vector<std::string>& extra_gates) {
  const std::vector<AggregateRow> rows = aggregate_records(run.records, run.seed);
  std::ostringstream csv;
  write_aggregate_csv(csv, rows);
  write_atomically(run.dir / "aggregate.csv", csv.str());
  json summary = analysis::make_summary(run, rows);
  std::vector<std::string> gates = run.gates;
  gates.insert(gates.end(), extra_gates.begin(), extra_gates.end());
  // A run's baseline.* gates compare each variant with its model's first variant (gates.h).
  summary["gates"] = analysis::evaluate_gates(gates, run, nullptr, &summary["quantization_harm"]);
  write_atomically(run.dir / "summary.json", summary.dump(2) + "\n");
  const std::string md = render_markdown_report(summary, run.manifest);
  write_atomically(run.dir / "report.md", md);
  write_atomically(run.dir / "report.html", render_html_report(summary, run.manifest, md));
  return summary;
}

}  // namespace qualm::report
