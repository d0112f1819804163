#pragma once
// Text to token ids through llama.cpp's tokenizer, also where the vocabulary cannot encode a
// character. llama.cpp falls back to byte tokens for a character with no token of its own,
// and throws (std::out_of_range from llama_vocab::byte_to_token) when the vocabulary has no
// byte tokens either, as TinyStories-656K's has none. Such a character is handled as the
// model's source tokenizer handles it (Hugging Face BPE, byte_fallback without byte tokens,
// fuse_unk): it becomes the unknown token, a run of adjacent ones is fused into one, and no
// merge crosses it, so the text on either side is tokenized as if it stood alone.

#include <llama.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/utf8.h"

namespace qualm::llama {

struct Tokens {
  std::vector<llama_token> ids;
  int unknown = 0;  // unknown tokens standing for characters the vocabulary cannot encode
};

// A character the vocabulary cannot encode, where it has no unknown token to stand for it.
class UnencodableTextError : public InputError {
 public:
  UnencodableTextError(const std::string& character, size_t char_index, size_t byte_offset, const std::string& why);
  size_t byte_offset() const { return byte_offset_; }

 private:
  size_t byte_offset_;
};

class Tokenizer {
 public:
  // unknown: the vocabulary's unknown token (GGUF tokenizer.ggml.unknown_token_id), if any.
  Tokenizer(const llama_vocab* vocab, std::optional<llama_token> unknown);

  Tokens tokenize(std::string_view text, bool add_special, bool parse_special) const;

  // llama.cpp's tokenizer alone; throws whatever it throws.
  std::vector<llama_token> llama_tokens(std::string_view text, bool add_special, bool parse_special) const;

 private:
  Tokens tokenize_around_unknown(std::string_view text, bool add_special, bool parse_special) const;
  bool encodable(const std::string& character) const;
  // A character whose only token is itself: prefixed to a piece of text, it keeps llama.cpp's
  // start-of-text handling (SPM's space prefix) off the piece and merges with none of it.
  const std::optional<std::string>& wall() const;

  const llama_vocab* vocab_;
  std::optional<llama_token> unknown_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, bool> encodable_;
  mutable std::optional<std::optional<std::string>> wall_;
};

// "LINE:COLUMN" (1-based; the column in characters) of a byte offset in text.
std::string text_position(std::string_view text, size_t byte_offset);

}  // namespace qualm::llama
