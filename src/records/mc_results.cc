#include "records/mc_results.h"

#include <cstdio>

#include "records/error_record.h"

namespace qualm {
namespace {

const std::vector<std::string> kAllMetrics = {"acc", "acc_norm", "acc_bytes", "acc_token_mean"};

const McMetric& metric_of(const McMetrics& m, const std::string& name) {
  if (name == "acc_norm") return m.acc_norm;
  if (name == "acc_bytes") return m.acc_bytes;
  if (name == "acc_token_mean") return m.acc_token_mean;
  return m.acc;
}

bool predicted(const McDocScore& s, const std::string& name, int gold) {
  if (name == "acc_norm") return s.pred_norm == gold;
  if (name == "acc_bytes") return s.pred_bytes == gold;
  if (name == "acc_token_mean") return s.pred_token_mean == gold;
  return s.pred_acc == gold;
}

nlohmann::json metrics_json(const McMetrics& m, const std::vector<std::string>& names) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& name : names) {
    out[name] = metric_of(m, name).value;
    out[name + "_stderr"] = metric_of(m, name).stderr_;
  }
  out["n"] = m.n;
  return out;
}

}  // namespace

std::vector<std::string> task_metrics(const TaskSpec& spec) { return spec.metrics.empty() ? kAllMetrics : spec.metrics; }

nlohmann::json mc_results_json(std::span<const McTask> tasks, std::span<const McTaskScores> scores,
                               std::span<const McGroupResult> groups) {
  nlohmann::json results = nlohmann::json::object();
  nlohmann::json details = nlohmann::json::object();
  for (size_t i = 0; i < tasks.size(); ++i) {
    const McTask& t = tasks[i];
    results[t.spec.name] = metrics_json(scores[i].metrics, task_metrics(t.spec));
    details[t.spec.name] = {{"num_fewshot", t.num_fewshot},
                            {"dataset", t.dataset_file},
                            {"dataset_docs", t.total_docs},
                            {"truncated", scores[i].n_truncated},
                            {"errors", scores[i].n_errors},
                            {"unknown_tokens", scores[i].unknown_tokens},
                            {"docs_with_unknown_tokens", scores[i].docs_with_unknown},
                            {"split_differs", scores[i].metrics.split_differs},
                            {"task_file", t.spec.file.string()}};
    if (!t.group.empty()) details[t.spec.name]["group"] = t.group;
  }
  nlohmann::json group_json = nlohmann::json::object();
  for (const McGroupResult& g : groups) {
    results[g.name] = metrics_json(g.metrics, kAllMetrics);
    int truncated = 0;
    nlohmann::json members = nlohmann::json::array();
    for (size_t m : g.members) {
      members.push_back(tasks[m].spec.name);
      truncated += scores[m].n_truncated;
    }
    group_json[g.name] = {{"tasks", members}, {"aggregation", "micro (mean over every document)"},
                          {"truncated", truncated}};
  }
  return {{"results", results}, {"tasks", details}, {"groups", group_json}};
}

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

void print_mc_table(std::ostream& out, std::span<const McTask> tasks, std::span<const McTaskScores> scores,
                    std::span<const McGroupResult> groups) {
  char line[256];
  std::snprintf(line, sizeof line, "%-44s %6s %6s  %-15s %8s   %8s\n", "task", "n", "shots", "metric", "value",
                "stderr");
  out << line;
  const auto rows = [&](const std::string& name, const McMetrics& m, const std::string& shots,
                        const std::vector<std::string>& metrics) {
    for (size_t k = 0; k < metrics.size(); ++k) {
      const McMetric& x = metric_of(m, metrics[k]);
      std::snprintf(line, sizeof line, "%-44s %6s %6s  %-15s %8.4f ± %8.4f\n", k == 0 ? name.c_str() : "",
                    k == 0 ? std::to_string(m.n).c_str() : "", k == 0 ? shots.c_str() : "", metrics[k].c_str(),
                    x.value, x.stderr_);
      out << line;
    }
  };
  for (const McGroupResult& g : groups) {
    rows(g.name, g.metrics, std::to_string(tasks[g.members.front()].num_fewshot), kAllMetrics);
    for (size_t m : g.members) {
      rows(" - " + tasks[m].spec.name, scores[m].metrics, std::to_string(tasks[m].num_fewshot),
           task_metrics(tasks[m].spec));
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].group.empty()) continue;
    rows(tasks[i].spec.name, scores[i].metrics, std::to_string(tasks[i].num_fewshot), task_metrics(tasks[i].spec));
  }
}

}  // namespace qualm
