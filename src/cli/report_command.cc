// qualm report RUN_DIR: rebuilds aggregate.csv, summary.json, report.md and report.html from
// the run's samples.jsonl and manifest.json (SPEC S7), and evaluates its gates.
#include <memory>
#include <string>
#include <vector>

#include "analysis/run_data.h"
#include "cli/commands.h"
#include "cli/run_output.h"
#include "config/gate.h"
#include "report/run_report.h"

namespace qualm::cli {
namespace {

struct ReportFlags {
  std::string dir;
  std::vector<std::string> gates;
};

int run_report(const ReportFlags& f) {
  for (const std::string& g : f.gates) (void)parse_gate(g, "--gate");
  const analysis::RunData run = analysis::load_run(f.dir);
  const analysis::Summary summary = report::write_run_reports(run, f.gates);
  print_results(summary, run.dir);
  return exit_for_gates(summary);
}

}  // namespace

void add_report_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand("report", "rebuild aggregate.csv, summary.json, report.md and report.html from a run's records");
  cmd->add_option("run_dir", flags->dir, "a directory written by qualm run")->required();
  cmd->add_option("--gate", flags->gates, "quality gate METRIC[@TASK][:MODEL] OP VALUE (repeatable); a failure exits 3");
  cmd->callback([flags, &run] { run = [flags] { return run_report(*flags); }; });
}

}  // namespace qualm::cli
