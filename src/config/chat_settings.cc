#include "config/chat_settings.h"

namespace qualm {

const char* mc_mode_name(McMode m) { return m == McMode::kGenerate ? "generate" : "loglikelihood"; }

std::optional<McMode> parse_mc_mode(const std::string& name) {
  if (name == "loglikelihood") return McMode::kLoglikelihood;
  if (name == "generate") return McMode::kGenerate;
  return std::nullopt;
}

nlohmann::json ChatSettings::to_json() const {
  return {{"apply_chat_template", apply_chat_template},
          {"system_prompt", system_prompt ? nlohmann::json(*system_prompt) : nlohmann::json(nullptr)},
          {"fewshot_as_multiturn", fewshot_as_multiturn},
          {"gen_prefix", gen_prefix ? nlohmann::json(*gen_prefix) : nlohmann::json(nullptr)},
          {"mc_mode", mc_mode_name(mc_mode)}};
}

ChatSettings ChatSettings::from_json(const nlohmann::json& j) {
  ChatSettings s;
  if (!j.is_object()) return s;
  auto text = [&](const char* key) -> std::optional<std::string> {
    if (j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
    return std::nullopt;
  };
  s.apply_chat_template = j.value("apply_chat_template", false);
  s.system_prompt = text("system_prompt");
  s.fewshot_as_multiturn = j.value("fewshot_as_multiturn", false);
  s.gen_prefix = text("gen_prefix");
  s.mc_mode = parse_mc_mode(j.value("mc_mode", "loglikelihood")).value_or(McMode::kLoglikelihood);
  return s;
}

void ChatOverrides::apply_to(ChatSettings& s) const {
  if (apply_chat_template) s.apply_chat_template = *apply_chat_template;
  if (system_prompt) s.system_prompt = *system_prompt;
  if (fewshot_as_multiturn) s.fewshot_as_multiturn = *fewshot_as_multiturn;
  if (gen_prefix) s.gen_prefix = *gen_prefix;
  if (mc_mode) s.mc_mode = *mc_mode;
}

std::string chat_settings_problem(const ChatSettings& s) {
  if (s.fewshot_as_multiturn && !s.apply_chat_template) {
    return "fewshot_as_multiturn needs apply_chat_template: the shots become chat turns only under a chat template";
  }
  return "";
}

}  // namespace qualm
