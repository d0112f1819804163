#include "analysis/examples.h"

#include <algorithm>
#include <map>

namespace qualm::analysis {
namespace {

using nlohmann::json;

}  // namespace

json side_by_side_examples(const RunData& run) {
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
  json out = json::array();
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
    json row = {{"task_name", task}, {"sample_id", *chosen_id}, {"rep", 0}};
    if (first.doc_key) row["doc_key"] = *first.doc_key;
    row["prompt"] = first.prompt;
    row["reference"] = first.reference ? json(*first.reference) : json();
    row["n_labels"] = labels[task].size();
    json outputs = json::array();
    for (const ConfigKey& l : labels[task]) {
      const auto it = recs.find(l);
      if (it == recs.end()) continue;
      json o = config_json(l);
      o["candidate"] = it->second->candidate ? json(*it->second->candidate) : json();
      o["metrics"] = metrics_json(it->second->metrics);
      outputs.push_back(o);
    }
    row["outputs"] = outputs;
    out.push_back(row);
  }
  return out;
}

}  // namespace qualm::analysis
