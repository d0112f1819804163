#pragma once
// Records in samples.jsonl's shape, for the analyses' unit tests.

#include <nlohmann/json.hpp>

#include <string>

namespace qualm::analysis::testing {

inline nlohmann::json record(const std::string& variant, const std::string& backend, const std::string& task,
                             int sample_id, nlohmann::json metrics, const std::string& task_type = "summarization",
                             int rep = 0) {
  return {{"model", "m"},        {"variant", variant}, {"backend", backend},       {"task_name", task},
          {"task_type", task_type}, {"sample_id", sample_id}, {"rep", rep},      {"metrics", std::move(metrics)},
          {"error", nullptr},    {"temperature", 0.0},  {"candidate", "c" + std::to_string(sample_id)}};
}

}  // namespace qualm::analysis::testing
