#include "tasks/chat_prompt.h"

namespace qualm {
namespace {

std::string system_text(const PromptParts& p, const TaskSpec& spec) {
  if (!spec.chat.system_prompt) return p.description;
  return p.description.empty() ? *spec.chat.system_prompt
                               : *spec.chat.system_prompt + spec.fewshot_delimiter + p.description;
}

std::string answer_prefix(const PromptParts& p) {
  return p.gen_prefix && !p.gen_prefix->empty() ? *p.gen_prefix + " " : "";
}

std::string shots_text(const PromptParts& p, const TaskSpec& spec) {
  std::string out;
  for (const Shot& s : p.shots) {
    out += s.question + spec.target_delimiter + answer_prefix(p) + s.answer + spec.fewshot_delimiter;
  }
  return out;
}

}  // namespace

std::optional<Template> gen_prefix_template(const TaskSpec& spec) {
  check_chat(spec);
  if (!spec.chat.gen_prefix) return std::nullopt;
  return Template::parse(*spec.chat.gen_prefix, spec.chat_where.empty() ? spec.file.string() : spec.chat_where);
}

std::string plain_prompt(const PromptParts& parts, const TaskSpec& spec) {
  std::string out = system_text(parts, spec) + shots_text(parts, spec) + parts.question;
  if (parts.gen_prefix) out += spec.target_delimiter + *parts.gen_prefix;
  return out;
}

std::vector<ChatMessage> chat_messages(const PromptParts& parts, const TaskSpec& spec) {
  std::vector<ChatMessage> out;
  if (const std::string system = system_text(parts, spec); !system.empty()) out.push_back({"system", system});
  const bool multiturn = spec.chat.fewshot_as_multiturn;
  if (!parts.shots.empty() && multiturn) {
    for (const Shot& s : parts.shots) {
      out.push_back({"user", s.question});
      out.push_back({"assistant", answer_prefix(parts) + s.answer});
    }
  } else if (!parts.shots.empty()) {
    out.push_back({"user", shots_text(parts, spec)});
  }
  if (multiturn || out.empty() || out.back().role == "system") {
    out.push_back({"user", parts.question});
  } else {
    out.back().content += parts.question;
  }
  if (parts.gen_prefix && !parts.gen_prefix->empty()) out.push_back({"assistant", *parts.gen_prefix});
  return out;
}

}  // namespace qualm
