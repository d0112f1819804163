#include "records/mc_results.h"

#include <cmath>
#include <map>

#include "records/error_record.h"
#include "tasks/task_docs.h"

namespace qualm {
std::vector<std::string> task_metrics(const TaskSpec& spec) { return spec.metrics.empty() ? mc_metrics_of(spec) : spec.metrics; }

SampleRecord mc_sample_record(const std::string& run_id, const ConfigKey& config, const McTask& task,
                              const McTaskScores& scores, size_t doc, bool with_tokens) {
  const McDoc& d = task.docs[doc];
  const McDocScore& s = scores.scores[doc];
  const std::string type =
      task.spec.task_type.empty() ? task_kind_name(TaskKind::kMultipleChoice) : task.spec.task_type;
  if (!s.error.empty()) {
    SampleRecord r = error_sample_record(run_id, config, {task.spec.name, type, task.doc_ids[doc], 0, d.context, std::nullopt},
                                         s.error);
    r.reference = d.choices[d.gold];
    r.gold = d.gold;
    r.unknown_tokens = s.unknown_tokens;
    r.source = task.wheres[doc];
    return r;
  }
  SampleRecord r;
  r.run_id = run_id;
  r.config = config;
  r.task_name = task.spec.name;
  r.task_type = type;
  r.sample_id = task.doc_ids[doc];
  r.prompt = d.context;
  if (task.spec.chat.any()) r.chat = task.spec.chat;
  if (!d.messages.empty()) r.messages = d.messages;
  r.reference = d.choices[d.gold];
  r.candidate = d.choices[s.pred_acc];
  r.choices.emplace();
  int64_t output_tokens = 0;
  for (size_t c = 0; c < d.choices.size(); ++c) {
    const ChoiceOutcome& o = scores.choices[doc][c];
    ChoiceRecord choice{d.choices[c], o.loglikelihood, o.n_tokens, o.is_greedy, s.token_mean[c], {}, {}};
    if (with_tokens) {
      choice.sequence.emplace(o.sequence.begin(), o.sequence.end());
      choice.token_logprobs = o.token_logprobs;
    }
    r.choices->push_back(std::move(choice));
    output_tokens += o.n_tokens;
  }
  r.gold = d.gold;
  if (scores_one_continuation(task.spec)) {
    // lm-eval's loglikelihood: acc is whether the continuation is the greedy one; a record's
    // perplexity is exp(-ll), and the task's exp(-mean ll) (metric_aggregation.h).
    const ChoiceOutcome& o = scores.choices[doc][0];
    r.correct = o.is_greedy;
    const std::map<std::string, double> values = {{"acc", o.is_greedy ? 1.0 : 0.0},
                                                  {"perplexity", std::exp(-o.loglikelihood)}};
    for (const std::string& name : task_metrics(task.spec)) r.metrics[name] = values.at(name);
  } else {
    r.pred = McPredictions{s.pred_acc, s.pred_norm, s.pred_bytes, s.pred_token_mean};
    r.correct = s.pred_acc == d.gold;
  }
  r.prompt_tokens = scores.prompt_tokens[doc];
  r.output_tokens = output_tokens;
  r.truncated = static_cast<bool>(scores.truncated[doc]);
  r.unknown_tokens = s.unknown_tokens;
  r.split_differs = s.split_differs;
  r.continuation = d.continuation;
  if (r.pred) {
    for (const std::string& name : task_metrics(task.spec)) r.metrics[name] = *r.chose_gold(name) ? 1.0 : 0.0;
  }
  r.source = task.wheres[doc];
  if (doc < scores.endpoints.size() && !scores.endpoints[doc].empty()) r.endpoint = scores.endpoints[doc];
  return r;
}

}  // namespace qualm
