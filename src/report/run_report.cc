#include "report/run_report.h"

#include <sstream>

#include "analysis/gates.h"
#include "analysis/summary.h"
#include "core/atomic_file.h"
#include "records/aggregate.h"
#include "records/config_key.h"
#include "report/html_report.h"
#include "report/section_compare.h"
#include "report/section_cost.h"
#include "report/section_disagreements.h"
#include "report/section_harm.h"
#include "report/section_verdict.h"
#include "report/sections.h"

namespace qualm::report {

using nlohmann::json;

Doc report_doc(const analysis::Summary& summary, const json& m) {
  Doc doc;
  doc.heading(1) << "qualm report: " << summary.experiment;
  const analysis::RecordCounts& c = summary.counts;
  Text& run = doc.paragraph() << "Run " << code(summary.run_id);
  if (m.is_object() && m.contains("qualm_version")) {
    run << ", qualm " << m.value("qualm_version", "") << " (" << m.value("git_commit", "") << "), llama.cpp "
        << m.value("llama_cpp_commit", "") << ", from " << m.value("started_at", "") << " to "
        << (m["finished_at"].is_string() ? m["finished_at"].get<std::string>() : std::string("(unfinished)"));
    if (m.contains("machine")) {
      const json& mc = m["machine"];
      run << " on " << mc.value("cpu", "") << " (" << mc.value("cores", 0) << " cores, " << mc.value("memory", "")
          << ")";
    }
  }
  run << ".";
  doc.paragraph() << c.evaluated << " samples evaluated of " << c.planned << " planned, " << c.errors << " errors, "
                  << c.skipped << " samples skipped in " << c.skipped_cells
                  << (c.skipped_cells == 1 ? " cell" : " cells") << ", " << c.truncated
                  << " truncated. Every number below is recomputed from samples.jsonl by " << code("qualm report")
                  << ".";
  if (c.samples_with_unknown_tokens > 0) {
    doc.paragraph() << c.samples_with_unknown_tokens
                    << " samples hold characters the model's vocabulary cannot encode; " << c.unknown_tokens
                    << " unknown tokens stand for them (" << code("unknown_tokens") << " in samples.jsonl).";
  }
  add_verdict_section(doc, summary);
  add_composite_section(doc, summary.composite);
  add_tasks_section(doc, summary.tasks);
  add_benchmarks_section(doc, summary.benchmarks);
  add_disagreements_section(doc, summary.disagreements);
  add_rankings_section(doc, summary.rankings);
  add_equivalence_section(doc, summary.backend_equivalence);
  add_power_section(doc, summary.power);
  add_quantization_section(doc, summary.quantization_impact);
  add_quantization_harm_section(doc, summary.quantization_harm);
  add_kld_section(doc, summary.kld);
  add_variance_section(doc, summary.sampling_variance);
  add_examples_section(doc, summary.examples);
  add_router_section(doc, summary.task_router);
  add_scaling_section(doc, summary.scaling_fit);
  add_pareto_section(doc, summary.pareto);
  add_invariants_section(doc, summary.invariants);
  add_gates_section(doc, summary.gates);
  const std::vector<analysis::ErrorRecord>& errors = summary.errors;
  if (!errors.empty()) {
    doc.heading(2, "Errors");
    doc.paragraph() << errors.size() << " error records (retried by " << code("qualm run --resume") << "):";
    Table& t = doc.table({"model/variant/backend", "task", "sample:", "error"});
    for (size_t i = 0; i < errors.size() && i < 20; ++i) {
      const analysis::ErrorRecord& e = errors[i];
      t.row({e.config.str(), e.task_name, std::to_string(e.sample_id), fmt_cell(e.error)});
    }
    if (errors.size() > 20) doc.paragraph() << "… and " << errors.size() - 20 << " more in summary.json.";
  }
  return doc;
}

analysis::Summary write_run_reports(const analysis::RunData& run, const std::vector<std::string>& extra_gates) {
  const std::vector<AggregateRow> rows = aggregate_records(run.records, run.seed);
  std::ostringstream csv;
  write_aggregate_csv(csv, rows);
  write_atomically(run.dir / "aggregate.csv", csv.str());
  analysis::Summary summary = analysis::make_summary(run, rows);
  std::vector<std::string> gates = run.gates;
  gates.insert(gates.end(), extra_gates.begin(), extra_gates.end());
  // A run's baseline.* gates compare each variant with its model's first variant (gates.h).
  summary.gates = analysis::evaluate_gates(gates, run, nullptr, &summary.quantization_harm);
  write_atomically(run.dir / "summary.json", json(summary).dump(2) + "\n");
  const Doc doc = report_doc(summary, run.manifest);
  write_atomically(run.dir / "report.md", to_markdown(doc));
  write_atomically(run.dir / "report.html", render_html_report(summary, run.manifest, doc));
  return summary;
}

}  // namespace qualm::report
