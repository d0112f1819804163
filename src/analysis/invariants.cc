#include "analysis/invariants.h"

#include <cmath>
#include <map>
#include <set>

#include "analysis/metric_info.h"
#include "run/sample_log.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

json invariant(const std::string& name, bool pass, const std::string& detail) {
  return {{"name", name}, {"status", pass ? "PASS" : "FAIL"}, {"detail", detail}};
}

void ranges_and_nan(const RunData& run, json& out) {
  int64_t out_of_range = 0, nan = 0;
  std::string first_bad;
  for (const json* r : run.ok_records()) {
    if (!(*r)["metrics"].is_object()) continue;
    for (const auto& [name, value] : (*r)["metrics"].items()) {
      if (value.is_boolean()) continue;
      if (!value.is_number() || std::isnan(value.get<double>())) {
        ++nan;
        continue;
      }
      const auto range = metric_range(name);
      const double v = value.get<double>();
      if (range && (v < range->first - 1e-9 || v > range->second + 1e-9)) {
        if (out_of_range++ == 0) first_bad = name + "=" + std::to_string(v) + " in " + (*r)["task_name"].get<std::string>();
      }
    }
  }
  out.push_back(invariant("metric_ranges", out_of_range == 0,
                          out_of_range == 0 ? "every value within its metric's range"
                                            : std::to_string(out_of_range) + " values out of range, first " + first_bad));
  out.push_back(invariant("no_nan", nan == 0, nan == 0 ? "no NaN or null metric value" : std::to_string(nan) + " NaN/null values"));
}

void counts(const RunData& run, json& out) {
  std::set<std::string> keys;
  for (const json& r : run.records) keys.insert(record_key(r));
  const auto n = static_cast<int64_t>(run.records.size());
  const bool ok = n == run.planned && static_cast<int64_t>(keys.size()) == run.planned;
  out.push_back(invariant("sample_counts", ok,
                          std::to_string(n) + " records, " + std::to_string(keys.size()) + " distinct, " +
                              std::to_string(run.planned) + " planned"));
  // Skip counts: every skipped cell the manifest lists has no record.
  std::set<std::string> skipped;
  for (const json& s : run.manifest.value("skipped", json::array())) {
    skipped.insert(s.value("model", "") + "|" + s.value("variant", "") + "|" + s.value("backend", "") + "|" +
                   s.value("task", ""));
  }
  int64_t leaked = 0;
  for (const json& r : run.records) {
    const Label l = label_of(r);
    leaked += skipped.count(l.model + "|" + l.variant + "|" + l.backend + "|" + r.value("task_name", "")) ? 1 : 0;
  }
  out.push_back(invariant("skip_counts", leaked == 0 && static_cast<int64_t>(skipped.size()) == run.skipped_cells,
                          std::to_string(run.skipped_cells) + " cells skipped, " + std::to_string(leaked) +
                              " records in skipped cells"));
}

void greedy_determinism(const RunData& run, json& out) {
  std::map<std::string, std::set<std::string>> greedy;
  for (const json* r : run.ok_records()) {
    const json& t = (*r)["temperature"];
    if (!t.is_number() || t.get<double>() != 0.0 || !(*r)["candidate"].is_string() || run.kind_of(*r) != "generate") continue;
    const Label l = label_of(*r);
    greedy[l.str() + "|" + (*r)["task_name"].get<std::string>() + "|" + std::to_string((*r)["sample_id"].get<int64_t>())]
        .insert((*r)["candidate"].get<std::string>());
  }
  int64_t differing = 0;
  for (const auto& [key, texts] : greedy) differing += texts.size() > 1 ? 1 : 0;
  out.push_back(invariant("greedy_determinism", differing == 0,
                          std::to_string(differing) + " of " + std::to_string(greedy.size()) +
                              " greedy samples differ between repetitions"));
}

// Multiple-choice answers (argmax of acc) agree across backends for the same model and variant.
// A difference is reported, not failed: backends may legitimately differ in the last bits.
void answer_identity(const RunData& run, json& out) {
  std::map<std::string, std::map<std::string, json>> preds;  // model|variant|task|sample -> backend -> pred
  for (const json* r : run.ok_records()) {
    if (run.kind_of(*r) != "multiple_choice" || !(*r).contains("pred")) continue;
    const Label l = label_of(*r);
    preds[l.model + "|" + l.variant + "|" + (*r)["task_name"].get<std::string>() + "|" +
          std::to_string((*r)["sample_id"].get<int64_t>())][l.backend] = (*r)["pred"];
  }
  int64_t compared = 0, differing = 0;
  for (const auto& [key, by_backend] : preds) {
    if (by_backend.size() < 2) continue;
    ++compared;
    const json& first = by_backend.begin()->second;
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

json invariants(const RunData& run) {
  json out = json::array();
  ranges_and_nan(run, out);
  counts(run, out);
  greedy_determinism(run, out);
  answer_identity(run, out);
  return out;
}

}  // namespace qualm::analysis
