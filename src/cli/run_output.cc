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

void print_results(const analysis::Summary& summary, const fs::path& dir) {
  for (const analysis::CompositeRow& row : summary.composite) {
    std::printf("composite %-32s %8.4f [%6.4f, %6.4f]  rank %lld%s\n", row.config.str().c_str(),
                row.composite.value_or(NAN), row.ci_low.value_or(NAN), row.ci_high.value_or(NAN),
                static_cast<long long>(row.rank), row.tied ? " (tied: the CIs overlap)" : "");
  }
  for (const analysis::BenchmarkRow& row : summary.benchmarks) {
    if (row.metric != "acc" || row.group) continue;  // a group's members: its row says it
    std::printf("acc %-38s %-24s %6.4f [%6.4f, %6.4f] n=%lld\n", row.config.str().c_str(), row.task.c_str(), row.value,
                row.ci_low, row.ci_high, static_cast<long long>(row.n));
  }
  for (const analysis::Invariant& inv : summary.invariants) {
    std::printf("invariant %-20s %s  %s\n", inv.name.c_str(), inv.status.c_str(), inv.detail.c_str());
  }
  const analysis::RecordCounts& c = summary.counts;
  std::printf("%lld evaluated, %lld errors, %lld skipped, %lld truncated -> %s\n", static_cast<long long>(c.evaluated),
              static_cast<long long>(c.errors), static_cast<long long>(c.skipped), static_cast<long long>(c.truncated),
              dir.string().c_str());
  if (c.samples_with_unknown_tokens > 0) {
    std::printf(
        "%lld samples hold text the vocabulary cannot encode: %lld unknown tokens stand for it "
        "(samples.jsonl \"unknown_tokens\")\n",
        static_cast<long long>(c.samples_with_unknown_tokens), static_cast<long long>(c.unknown_tokens));
  }
}

int exit_for_gates(const analysis::Summary& summary) {
  int failed = 0;
  for (const analysis::GateResult& g : summary.gates) {
    std::printf("gate %s\n", analysis::describe_gate_result(g).c_str());
    if (g.status != "PASS") ++failed;
  }
  if (failed == 0) return 0;
  std::cerr << "qualm: " << failed << " quality gate(s) failed (see above and summary.json \"gates\")\n";
  return static_cast<int>(ExitCode::kGateFailed);
}

}  // namespace qualm::cli
