#pragma once
// The model's chat template (the GGUF's tokenizer.chat_template) around a conversation, through
// llama.cpp's llama_chat_apply_template, as llama-server applies it without --jinja. The
// rendering ends with the template's assistant prompt; a final assistant message is a prefix of
// the reply instead: the messages before it are rendered with the assistant prompt and its text
// follows (HF's continue_final_message, which lm-evaluation-harness uses for gen_prefix).

#include <span>
#include <string>

#include "backend/backend.h"
#include "backend/llama/model.h"

namespace qualm::llama {

// Throws InputError naming the GGUF when it holds no chat template, or one llama.cpp cannot apply.
std::string apply_chat_template(const LlamaModel& model, std::span<const ChatMessage> messages);

}  // namespace qualm::llama
