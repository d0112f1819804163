// qualm compare BASELINE_RUN CANDIDATE_RUN [--out DIR] [--gate G]... (SPEC S7, S8): the
// quantization impact of the candidate run against the baseline run, written to compare.json
// and compare.md, and quality gates whose baseline.* values come from the baseline run.
// Gates: the candidate experiment's gates: plus every --gate. Exit 0; 2 for a bad run
// directory or gate; 3 when a gate fails.

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "analysis/compare.h"
#include "analysis/gates.h"
#include "analysis/run_data.h"
#include "cli/commands.h"
#include "config/gate.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "report/section_compare.h"

namespace qualm::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CompareFlags {
  std::string baseline, candidate, out;
  std::vector<std::string> gates;
  bool json = false;
};

analysis::RunData load(const std::string& dir, const char* which) {
  analysis::RunData run = analysis::load_run(dir);
  if (run.ok_records().empty()) {
    throw InputError(dir + "/samples.jsonl", std::string("the ") + which + " run has no evaluated records",
                     "pass a run directory that qualm run finished");
  }
  return run;
}

int compare(const CompareFlags& f) {
  for (const std::string& g : f.gates) parse_gate(g, "--gate");  // bad text: exit 2 before any work
  const analysis::RunData baseline = load(f.baseline, "baseline");
  const analysis::RunData candidate = load(f.candidate, "candidate");
  std::vector<std::string> gates = candidate.gates;
  for (const std::string& g : f.gates) {
    if (std::find(gates.begin(), gates.end(), g) == gates.end()) gates.push_back(g);
  }

  json result = analysis::compare_runs(baseline, candidate);
  const std::vector<analysis::GateResult> results = analysis::evaluate_gates(gates, candidate, &baseline);
  result["gates"] = results;
  const fs::path out = f.out.empty() ? fs::path(f.candidate) : fs::path(f.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw InputError(out.string(), "cannot create the output directory: " + ec.message(), "pass --out DIR");
  report::Doc md;
  report::add_compare_section(md, result);
  write_atomically(out / "compare.json", result.dump(2) + "\n");
  write_atomically(out / "compare.md", report::to_markdown(md));

  if (f.json) std::cout << result.dump(2) << "\n";
  for (const json& p : f.json ? json::array() : result["pairs"]) {
    const json& k = p["key_metric_avg_delta_pct"];
    const json& c = p["composite"]["delta"];
    std::cout << p["candidate"]["model"].get<std::string>() << "/" << p["candidate"]["variant"].get<std::string>()
              << "/" << p["candidate"]["backend"].get<std::string>() << " vs "
              << p["baseline"]["model"].get<std::string>() << "/" << p["baseline"]["variant"].get<std::string>() << "/"
              << p["baseline"]["backend"].get<std::string>() << ": " << p["samples"]["paired"] << " paired samples"
              << ", key-metric avg delta " << (k.is_number() ? std::to_string(k.get<double>()) + " %" : "n/a")
              << (p.value("key_metric_small_n", false) ? " (fewer than 20 paired samples: read the CIs in compare.md)" : "")
              << ", composite delta " << (c.is_number() ? std::to_string(c.get<double>()) : "n/a") << "\n";
  }
  if (result["pairs"].empty()) std::cerr << "qualm: no configuration of the candidate run pairs with the baseline run\n";
  (f.json ? std::cerr : std::cout) << "wrote " << (out / "compare.json").string() << " and " << (out / "compare.md").string() << "\n";

  for (const analysis::GateResult& r : results) {
    if (r.status == "PASS")
      (f.json ? std::cerr : std::cout) << "gate " << analysis::describe_gate_result(r) << "\n";
    else std::cerr << "qualm: gate " << analysis::describe_gate_result(r) << "\n";
  }
  if (analysis::gates_failed(results)) {
    std::cerr << "qualm: quality gate failed (see " << (out / "compare.md").string() << ")\n";
    return static_cast<int>(ExitCode::kGateFailed);
  }
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand("compare", "quantization impact of one run against another, with quality gates");
  cmd->add_option("BASELINE_RUN", flags->baseline, "the baseline run directory (qualm run --out)")->required();
  cmd->add_option("CANDIDATE_RUN", flags->candidate, "the candidate run directory")->required();
  cmd->add_option("--out", flags->out, "where compare.json and compare.md go (default: CANDIDATE_RUN)");
  cmd->add_option("--gate", flags->gates, "a quality gate METRIC[@TASK][:MODEL] OP VALUE (repeatable)")
      ->allow_extra_args(false);
  add_json_flag(*cmd, flags->json, "print compare.json to stdout (the summary lines go to stderr)");
  cmd->callback([flags, &run] { run = [flags] { return compare(*flags); }; });
}

}  // namespace qualm::cli
