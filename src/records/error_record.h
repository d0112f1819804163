#pragma once
// The samples.jsonl record of a sample that could not be scored: SPEC S5's fields, the
// values null, the reason in "error". Every path that fails a sample writes this one shape.

#include <nlohmann/json.hpp>

#include <string>

#include "records/mc_results.h"

namespace qualm {

struct FailedSample {
  std::string task_name;
  std::string task_type;
  int64_t sample_id = 0;
  int rep = 0;
  std::string prompt;
  nlohmann::json temperature = nullptr;  // generation tasks: the temperature it would have used
};

nlohmann::json error_sample_record(const RunLabels& labels, const FailedSample& sample, const std::string& why);

}  // namespace qualm
