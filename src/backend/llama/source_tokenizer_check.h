#pragma once
// Does llama.cpp tokenize a GGUF's text as the model's source tokenizer does (a tokenizer.json
// beside the GGUF, backend/hf_bpe_tokenizer.h)? Where it does not, scores on the GGUF are not
// the ones transformers computes on the same weights, and qualm eval says so.

#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "backend/llama/model.h"

namespace qualm::llama {

struct TokenizerAgreement {
  std::filesystem::path source;  // the tokenizer.json
  int texts = 0;
  int differing = 0;
  std::string example;  // the first difference: "'li' 'tt' 'le▁' against 'little▁girl▁named▁'"
};

// nullopt when no tokenizer.json is beside the model, or it is of a shape the check does not
// read (why_not says which).
std::optional<TokenizerAgreement> check_source_tokenizer(const LlamaModel& model, std::span<const std::string> texts,
                                                         std::string* why_not = nullptr);

}  // namespace qualm::llama
