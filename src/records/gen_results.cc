#include "records/gen_results.h"

namespace qualm {

nlohmann::json count_json(std::optional<int> n) { return n ? nlohmann::json(*n) : nlohmann::json(nullptr); }

SampleRecord gen_sample_record(const std::string& run_id, const ConfigKey& config, const GenTask& task,
                               const GenTaskScores& scores, size_t doc, uint64_t seed, double temperature, int rep,
                               bool log_tokens) {
  const GenDoc& d = task.docs[doc];
  const GenOutcome& o = scores.outcomes[doc];
  const bool ok = o.generated.ok();
  SampleRecord r;
  r.run_id = run_id;
  r.config = config;
  r.task_name = task.spec.name;
  r.task_type = task.spec.task_type.empty() ? task_kind_name(TaskKind::kGenerate) : task.spec.task_type;
  // A multiple-choice task answered by generation says so: its records are generate records.
  if (task.spec.chat.mc_mode == McMode::kGenerate) r.task_type = "multiple_choice_generate";
  if (d.gold >= 0) r.gold = d.gold;
  r.sample_id = d.doc_id;
  r.rep = rep;
  r.seed = seed;
  r.temperature = task.spec.generation.temperature.value_or(temperature);
  r.prompt = d.prompt;
  if (task.spec.chat.any()) r.chat = task.spec.chat;
  if (!d.messages.empty()) r.messages = d.messages;
  r.reference = d.reference;
  r.raw_output.emplace();
  r.stop_reason.emplace();
  if (ok) {
    r.candidate = o.candidate;
    r.raw_output->emplace(o.generated.text);
    r.gen_time_ms = o.generated.prompt_ms + o.generated.generate_ms;
    if (o.generated.prompt_tokens) r.prompt_tokens = *o.generated.prompt_tokens;
    if (o.generated.output_tokens) r.output_tokens = *o.generated.output_tokens;
    r.stop_reason->emplace(o.generated.stop_reason);
    if (!o.generated.steps.empty()) r.top_logprobs = o.generated.steps;
    if (log_tokens && !o.generated.steps.empty()) {
      r.tokens.emplace(o.generated.prompt_ids.begin(), o.generated.prompt_ids.end());
      for (const auto& step : o.generated.steps) r.tokens->push_back(step.front().id);
    }
    if (!task.spec.filter_list.empty()) r.filtered = o.filtered;
    if (!o.code_results.empty()) r.code_results = o.code_results;
    if (!o.more.empty()) {
      r.raw_outputs.emplace(1, o.generated.text);
      for (const GenerateResult& g : o.more) r.raw_outputs->push_back(g.text);
    }
  } else {
    r.error = o.generated.error;
  }
  r.truncated = o.generated.truncated;
  r.unknown_tokens = o.generated.unknown_tokens;
  if (!o.generated.endpoint.empty()) r.endpoint = o.generated.endpoint;
  r.metrics = o.metrics;
  r.source = d.where;
  if (!d.id.empty()) r.doc_key = d.id;
  if (!d.category.empty()) r.category = d.category;
  return r;
}

}  // namespace qualm
