#include "cli/run_output.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "analysis/gates.h"
#include "analysis/json_fields.h"
#include "core/errors.h"

namespace qualm::cli {

namespace fs = std::filesystem;
using nlohmann::json;

void print_results(const analysis::Summary& typed, const fs::path& dir) {
  const json& summary = typed.rest;
  for (const analysis::CompositeRow& row : typed.composite) {
    std::printf("composite %-32s %8.4f [%6.4f, %6.4f]  rank %lld%s\n", row.config.str().c_str(),
                row.composite.value_or(NAN), row.ci_low.value_or(NAN), row.ci_high.value_or(NAN),
                static_cast<long long>(row.rank), row.tied ? " (tied: the CIs overlap)" : "");
  }
  for (const analysis::BenchmarkRow& row : typed.benchmarks) {
    if (row.metric != "acc" || row.group) continue;  // a group's members: its row says it
    std::printf("acc %-38s %-24s %6.4f [%6.4f, %6.4f] n=%lld\n", row.config.str().c_str(), row.task.c_str(), row.value,
                row.ci_low, row.ci_high, static_cast<long long>(row.n));
  }
  for (const json& inv : summary["invariants"]) {
    std::printf("invariant %-20s %s  %s\n", inv["name"].get<std::string>().c_str(),
                inv["status"].get<std::string>().c_str(), inv["detail"].get<std::string>().c_str());
  }
  const json& c = summary["counts"];
  std::printf("%lld evaluated, %lld errors, %lld skipped, %lld truncated -> %s\n",
              static_cast<long long>(c["evaluated"].get<int64_t>()), static_cast<long long>(c["errors"].get<int64_t>()),
              static_cast<long long>(c["skipped"].get<int64_t>()), static_cast<long long>(c["truncated"].get<int64_t>()),
              dir.string().c_str());
  if (c.value("samples_with_unknown_tokens", int64_t{0}) > 0) {
    std::printf("%lld samples hold text the vocabulary cannot encode: %lld unknown tokens stand for it "
                "(samples.jsonl \"unknown_tokens\")\n",
                static_cast<long long>(c["samples_with_unknown_tokens"].get<int64_t>()),
                static_cast<long long>(c["unknown_tokens"].get<int64_t>()));
  }
}

int64_t error_records(const analysis::Summary& summary) {
  return analysis::json_fields::count(analysis::json_fields::member(summary.rest, "counts"), "errors");
}

int exit_for_gates(const analysis::Summary& summary) {
  int failed = 0;
  for (const json& g : analysis::json_fields::items(summary.rest, "gates")) {
    const std::string status = g.value("status", "");
    std::printf("gate %s\n", analysis::describe_gate_result(g).c_str());
    if (status != "PASS") ++failed;
  }
  if (failed == 0) return 0;
  std::cerr << "qualm: " << failed << " quality gate(s) failed (see above and summary.json \"gates\")\n";
  return static_cast<int>(ExitCode::kGateFailed);
}

}  // namespace qualm::cli
