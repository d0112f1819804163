#include "records/rolling_results.h"

#include <cstdio>

namespace qualm {
namespace {

nlohmann::json task_row(const TaskSpec& spec, const std::map<std::string, double>& summary, size_t n) {
  nlohmann::json row = nlohmann::json::object();
  for (const std::string& name : rolling_task_metrics(spec)) {
    auto it = summary.find(name);
    row[name] = it == summary.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second);
  }
  row["n"] = n;
  return row;
}

template <typename Scores>
nlohmann::json details(const RollingTask& task, const Scores& scores) {
  return {{"output_type", task.spec.output_type.text},
          {"task_type", task.spec.task_type},
          {"dataset", task.dataset_file},
          {"dataset_docs", task.total_docs},
          {"windows", "lm-eval rolling: the backend's window, every token scored once"},
          {"multi_window_docs", scores.n_truncated},
          {"errors", scores.n_errors},
          {"unknown_tokens", scores.unknown_tokens},
          {"docs_with_unknown_tokens", scores.docs_with_unknown},
          {"summary", scores.summary},
          {"task_file", task.spec.file.string()}};
}

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

void print_rows(std::ostream& out, const std::string& name, size_t n, const std::vector<std::string>& metrics,
                const std::map<std::string, double>& summary) {
  char line[256];
  for (size_t k = 0; k < metrics.size(); ++k) {
    auto it = summary.find(metrics[k]);
    std::snprintf(line, sizeof line, "%-44s %6s %6s  %-15s %8.4f\n", k == 0 ? name.c_str() : "",
                  k == 0 ? std::to_string(n).c_str() : "", "", metrics[k].c_str(),
                  it == summary.end() ? 0.0 : it->second);
    out << line;
  }
}

}  // namespace

void add_rolling_results(nlohmann::json& results, std::span<const RollingTask> tasks,
                         std::span<const RollingTaskScores> scores) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    results["results"][tasks[i].spec.name] = task_row(tasks[i].spec, scores[i].summary, tasks[i].docs.size() - scores[i].n_errors);
    results["tasks"][tasks[i].spec.name] = details(tasks[i], scores[i]);
  }
}

void add_kld_results(nlohmann::json& results, std::span<const KldTask> tasks, std::span<const KldTaskScores> scores,
                     const std::string& base_model) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    results["results"][tasks[i].spec.name] = task_row(tasks[i].spec, scores[i].summary, tasks[i].docs.size() - scores[i].n_errors);
    nlohmann::json d = details(tasks[i], scores[i]);
    d["base_model"] = base_model;
    d["categories"] = scores[i].categories;
    results["tasks"][tasks[i].spec.name] = d;
  }
}

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

void print_rolling_table(std::ostream& out, std::span<const RollingTask> tasks, std::span<const RollingTaskScores> scores) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    print_rows(out, tasks[i].spec.name, tasks[i].docs.size(), rolling_task_metrics(tasks[i].spec), scores[i].summary);
  }
}

void print_kld_table(std::ostream& out, std::span<const KldTask> tasks, std::span<const KldTaskScores> scores) {
  const std::vector<std::string> per_category = {"kld_mean", "same_top"};
  for (size_t i = 0; i < tasks.size(); ++i) {
    print_rows(out, tasks[i].spec.name, tasks[i].docs.size(), rolling_task_metrics(tasks[i].spec), scores[i].summary);
    std::map<std::string, size_t> docs;
    for (const RollingDoc& d : tasks[i].docs) ++docs[d.category];
    for (const auto& [category, summary] : scores[i].categories) {
      print_rows(out, " - " + category, docs[category], per_category, summary);
    }
  }
}

}  // namespace qualm
