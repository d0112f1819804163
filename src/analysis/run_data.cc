#include "analysis/run_data.h"


#include <cmath>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/errors.h"
#include "core/json_problem.h"
#include "run/sample_log.h"

namespace qualm::analysis {

using nlohmann::json;

json finite_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

std::optional<double> finite_or_unset(double x) { return std::isfinite(x) ? std::optional<double>(x) : std::nullopt; }

std::vector<const SampleRecord*> RunData::ok_records() const {
  std::vector<const SampleRecord*> out;
  out.reserve(records.size());
  for (const SampleRecord& r : records) {
    if (r.ok()) out.push_back(&r);
  }
  return out;
}

TaskKind RunData::kind_of(const SampleRecord& record) const {
  if (const auto it = tasks.find(record.task_name); it != tasks.end()) return it->second.kind;
  return parse_task_kind(record.task_type);
}

std::vector<ConfigKey> RunData::labels() const {
  std::vector<ConfigKey> out;
  std::set<ConfigKey> seen;
  for (const SampleRecord* r : ok_records()) {
    if (seen.insert(r->config).second) out.push_back(r->config);
  }
  return out;
}

std::optional<double> RunData::cost_of(const ConfigKey& label) const {
  std::optional<double> any_backend;
  for (const Cost& c : costs) {
    if (c.label.model != label.model || c.label.variant != label.variant) continue;
    if (c.label.backend == label.backend) return c.usd_per_million_tokens;
    if (c.label.backend.empty()) any_backend = c.usd_per_million_tokens;
  }
  return any_backend;
}

void sort_canonically(std::vector<SampleRecord>& records, const json& manifest) {
  const json plan = manifest.is_object() ? manifest.value("plan", json::object()) : json::object();
  if (!plan.is_object() || !plan.contains("configs")) return;  // an older manifest: file order
  std::map<ConfigKey, size_t> config_index;
  std::map<std::string, size_t> task_index;
  for (const json& c : plan.value("configs", json::array())) config_index.emplace(config_of(c), config_index.size());
  for (const json& t : plan.value("tasks", json::array())) task_index.emplace(t.value("name", ""), task_index.size());
  const auto position = [&](const SampleRecord& r) {
    const auto c = config_index.find(r.config);
    const auto t = task_index.find(r.task_name);
    return std::tuple(c == config_index.end() ? config_index.size() : c->second,
                      t == task_index.end() ? task_index.size() : t->second, r.rep, r.sample_id);
  };
  std::stable_sort(records.begin(), records.end(),
                   [&](const SampleRecord& a, const SampleRecord& b) { return position(a) < position(b); });
}

RunData make_run_data(json manifest, std::vector<SampleRecord> records) {
  sort_canonically(records, manifest);
  RunData d;
  d.records = std::move(records);
  if (!manifest.is_object()) manifest = json::object();
  d.manifest = std::move(manifest);
  const json& m = d.manifest;
  d.experiment = m.value("experiment", "");
  d.run_id = m.value("run_id", "");
  if (m.contains("seeds") && m["seeds"].contains("seed")) d.seed = m["seeds"]["seed"].get<uint64_t>();
  if (m.contains("plan") && m["plan"].is_object()) {
    const json& p = m["plan"];
    for (const json& t : p.value("tasks", json::array())) {
      TaskInfo info;
      info.name = t.value("name", "");
      info.kind = parse_task_kind(t.value("kind", task_kind_name(TaskKind::kGenerate)));
      info.group = t.value("group", "");
      info.repetitions = t.value("repetitions", 1);
      info.temperature = t.value("temperature", 0.0);
      d.tasks[info.name] = info;
    }
    d.planned = p.value("planned", int64_t{0});
    d.skipped_cells = p.value("skipped_cells", int64_t{0});
    for (const json& c : p.value("costs", json::array())) {
      d.costs.push_back({config_of(c), c.value("usd_per_million_tokens", 0.0)});
    }
    const json params = p.value("params", json::object());
    for (const auto& [model, n] : params.items()) d.params[model] = n.get<double>();
    d.tost_margin = p.value("tost_margin", d.tost_margin);
    d.detect_difference = p.value("detect_difference", d.detect_difference);
    const json harm = p.value("harm_thresholds", json::object());
    d.harm.max_ppl_delta_pct = harm.value("max_ppl_delta_pct", d.harm.max_ppl_delta_pct);
    d.harm.max_category_kld = harm.value("max_category_kld", d.harm.max_category_kld);
    d.harm.min_same_top = harm.value("min_same_top", d.harm.min_same_top);
    d.harm.non_degenerate_repetition = harm.value("non_degenerate_repetition", d.harm.non_degenerate_repetition);
    for (const json& g : p.value("gates", json::array())) d.gates.push_back(g.get<std::string>());
  } else {
    // An older manifest, or records alone: the plan is what they show.
    d.planned = static_cast<int64_t>(d.records.size());
    d.skipped_cells = static_cast<int64_t>(m.value("skipped", json::array()).size());
  }
  return d;
}

RunData load_run(const std::filesystem::path& dir) {
  const auto manifest_path = dir / "manifest.json";
  const auto samples_path = dir / "samples.jsonl";
  if (!std::filesystem::is_directory(dir)) {
    throw InputError(dir.string(), "no such run directory", "pass the directory qualm run wrote (runs/<experiment>-<time>)");
  }
  if (!std::filesystem::exists(samples_path)) {
    throw InputError(samples_path.string(), "missing", "pass a directory written by qualm run or qualm eval --out");
  }
  json manifest = json::object();
  if (std::filesystem::exists(manifest_path)) {
    std::ifstream in(manifest_path);
    try {
      manifest = json::parse(in);
    } catch (const json::exception& e) {
      throw InputError(manifest_path.string(), "not valid JSON: " + json_problem(e),
                       "rerun qualm run --resume to rewrite it");
    }
  }
  RunData d = make_run_data(std::move(manifest), read_samples(samples_path));
  d.dir = dir;
  if (d.run_id.empty()) d.run_id = dir.filename().string();
  return d;
}

}  // namespace qualm::analysis
