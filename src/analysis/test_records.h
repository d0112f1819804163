#pragma once
// Records in samples.jsonl's shape, for the analyses' unit tests.

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "analysis/run_data.h"
#include "records/test_records.h"

namespace qualm::analysis::testing {

using test_records::typed;
using test_records::typed_all;

// make_run_data over records written as samples.jsonl lines.
inline RunData run_of(nlohmann::json manifest, const std::vector<nlohmann::json>& records) {
  return make_run_data(std::move(manifest), typed_all(records));
}

inline nlohmann::json record(const std::string& variant, const std::string& backend, const std::string& task,
                             int sample_id, nlohmann::json metrics, const std::string& task_type = "summarization",
                             int rep = 0) {
  return {{"model", "m"},        {"variant", variant}, {"backend", backend},       {"task_name", task},
          {"task_type", task_type}, {"sample_id", sample_id}, {"rep", rep},      {"metrics", std::move(metrics)},
          {"error", nullptr},    {"temperature", 0.0},  {"candidate", "c" + std::to_string(sample_id)}};
}

}  // namespace qualm::analysis::testing
