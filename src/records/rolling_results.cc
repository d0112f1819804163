#include "records/rolling_results.h"

#include <cstdio>

namespace qualm {
namespace {

template <typename DocScore>
nlohmann::json record(const RunLabels& labels, const RollingTask& task, size_t doc, const DocScore& s) {
  const RollingDoc& d = task.docs[doc];
  const bool ok = s.error.empty();
  nlohmann::json r = {{"run_id", labels.run_id},
                      {"model", labels.model},
                      {"variant", labels.variant},
                      {"backend", labels.backend},
                      {"task_name", task.spec.name},
                      {"task_type", task.spec.task_type.empty() ? task.spec.output_type.text : task.spec.task_type},
                      {"sample_id", d.doc_id},
                      {"rep", 0},
                      {"seed", nullptr},
                      {"temperature", nullptr},
                      {"prompt", d.text},
                      {"reference", nullptr},
                      {"candidate", nullptr},
                      {"choices", nullptr},
                      {"correct", nullptr},
                      {"gen_time_ms", nullptr},
                      {"prompt_tokens", ok ? nlohmann::json(s.n_tokens) : nlohmann::json(nullptr)},
                      {"output_tokens", ok ? nlohmann::json(0) : nlohmann::json(nullptr)},
                      // No token is ever dropped (SPEC's truncation); a document longer than one
                      // window is scored in n_windows windows, as lm-eval's rolling scheme does.
                      {"truncated", false},
                      {"n_windows", s.n_windows},
                      {"unknown_tokens", s.unknown_tokens},
                      {"metrics", ok ? nlohmann::json(s.metrics) : nlohmann::json::object()},
                      {"source", d.where},
                      {"error", ok ? nlohmann::json(nullptr) : nlohmann::json(s.error)}};
  if (!d.id.empty()) r["doc_key"] = d.id;
  if (!d.category.empty()) r["category"] = d.category;
  return r;
}

}  // namespace

nlohmann::json rolling_sample_record(const RunLabels& labels, const RollingTask& task, const RollingTaskScores& scores,
                                     size_t doc, bool with_tokens) {
  nlohmann::json r = record(labels, task, doc, scores.docs[doc]);
  if (with_tokens && scores.docs[doc].error.empty()) {
    r["tokens"] = scores.docs[doc].targets;
    r["token_logprobs"] = scores.docs[doc].token_logprobs;
  }
  return r;
}

nlohmann::json kld_sample_record(const RunLabels& labels, const KldTask& task, const KldTaskScores& scores, size_t doc,
                                 const std::string& base_model) {
  const KldDocScore& s = scores.docs[doc];
  nlohmann::json r = record(labels, task, doc, s);
  r["base_model"] = base_model;
  // The document's mergeable KLD state: every figure of a set of documents, percentiles
  // included, is the merge of theirs (records/results_json.h).
  if (s.error.empty()) r["kld_state"] = s.state.to_json();
  if (task.spec.continuation_tokens && s.error.empty()) {  // the base's continuation is what was scored
    r["candidate"] = s.continuation;
    r["prompt_tokens"] = s.context_tokens;
    r["output_tokens"] = s.n_tokens;
  }
  return r;
}

}  // namespace qualm
