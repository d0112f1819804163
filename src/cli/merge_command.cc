// qualm merge DIR: combines the shards of `qualm run --shard I/N --out DIR` into DIR's
// samples.jsonl (canonical order), manifest.json, aggregate.csv, summary.json, report.md and
// report.html, as an unsharded run writes them (SPEC S5). Problems with the shards: exit 2.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "analysis/run_data.h"
#include "analysis/summary.h"
#include "cli/commands.h"
#include "cli/run_output.h"
#include "config/gate.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "report/run_report.h"
#include "run/merge.h"

namespace qualm::cli {
namespace {

struct MergeFlags {
  std::string dir;
  std::vector<std::string> gates;
};

int run_merge(const MergeFlags& f) {
  for (const std::string& g : f.gates) (void)parse_gate(g, "--gate");
  MergedShards merged = merge_shards(f.dir);
  if (!merged.problems.empty()) {
    for (const std::string& p : merged.problems) std::cerr << "qualm: error: " << p << "\n";
    throw InputError(f.dir, std::to_string(merged.problems.size()) + " problem(s) with the shards", "see above");
  }
  analysis::RunData data = analysis::make_run_data(std::move(merged.manifest), std::move(merged.records));
  data.dir = f.dir;
  std::string lines;
  for (const SampleRecord& r : data.records) lines += r.to_json().dump() + "\n";
  write_atomically(data.dir / "samples.jsonl", lines);
  data.manifest["counts"] = analysis::record_counts(data);
  write_atomically(data.dir / "manifest.json", data.manifest.dump(2) + "\n");
  std::cout << "merged " << data.manifest["shards"].size() << " shards: " << data.records.size() << " records\n";
  const analysis::Summary summary = report::write_run_reports(data, f.gates);
  print_results(summary, data.dir);
  if (summary.counts.errors > 0) return static_cast<int>(ExitCode::kRunFailed);
  return exit_for_gates(summary);
}

}  // namespace

void add_merge_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "merge", "check and combine the shards of qualm run --shard I/N --out DIR into DIR's records and reports");
  cmd->add_option("run_dir", flags->dir, "the --out folder the shards ran into")->required();
  cmd->add_option("--gate", flags->gates,
                  "quality gate METRIC[@TASK][:MODEL] OP VALUE (repeatable); a failure exits 3");
  cmd->callback([flags, &run] { run = [flags] { return run_merge(*flags); }; });
}

}  // namespace qualm::cli
