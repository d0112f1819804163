#include "backend/llama/chat_template.h"

#include <vector>

#include "core/errors.h"

namespace qualm::llama {

std::string apply_chat_template(const LlamaModel& model, std::span<const ChatMessage> messages) {
  const char* tmpl = llama_model_chat_template(model.get(), nullptr);
  if (tmpl == nullptr) {
    throw InputError(model.path().string(),
                     "the model has no chat template (tokenizer.chat_template), but the task applies one",
                     "use a model whose GGUF holds tokenizer.chat_template, or set apply_chat_template: false");
  }
  const bool prefix = !messages.empty() && messages.back().role == "assistant";
  const std::span<const ChatMessage> turns = prefix ? messages.first(messages.size() - 1) : messages;
  std::vector<llama_chat_message> chat;
  size_t bytes = 0;
  for (const ChatMessage& m : turns) {
    chat.push_back({m.role.c_str(), m.content.c_str()});
    bytes += m.content.size();
  }
  std::string out(bytes * 2 + 256, '\0');
  int n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, out.data(), static_cast<int32_t>(out.size()));
  if (n > static_cast<int>(out.size())) {
    out.resize(static_cast<size_t>(n));
    n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, out.data(), static_cast<int32_t>(out.size()));
  }
  if (n < 0) {
    throw InputError(
        model.path().string(), "llama.cpp cannot apply this model's chat template",
        "llama_chat_apply_template knows the common templates (chatml, llama2/3, mistral, gemma, phi3, ...); "
        "use a model with one of them");
  }
  out.resize(static_cast<size_t>(n));
  if (prefix) out += messages.back().content;
  return out;
}

}  // namespace qualm::llama
