#pragma once
// How a task's prompt reaches an instruct model, as lm-evaluation-harness's switches define it
// (--apply_chat_template, --system_instruction, --fewshot_as_multiturn and the task key
// gen_prefix), and whether a multiple-choice task is scored by log-likelihood or answered by
// generation (mc_mode: for chat APIs that return no prompt log-probs). Declared once: task
// files, experiments (defaults: and each task) and qualm eval's flags all set the same keys, and
// records and the manifest carry them under "chat".

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace qualm {

// loglikelihood: each choice scored as a continuation (lm-eval's multiple_choice). generate: the
// question with lettered options is answered by generation and the letter (or the option's
// text) read from the reply (tasks/choice_answer.h); metrics acc_generate and refused.
enum class McMode { kLoglikelihood, kGenerate };
const char* mc_mode_name(McMode m);
std::optional<McMode> parse_mc_mode(const std::string& name);

struct ChatSettings {
  bool apply_chat_template = false;          // the GGUF's tokenizer.chat_template around the messages
  std::optional<std::string> system_prompt;  // lm-eval's system_instruction
  bool fewshot_as_multiturn = false;         // shots as user/assistant turns (needs the template)
  std::optional<std::string> gen_prefix;     // a template: the assistant's reply starts with it
  McMode mc_mode = McMode::kLoglikelihood;   // multiple_choice tasks
  bool any() const {
    return apply_chat_template || system_prompt || fewshot_as_multiturn || gen_prefix ||
           mc_mode != McMode::kLoglikelihood;
  }
  nlohmann::json to_json() const;
  static ChatSettings from_json(const nlohmann::json& j);  // what to_json wrote
  auto operator<=>(const ChatSettings&) const = default;
};

// The keys, as task files, experiments and records spell them.
inline const std::vector<std::string> kChatKeys = {"apply_chat_template", "system_prompt", "fewshot_as_multiturn",
                                                   "gen_prefix", "mc_mode"};

// Some of the keys, as one source sets them; applied over another's settings (a task file's,
// then the experiment's defaults:, then its task entry, then qualm eval's flags).
struct ChatOverrides {
  std::optional<bool> apply_chat_template;
  std::optional<std::string> system_prompt;
  std::optional<bool> fewshot_as_multiturn;
  std::optional<std::string> gen_prefix;
  std::optional<McMode> mc_mode;
  void apply_to(ChatSettings& s) const;
};

// Why these settings cannot be used ("" when they can): fewshot_as_multiturn needs the template.
std::string chat_settings_problem(const ChatSettings& s);

}  // namespace qualm
