#include "analysis/examples.h"

#include <algorithm>
#include <map>
#include <utility>

#include "analysis/json_fields.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

namespace {

const Counts<OutputExample> kCounts = {
    {"sample_id", &OutputExample::sample_id}, {"rep", &OutputExample::rep}, {"n_labels", &OutputExample::n_labels}};

json output_json(const ExampleOutput& o) {
  json out = config_json(o.config), metrics = json::object();
  for (const auto& [name, value] : o.metrics) metrics[name] = or_null(value);
  out["candidate"] = or_null(o.candidate);
  out["metrics"] = std::move(metrics);
  return out;
}

ExampleOutput output_of(const json& j) {
  ExampleOutput o{config_of(j), maybe_text(j, "candidate"), {}};
  const json& metrics = member(j, "metrics");
  if (metrics.is_object()) {
    for (const auto& [name, value] : metrics.items()) {
      o.metrics[name] = value.is_number() ? std::optional<double>(value.get<double>()) : std::nullopt;
    }
  }
  return o;
}

}  // namespace

void to_json(json& j, const OutputExample& e) {
  json outputs = json::array();
  for (const ExampleOutput& o : e.outputs) outputs.push_back(output_json(o));
  j = {{"task_name", e.task_name},
       {"prompt", e.prompt},
       {"reference", or_null(e.reference)},
       {"outputs", std::move(outputs)}};
  write(j, e, {}, kCounts);
  if (e.doc_key) j["doc_key"] = *e.doc_key;
}

void from_json(const json& j, OutputExample& e) {
  e = {};
  e.task_name = text(j, "task_name");
  read(j, e, {}, kCounts);
  e.doc_key = maybe_text(j, "doc_key");
  e.prompt = text(j, "prompt");
  e.reference = maybe_text(j, "reference");
  for (const json& o : items(j, "outputs")) e.outputs.push_back(output_of(o));
}

std::vector<OutputExample> side_by_side_examples(const RunData& run) {
  std::vector<std::string> tasks;
  std::map<std::string, std::vector<ConfigKey>> labels;  // task -> labels, in order
  std::map<std::string, std::map<int64_t, std::map<ConfigKey, const SampleRecord*>>> by;  // task -> id -> label -> record
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kGenerate) continue;
    const std::string& task = r->task_name;
    const ConfigKey& l = r->config;
    if (!labels.count(task)) tasks.push_back(task);
    auto& ls = labels[task];
    if (std::find(ls.begin(), ls.end(), l) == ls.end()) ls.push_back(l);
    if (r->rep != 0) continue;
    by[task][r->sample_id].try_emplace(l, r);
  }
  std::vector<OutputExample> out;
  for (const std::string& task : tasks) {
    const auto& ids = by[task];
    const int64_t* chosen_id = nullptr;
    size_t best = 0;
    for (const auto& [id, recs] : ids) {  // ascending ids: the first with the most labels wins
      if (recs.size() > best) {
        best = recs.size();
        chosen_id = &id;
      }
    }
    if (chosen_id == nullptr) continue;
    const auto& recs = ids.at(*chosen_id);
    const SampleRecord& first = *recs.begin()->second;
    OutputExample e{
        task, *chosen_id, 0, first.doc_key, first.prompt, first.reference, static_cast<int64_t>(labels[task].size()),
        {}};
    for (const ConfigKey& l : labels[task]) {
      const auto it = recs.find(l);
      if (it == recs.end()) continue;
      ExampleOutput o{l, it->second->candidate, {}};
      for (const auto& [name, value] : it->second->metrics) o.metrics[name] = finite_or_unset(value);
      e.outputs.push_back(std::move(o));
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace qualm::analysis
