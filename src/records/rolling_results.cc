#include "records/rolling_results.h"

namespace qualm {
namespace {

template <typename DocScore>
SampleRecord record(const std::string& run_id, const ConfigKey& config, const RollingTask& task, size_t doc,
                    const DocScore& s) {
  const RollingDoc& d = task.docs[doc];
  const bool ok = s.error.empty();
  SampleRecord r;
  r.run_id = run_id;
  r.config = config;
  r.task_name = task.spec.name;
  r.task_type = task.spec.task_type.empty() ? task.spec.output_type.text : task.spec.task_type;
  r.sample_id = d.doc_id;
  r.prompt = d.text;
  if (ok) {
    r.prompt_tokens = s.n_tokens;
    r.output_tokens = 0;
    r.metrics = s.metrics;
  } else {
    r.error = s.error;
  }
  // No token is ever dropped (SPEC's truncation); a document longer than one window is scored
  // in n_windows windows, as lm-eval's rolling scheme does.
  r.truncated = false;
  r.n_windows = s.n_windows;
  r.unknown_tokens = s.unknown_tokens;
  r.source = d.where;
  if (!d.id.empty()) r.doc_key = d.id;
  if (!d.category.empty()) r.category = d.category;
  return r;
}

}  // namespace

SampleRecord rolling_sample_record(const std::string& run_id, const ConfigKey& config, const RollingTask& task,
                                   const RollingTaskScores& scores, size_t doc, bool with_tokens) {
  SampleRecord r = record(run_id, config, task, doc, scores.docs[doc]);
  if (with_tokens && scores.docs[doc].error.empty()) {
    r.tokens.emplace(scores.docs[doc].targets.begin(), scores.docs[doc].targets.end());
    r.token_logprobs = scores.docs[doc].token_logprobs;
  }
  return r;
}

SampleRecord kld_sample_record(const std::string& run_id, const ConfigKey& config, const KldTask& task,
                               const KldTaskScores& scores, size_t doc, const std::string& base_model) {
  const KldDocScore& s = scores.docs[doc];
  SampleRecord r = record(run_id, config, task, doc, s);
  r.base_model = base_model;
  // The document's mergeable KLD state: every figure of a set of documents, percentiles
  // included, is the merge of theirs (records/results_json.h).
  if (s.error.empty()) r.kld_state = s.state;
  if (task.spec.continuation_tokens && s.error.empty()) {  // the base's continuation is what was scored
    r.candidate = s.continuation;
    r.prompt_tokens = s.context_tokens;
    r.output_tokens = s.n_tokens;
  }
  return r;
}

}  // namespace qualm
