#pragma once
// A loglikelihood_rolling or kld task file turned into texts to score: each document's text is
// doc_to_target (lm-evaluation-harness scores doc_to_target in loglikelihood_rolling), else
// doc_to_text; its words and bytes, the denominators of word_perplexity and bits_per_byte, are
// counted on doc_to_text, as lm-eval's wikitext counts the page before detokenization.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "config/task_spec.h"

namespace qualm {

struct RollingDoc {
  std::string text;      // the text scored
  int64_t words = 0;     // lm-eval's len(re.split(r"\s+", doc_to_text))
  int64_t bytes = 0;     // UTF-8 bytes of doc_to_text
  int doc_id = 0;        // index in the dataset
  std::string id = {};        // the document's own "id" field when it has one
  std::string where = {};     // file:line
  std::string category = {};  // the document's "category" field when it has one
};

struct RollingTask {
  TaskSpec spec;
  std::string group;
  size_t total_docs = 0;  // in the dataset, before --limit
  std::string dataset_file;
  std::vector<RollingDoc> docs;
};

// A kld task's documents are built the same way; only their scoring differs.
using KldTask = RollingTask;

// For output_type loglikelihood_rolling or kld (else UnsupportedError). limit < 0: every
// document. Throws InputError naming file:line for a template error or an unknown metric.
RollingTask build_rolling_task(const TaskSpec& spec, const std::string& group, const std::filesystem::path& data_dir,
                               int limit);

// The summary metrics a task shows: its metrics: list, else its output_type's defaults.
std::vector<std::string> rolling_task_metrics(const TaskSpec& spec);

}  // namespace qualm
