#pragma once
// A model's source tokenizer, read from a Hugging Face tokenizer.json, for one check: does
// llama.cpp tokenize a GGUF's text as the model was trained? A GGUF converted from a BPE
// tokenizer may carry a SentencePiece vocabulary (tokenizer.ggml.model "llama", merged by
// score instead of by rank), and then llama.cpp's tokens, and every score on them, are not the
// ones transformers computes on the same weights (TinyStories-656K: 'li','tt','le▁' against
// one token 'little▁girl▁named▁').
//
// Supported: model BPE with merges, normalizer Prepend / Replace (or a Sequence of them), no
// pre-tokenizer, byte_fallback (with or without <0xXX> tokens) and fuse_unk. Anything else is
// refused with the reason, and the check is skipped.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qualm {

class HfBpeTokenizer {
 public:
  // nullopt and *why set when the file is missing, unreadable or of an unsupported shape.
  static std::optional<HfBpeTokenizer> load(const std::filesystem::path& tokenizer_json, std::string* why);

  // The token texts (as in the vocabulary, '▁' for a space) of text, without special tokens.
  std::vector<std::string> tokenize(const std::string& text) const;

 private:
  std::vector<std::pair<std::string, std::string>> replacements_;  // normalizer, in order
  std::string prepend_;
  std::map<std::string, int> vocab_;
  std::map<std::pair<std::string, std::string>, int> merge_rank_;
  std::string unk_;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
};

// The tokenizer.json that came with a GGUF: beside it, or in an hf/ folder beside it.
std::optional<std::filesystem::path> source_tokenizer_beside(const std::filesystem::path& gguf);

}  // namespace qualm
