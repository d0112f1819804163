#include "records/error_record.h"

namespace qualm {

SampleRecord error_sample_record(const std::string& run_id, const ConfigKey& config, const FailedSample& s,
                                 const std::string& why) {
  SampleRecord r;
  r.run_id = run_id;
  r.config = config;
  r.task_name = s.task_name;
  r.task_type = s.task_type;
  r.sample_id = s.sample_id;
  r.rep = s.rep;
  r.temperature = s.temperature;
  r.prompt = s.prompt;
  r.error = why;
  return r;
}

}  // namespace qualm
