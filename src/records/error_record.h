#pragma once
// The samples.jsonl record of a sample that could not be scored: SPEC S5's fields, the
// values null, the reason in "error". Every path that fails a sample writes this one shape.

#include <optional>
#include <string>

#include "records/sample_record.h"

namespace qualm {

struct FailedSample {
  std::string task_name;
  std::string task_type;
  int64_t sample_id = 0;
  int rep = 0;
  std::string prompt;
  std::optional<double> temperature;  // generate tasks: the temperature it would have used
};

SampleRecord error_sample_record(const std::string& run_id, const ConfigKey& config, const FailedSample& sample,
                                 const std::string& why);

}  // namespace qualm
