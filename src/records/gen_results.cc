#include "records/gen_results.h"

#include <cstdio>

#include "eval/gen_eval.h"

namespace qualm {

void add_gen_results(nlohmann::json& results, std::span<const GenTask> tasks, std::span<const GenTaskScores> scores) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (const auto& [name, m] : scores[i].summary) {
      row[name] = m.value;
      row[name + "_stderr"] = m.stderr_ ? nlohmann::json(*m.stderr_) : nlohmann::json(nullptr);
    }
    row["n"] = tasks[i].docs.size() - static_cast<size_t>(scores[i].n_errors);
    results["results"][tasks[i].spec.name] = row;
    nlohmann::json aggregation = nlohmann::json::object();
    for (const auto& [name, m] : scores[i].summary) aggregation[name] = {{"aggregation", m.aggregation}, {"n", m.n}};
    results["tasks"][tasks[i].spec.name] = {{"output_type", "generate"},
                                            {"task_type", tasks[i].spec.task_type},
                                            {"dataset", tasks[i].dataset_file},
                                            {"dataset_docs", tasks[i].total_docs},
                                            {"truncated", scores[i].n_truncated},
                                            {"errors", scores[i].n_errors},
                                            {"unknown_tokens", scores[i].unknown_tokens},
                                            {"docs_with_unknown_tokens", scores[i].docs_with_unknown},
                                            {"metrics", aggregation},
                                            {"skipped_metrics", scores[i].skipped},
                                            {"task_file", tasks[i].spec.file.string()}};
  }
}

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

void print_gen_table(std::ostream& out, std::span<const GenTask> tasks, std::span<const GenTaskScores> scores) {
  char line[256];
  for (size_t i = 0; i < tasks.size(); ++i) {
    bool first = true;
    for (const auto& [name, m] : scores[i].summary) {
      std::snprintf(line, sizeof line, "%-44s %6s %6s  %-15s %8.4f", first ? tasks[i].spec.name.c_str() : "",
                    first ? std::to_string(tasks[i].docs.size()).c_str() : "", "", name.c_str(), m.value);
      out << line;
      if (m.stderr_) {
        std::snprintf(line, sizeof line, " ± %8.4f", *m.stderr_);
        out << line;
      }
      out << (m.aggregation == "corpus" ? "  (corpus)\n" : "\n");
      first = false;
    }
    for (const auto& [name, why] : scores[i].skipped) {
      std::snprintf(line, sizeof line, "%-44s %6s %6s  ", first ? tasks[i].spec.name.c_str() : "", "", "");
      out << line << name << ": skipped, " << why << "\n";
      first = false;
    }
  }
}

}  // namespace qualm
