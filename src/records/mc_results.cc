#include "records/mc_results.h"

#include <cstdio>

#include "records/error_record.h"

namespace qualm {
namespace {

const std::vector<std::string> kAllMetrics = {"acc", "acc_norm", "acc_bytes", "acc_token_mean"};

bool predicted(const McDocScore& s, const std::string& name, int gold) {
  if (name == "acc_norm") return s.pred_norm == gold;
  if (name == "acc_bytes") return s.pred_bytes == gold;
  if (name == "acc_token_mean") return s.pred_token_mean == gold;
  return s.pred_acc == gold;
}

}  // namespace

std::vector<std::string> task_metrics(const TaskSpec& spec) { return spec.metrics.empty() ? kAllMetrics : spec.metrics; }

nlohmann::json mc_sample_record(const RunLabels& labels, const McTask& task, const McTaskScores& scores, size_t doc,
                                bool with_tokens) {
  const McDoc& d = task.docs[doc];
  const McDocScore& s = scores.scores[doc];
  if (!s.error.empty()) {
    const std::string type = task.spec.task_type.empty() ? "multiple_choice" : task.spec.task_type;
    nlohmann::json r = error_sample_record(labels, {task.spec.name, type, task.doc_ids[doc], 0, d.context}, s.error);
    r["reference"] = d.choices[d.gold];
    r["gold"] = d.gold;
    r["unknown_tokens"] = s.unknown_tokens;
    r["source"] = task.wheres[doc];
    return r;
  }
  nlohmann::json choices = nlohmann::json::array();
  for (size_t c = 0; c < d.choices.size(); ++c) {
    const ChoiceOutcome& o = scores.choices[doc][c];
    choices.push_back({{"text", d.choices[c]},
                       {"loglikelihood", o.loglikelihood},
                       {"n_tokens", o.n_tokens},
                       {"is_greedy", o.is_greedy},
                       {"token_mean", s.token_mean[c]}});
    if (with_tokens) {
      choices.back()["sequence"] = o.sequence;
      choices.back()["token_logprobs"] = o.token_logprobs;
    }
  }
  nlohmann::json metrics = nlohmann::json::object();
  for (const std::string& name : task_metrics(task.spec)) metrics[name] = predicted(s, name, d.gold) ? 1.0 : 0.0;
  int output_tokens = 0;
  for (const ChoiceOutcome& o : scores.choices[doc]) output_tokens += o.n_tokens;
  return {{"run_id", labels.run_id},
          {"model", labels.model},
          {"variant", labels.variant},
          {"backend", labels.backend},
          {"task_name", task.spec.name},
          {"task_type", task.spec.task_type.empty() ? "multiple_choice" : task.spec.task_type},
          {"sample_id", task.doc_ids[doc]},
          {"rep", 0},
          {"seed", nullptr},
          {"temperature", nullptr},
          {"prompt", d.context},
          {"reference", d.choices[d.gold]},
          {"candidate", d.choices[s.pred_acc]},
          {"choices", choices},
          {"gold", d.gold},
          {"pred", {{"acc", s.pred_acc}, {"acc_norm", s.pred_norm}, {"acc_bytes", s.pred_bytes},
                    {"acc_token_mean", s.pred_token_mean}}},
          {"correct", s.pred_acc == d.gold},
          {"gen_time_ms", nullptr},
          {"prompt_tokens", scores.prompt_tokens[doc]},
          {"output_tokens", output_tokens},
          {"truncated", static_cast<bool>(scores.truncated[doc])},
          {"unknown_tokens", s.unknown_tokens},
          {"split_differs", s.split_differs},
          {"metrics", metrics},
          {"source", task.wheres[doc]},
          {"error", nullptr}};
}

}  // namespace qualm
