#include "analysis/invariants.h"

#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "analysis/json_fields.h"
#include "analysis/metric_info.h"
#include "records/sample_record.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

using Invariants = std::vector<Invariant>;

Invariant invariant(const std::string& name, bool pass, const std::string& detail) {
  return {name, pass ? "PASS" : "FAIL", detail};
}

void ranges_and_nan(const RunData& run, Invariants& out) {
  int64_t out_of_range = 0, nan = 0;
  std::string first_bad;
  for (const SampleRecord* r : run.ok_records()) {
    for (const auto& [name, v] : r->metrics) {
      if (std::isnan(v)) {
        ++nan;
        continue;
      }
      const auto range = metric_range(name);
      if (range && (v < range->first - 1e-9 || v > range->second + 1e-9)) {
        if (out_of_range++ == 0) first_bad = name + "=" + std::to_string(v) + " in " + r->task_name;
      }
    }
  }
  out.push_back(invariant("metric_ranges", out_of_range == 0,
                          out_of_range == 0 ? "every value within its metric's range"
                                            : std::to_string(out_of_range) + " values out of range, first " + first_bad));
  out.push_back(invariant("no_nan", nan == 0, nan == 0 ? "no NaN or null metric value" : std::to_string(nan) + " NaN/null values"));
}

void counts(const RunData& run, Invariants& out) {
  std::set<RecordKey> keys;
  for (const SampleRecord& r : run.records) keys.insert(r.key());
  const auto n = static_cast<int64_t>(run.records.size());
  const bool ok = n == run.planned && static_cast<int64_t>(keys.size()) == run.planned;
  out.push_back(invariant("sample_counts", ok,
                          std::to_string(n) + " records, " + std::to_string(keys.size()) + " distinct, " +
                              std::to_string(run.planned) + " planned"));
  // Skip counts: every skipped cell the manifest lists has no record.
  std::set<std::pair<ConfigKey, std::string>> skipped;  // (configuration, task)
  for (const json& s : run.manifest.value("skipped", json::array())) {
    skipped.insert({config_of(s), s.value("task", "")});
  }
  int64_t leaked = 0;
  for (const SampleRecord& r : run.records) leaked += skipped.count({r.config, r.task_name}) ? 1 : 0;
  out.push_back(invariant("skip_counts", leaked == 0 && static_cast<int64_t>(skipped.size()) == run.skipped_cells,
                          std::to_string(run.skipped_cells) + (run.skipped_cells == 1 ? " cell" : " cells") +
                              " skipped, " + std::to_string(leaked) + " records in skipped cells"));
}

void greedy_determinism(const RunData& run, Invariants& out) {
  std::map<RecordKey, std::set<std::string>> greedy;  // rep 0 stands for every repetition
  for (const SampleRecord* r : run.ok_records()) {
    if (r->temperature != 0.0 || !r->candidate || run.kind_of(*r) != TaskKind::kGenerate) continue;
    greedy[{r->config, r->task_name, r->sample_id, 0}].insert(*r->candidate);
  }
  int64_t differing = 0;
  for (const auto& [key, texts] : greedy) differing += texts.size() > 1 ? 1 : 0;
  out.push_back(invariant("greedy_determinism", differing == 0,
                          std::to_string(differing) + " of " + std::to_string(greedy.size()) +
                              " greedy samples differ between repetitions"));
}

// Multiple-choice answers (argmax of acc) agree across backends for the same model and variant.
// A difference is reported, not failed: backends may legitimately differ in the last bits.
void answer_identity(const RunData& run, Invariants& out) {
  // (model, variant, task, sample) -> backend -> pred
  std::map<std::tuple<std::string, std::string, std::string, int64_t>, std::map<std::string, McPredictions>> preds;
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kMultipleChoice || !r->pred) continue;
    preds[{r->config.model, r->config.variant, r->task_name, r->sample_id}][r->config.backend] = *r->pred;
  }
  int64_t compared = 0, differing = 0;
  for (const auto& [key, by_backend] : preds) {
    if (by_backend.size() < 2) continue;
    ++compared;
    const McPredictions& first = by_backend.begin()->second;
    for (const auto& [backend, p] : by_backend) {
      if (p != first) {
        ++differing;
        break;
      }
    }
  }
  out.push_back(invariant("backend_answer_identity", differing == 0,
                          compared == 0 ? "no benchmark item ran on two backends"
                                        : std::to_string(differing) + " of " + std::to_string(compared) +
                                              " benchmark items get a different answer on some backend"));
}

}  // namespace

void to_json(json& j, const Invariant& inv) {
  j = {{"name", inv.name}, {"status", inv.status}, {"detail", inv.detail}};
}

void from_json(const json& j, Invariant& inv) {
  using json_fields::text;
  inv = {text(j, "name"), text(j, "status"), text(j, "detail")};
}

std::vector<Invariant> invariants(const RunData& run) {
  Invariants out;
  ranges_and_nan(run, out);
  counts(run, out);
  greedy_determinism(run, out);
  answer_identity(run, out);
  return out;
}

}  // namespace qualm::analysis
