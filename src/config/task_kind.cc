// A task's kind (what it asks of a backend) and the names it goes by (config/task_spec.h).
#include "config/task_spec.h"

namespace qualm {

TaskKind task_kind(const TaskSpec& spec) {
  const TaskKind kind = parse_task_kind(spec.output_type.text);
  // A multiple-choice task answered by generation runs as a generate task (tasks/gen_docs.h).
  return kind == TaskKind::kMultipleChoice && spec.chat.mc_mode == McMode::kGenerate ? TaskKind::kGenerate : kind;
}

TaskKind parse_task_kind(std::string_view name) {
  if (name == "multiple_choice" || name == "loglikelihood") return TaskKind::kMultipleChoice;
  if (name == "loglikelihood_rolling" || name == "perplexity") return TaskKind::kRolling;
  if (name == "kld") return TaskKind::kKld;
  return TaskKind::kGenerate;
}

bool scores_one_continuation(const TaskSpec& spec) { return spec.output_type.text == "loglikelihood"; }

std::string continuation_delimiter(const TaskSpec& spec) {
  // lm-evaluation-harness drops target_delimiter under a chat template: the choice follows the
  // assistant's turn directly.
  return scores_one_continuation(spec) || spec.chat.apply_chat_template ? "" : spec.target_delimiter;
}

const char* task_kind_name(TaskKind kind) {
  switch (kind) {
    case TaskKind::kMultipleChoice: return "multiple_choice";
    case TaskKind::kGenerate: return "generate";
    case TaskKind::kRolling: return "loglikelihood_rolling";
    case TaskKind::kKld: return "kld";
  }
  return "generate";
}

}  // namespace qualm
