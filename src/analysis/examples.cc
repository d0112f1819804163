#include "analysis/examples.h"

#include <algorithm>
#include <map>

namespace qualm::analysis {
namespace {

using nlohmann::json;

// Numbers before strings; numbers by value, strings by text.
struct IdLess {
  bool operator()(const json& a, const json& b) const {
    if (a.is_number() != b.is_number()) return a.is_number();
    if (a.is_number()) return a.get<double>() < b.get<double>();
    return a.dump() < b.dump();
  }
};

}  // namespace

json side_by_side_examples(const RunData& run) {
  std::vector<std::string> tasks;
  std::map<std::string, std::vector<Label>> labels;                                // task -> labels, in order
  std::map<std::string, std::map<json, std::map<Label, const json*>, IdLess>> by;  // task -> id -> label -> record
  for (const json* r : run.ok_records()) {
    if (run.kind_of(*r) != "generate") continue;
    const std::string task = r->value("task_name", "");
    const Label l = label_of(*r);
    if (!labels.count(task)) tasks.push_back(task);
    auto& ls = labels[task];
    if (std::find(ls.begin(), ls.end(), l) == ls.end()) ls.push_back(l);
    if (r->value("rep", 0) != 0) continue;
    by[task][r->value("sample_id", json())].try_emplace(l, r);
  }
  json out = json::array();
  for (const std::string& task : tasks) {
    const auto& ids = by[task];
    const json* chosen_id = nullptr;
    size_t best = 0;
    for (const auto& [id, recs] : ids) {  // ascending ids: the first with the most labels wins
      if (recs.size() > best) {
        best = recs.size();
        chosen_id = &id;
      }
    }
    if (chosen_id == nullptr) continue;
    const auto& recs = ids.at(*chosen_id);
    const json& first = *recs.begin()->second;
    json row = {{"task_name", task}, {"sample_id", *chosen_id}, {"rep", 0}};
    if (first.contains("doc_key")) row["doc_key"] = first["doc_key"];
    row["prompt"] = first.value("prompt", json());
    row["reference"] = first.value("reference", json());
    row["n_labels"] = labels[task].size();
    json outputs = json::array();
    for (const Label& l : labels[task]) {
      const auto it = recs.find(l);
      if (it == recs.end()) continue;
      json o = label_json(l);
      o["candidate"] = it->second->value("candidate", json());
      o["metrics"] = it->second->value("metrics", json::object());
      outputs.push_back(o);
    }
    row["outputs"] = outputs;
    out.push_back(row);
  }
  return out;
}

}  // namespace qualm::analysis
