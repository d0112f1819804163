#include "records/gen_results.h"

#include <cstdio>

#include "eval/gen_eval.h"

namespace qualm {

nlohmann::json count_json(std::optional<int> n) { return n ? nlohmann::json(*n) : nlohmann::json(nullptr); }

nlohmann::json gen_sample_record(const RunLabels& labels, const GenTask& task, const GenTaskScores& scores, size_t doc,
                                 uint64_t seed, double temperature, int rep) {
  const GenDoc& d = task.docs[doc];
  const GenOutcome& o = scores.outcomes[doc];
  nlohmann::json record = {
      {"run_id", labels.run_id},
      {"model", labels.model},
      {"variant", labels.variant},
      {"backend", labels.backend},
      {"task_name", task.spec.name},
      {"task_type", task.spec.task_type.empty() ? "generate" : task.spec.task_type},
      {"sample_id", d.doc_id},
      {"rep", rep},
      {"seed", seed},
      {"temperature", task.spec.generation.temperature.value_or(temperature)},
      {"prompt", d.prompt},
      {"reference", d.reference ? nlohmann::json(*d.reference) : nlohmann::json(nullptr)},
      {"candidate", o.generated.ok() ? nlohmann::json(o.candidate) : nlohmann::json(nullptr)},
      {"raw_output", o.generated.ok() ? nlohmann::json(o.generated.text) : nlohmann::json(nullptr)},
      {"choices", nullptr},
      {"correct", nullptr},
      {"gen_time_ms", o.generated.ok() ? nlohmann::json(o.generated.prompt_ms + o.generated.generate_ms) : nlohmann::json(nullptr)},
      {"prompt_tokens", o.generated.ok() ? count_json(o.generated.prompt_tokens) : nlohmann::json(nullptr)},
      {"output_tokens", o.generated.ok() ? count_json(o.generated.output_tokens) : nlohmann::json(nullptr)},
      {"stop_reason", o.generated.ok() ? nlohmann::json(o.generated.stop_reason) : nlohmann::json(nullptr)},
      {"truncated", o.generated.truncated},
      {"unknown_tokens", o.generated.unknown_tokens},
      {"metrics", o.metrics},
      {"source", d.where},
      {"error", o.generated.ok() ? nlohmann::json(nullptr) : nlohmann::json(o.generated.error)}};
  if (!d.id.empty()) record["doc_key"] = d.id;
  if (!d.category.empty()) record["category"] = d.category;
  return record;
}

}  // namespace qualm
