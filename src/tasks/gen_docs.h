#pragma once
// A generate task file turned into prompts and references: the prompt is description +
// doc_to_text (few-shot shots as for multiple choice, each ending in its reference), the
// reference is doc_to_target when the task has one.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "config/task_spec.h"

namespace qualm {

struct GenDoc {
  std::string prompt;  // the whole prompt as text (tasks/chat_prompt.h)
  std::optional<std::string> reference;  // absent when the template gives "" 
  int doc_id = 0;       // index in the dataset
  std::string id = {};       // the document's own "id" field when it has one
  std::string where = {};    // file:line
  std::string category = {}; // the document's "category" field when it has one (prompt_suite_96)
  std::vector<ChatMessage> messages = {};  // apply_chat_template: the prompt as chat turns
  // mc_mode generate: the options, and the gold one's index (the reference is its letter).
  std::vector<std::string> choices = {};
  int gold = -1;
};

struct GenTask {
  TaskSpec spec;
  std::string group;
  size_t total_docs = 0;
  std::string dataset_file;
  std::vector<GenDoc> docs;
};

// Throws InputError naming file:line and the field for a missing field or a template error.
// A multiple_choice task under mc_mode generate becomes the generate task that asks its
// lettered questions (tasks/choice_answer.h): metrics acc_generate and refused.
GenTask build_gen_task(const TaskSpec& spec, const std::string& group, const std::filesystem::path& data_dir,
                       int limit);

// The metrics a generate task reports: its metrics: list, else its task_type's group (SPEC S4);
// a multiple-choice task answered by generation, acc_generate and refused.
std::vector<std::string> generation_metrics(const TaskSpec& spec);

}  // namespace qualm
