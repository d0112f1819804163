#pragma once
// A multiple-choice task file turned into documents ready to score: dataset read and fields
// mapped, templates rendered, few-shot examples chosen, the gold index checked. Prompts are
// lm-evaluation-harness's: description + shots joined by fewshot_delimiter + doc_to_text,
// each shot being doc_to_text + target_delimiter + its gold choice.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/task_spec.h"
#include "tasks/multiple_choice.h"

namespace qualm {

struct BuildOptions {
  int limit = -1;                   // first N documents, as lm-evaluation-harness's --limit
  std::optional<int> num_fewshot;   // overrides the task file's
};

struct McTask {
  TaskSpec spec;
  std::string group;
  int num_fewshot = 0;
  size_t total_docs = 0;           // in the dataset, before --limit
  std::string dataset_file;        // as named in messages, relative to the data dir
  std::vector<McDoc> docs;         // context = the whole prompt
  std::vector<int> doc_ids;        // index of each document in its dataset
  std::vector<std::string> wheres; // file:line of each document
};

// The metrics a multiple_choice task may name, all of which it reports when it names none:
// acc, acc_norm, acc_bytes, acc_token_mean; for output_type loglikelihood, perplexity and acc.
const std::vector<std::string>& mc_metrics_of(const TaskSpec& spec);

// Throws InputError naming file:line and the field for a missing field, an answer out of
// range, a template error, or a missing dataset; UnsupportedError for an output_type other
// than multiple_choice.
McTask build_mc_task(const TaskSpec& spec, const std::string& group, const std::filesystem::path& data_dir,
                     const BuildOptions& options);

// Documents in the task's dataset, read but not rendered (for qualm tasks).
size_t count_task_docs(const TaskSpec& spec, const std::filesystem::path& data_dir);

// The task's dataset path after {{vars}} are filled in, as written (relative to the data dir,
// or "./..." relative to the task file).
std::string dataset_relative_path(const TaskSpec& spec);

// The dataset file itself.
std::filesystem::path dataset_file(const TaskSpec& spec, const std::filesystem::path& data_dir);

}  // namespace qualm
