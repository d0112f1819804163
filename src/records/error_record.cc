#include "records/error_record.h"

namespace qualm {

nlohmann::json error_sample_record(const RunLabels& labels, const FailedSample& s, const std::string& why) {
  return {{"run_id", labels.run_id},
          {"model", labels.model},
          {"variant", labels.variant},
          {"backend", labels.backend},
          {"task_name", s.task_name},
          {"task_type", s.task_type},
          {"sample_id", s.sample_id},
          {"rep", s.rep},
          {"seed", nullptr},
          {"temperature", s.temperature},
          {"prompt", s.prompt},
          {"reference", nullptr},
          {"candidate", nullptr},
          {"choices", nullptr},
          {"correct", nullptr},
          {"gen_time_ms", nullptr},
          {"prompt_tokens", nullptr},
          {"output_tokens", nullptr},
          {"truncated", false},
          {"metrics", nlohmann::json::object()},
          {"error", why}};
}

}  // namespace qualm
