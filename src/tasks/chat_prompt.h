#pragma once
// A prompt's parts, joined as lm-evaluation-harness's fewshot_context joins them: as one text,
// or (apply_chat_template) as chat messages.
//
// Text: the system prompt (lm-eval's system_instruction, then fewshot_delimiter and the
// description when both are set), each shot as question + target_delimiter + answer +
// fewshot_delimiter, the question, and target_delimiter + gen_prefix when set.
// Messages: that system prompt as a system turn; the shots as one user turn, or under
// fewshot_as_multiturn as user/assistant turns; the question appended to the last user turn
// (a turn of its own after a system turn or under fewshot_as_multiturn); gen_prefix as a final
// assistant turn, the prefix the reply continues. A shot's answer starts with gen_prefix + " "
// when gen_prefix is set, in both forms.

#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "config/task_spec.h"
#include "tasks/template.h"

namespace qualm {

struct Shot {
  std::string question, answer;
};

struct PromptParts {
  std::string description;  // rendered; "" when the task has none
  std::vector<Shot> shots;
  std::string question;
  std::optional<std::string> gen_prefix;  // rendered
};

// The task's gen_prefix as a template over the document (lm-eval's doc_to_prefix), after
// check_chat; nullopt when it has none.
std::optional<Template> gen_prefix_template(const TaskSpec& spec);

std::string plain_prompt(const PromptParts& parts, const TaskSpec& spec);
std::vector<ChatMessage> chat_messages(const PromptParts& parts, const TaskSpec& spec);

}  // namespace qualm
