#include "backend/llama/source_tokenizer_check.h"

#include <vector>

#include "backend/hf_bpe_tokenizer.h"

namespace qualm::llama {
namespace {

std::string quoted(const std::vector<std::string>& tokens, size_t from, size_t n) {
  std::string out;
  for (size_t i = from; i < tokens.size() && i < from + n; ++i) out += (out.empty() ? "'" : " '") + tokens[i] + "'";
  return out;
}

}  // namespace

std::optional<TokenizerAgreement> check_source_tokenizer(const LlamaModel& model, std::span<const std::string> texts,
                                                         std::string* why_not) {
  const auto path = source_tokenizer_beside(model.path());
  if (!path) return std::nullopt;
  std::string why;
  const auto source = HfBpeTokenizer::load(*path, &why);
  if (!source) {
    if (why_not != nullptr) *why_not = path->string() + ": " + why;
    return std::nullopt;
  }
  TokenizerAgreement a{*path, 0, 0, ""};
  for (const std::string& text : texts) {
    std::vector<std::string> ours;
    try {
      for (llama_token id : model.tokenize(text, /*add_special=*/false).ids) ours.push_back(llama_vocab_get_text(model.vocab(), id));
    } catch (const std::exception&) {
      continue;  // a text the vocabulary cannot encode is reported where it is scored
    }
    const std::vector<std::string> theirs = source->tokenize(text);
    ++a.texts;
    if (ours == theirs) continue;
    ++a.differing;
    if (a.example.empty()) {
      size_t i = 0;
      while (i < ours.size() && i < theirs.size() && ours[i] == theirs[i]) ++i;
      a.example = quoted(ours, i, 3) + " against " + quoted(theirs, i, 3);
    }
  }
  return a;
}

}  // namespace qualm::llama
