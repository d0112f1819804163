#include "backend/llama/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <set>

namespace qualm::llama {
namespace {

std::string describe_character(const std::string& c) {
  // 'é' (U+00E9) for a printable character, U+XXXX for a control one, the bytes otherwise.
  char buf[64];
  if (!c.empty() && utf8_valid_length(c, 0) == c.size()) {
    const char32_t cp = utf8_decode(c);
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return cp >= 0x20 && cp != 0x7F ? "'" + c + "' (" + buf + ")" : std::string(buf);
  }
  std::string bytes = c.size() > 1 ? "the bytes" : "the byte";
  for (const unsigned char b : c) {
    std::snprintf(buf, sizeof buf, " 0x%02X", b);
    bytes += buf;
  }
  return bytes + " (not UTF-8)";
}

}  // namespace

UnencodableTextError::UnencodableTextError(const std::string& character, size_t char_index, size_t byte_offset,
                                           const std::string& why)
    : InputError("", "the model's vocabulary cannot encode " + describe_character(character) + " at character " +
                         std::to_string(char_index + 1) + ": " + why,
                 "remove or replace that character, or use a model whose vocabulary covers it"),
      byte_offset_(byte_offset) {}

std::string text_position(std::string_view text, size_t byte_offset) {
  size_t line = 1, column = 1;
  for (std::string_view c : utf8_characters(text.substr(0, std::min(byte_offset, text.size())))) {
    if (c == "\n") {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}


Tokenizer::Tokenizer(const llama_vocab* vocab, std::optional<llama_token> unknown)
    : vocab_(vocab), unknown_(unknown) {}

std::vector<llama_token> Tokenizer::llama_tokens(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<llama_token> tokens(text.size() + 2);
  int32_t n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                             static_cast<int32_t>(tokens.size()), add_special, parse_special);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, parse_special);
  }
  if (n < 0) throw RunError("llama.cpp's tokenizer failed on a text of " + std::to_string(text.size()) + " bytes");
  tokens.resize(static_cast<size_t>(n));
  return tokens;
}

Tokens Tokenizer::tokenize(std::string_view text, bool add_special, bool parse_special) const {
  try {
    return {llama_tokens(text, add_special, parse_special), 0};
  } catch (const RunError&) {
    throw;
  } catch (const std::exception&) {
    // llama.cpp found no token for a byte (std::out_of_range): some character is unencodable.
  }
  return tokenize_around_unknown(text, add_special, parse_special);
}

bool Tokenizer::encodable(const std::string& character) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = encodable_.find(character); it != encodable_.end()) return it->second;
  }
  bool ok = true;
  try {
    llama_tokens(character, false, false);
  } catch (const std::exception&) {
    ok = false;
  }
  std::lock_guard lock(mutex_);
  encodable_[character] = ok;
  return ok;
}

const std::optional<std::string>& Tokenizer::wall() const {
  std::lock_guard lock(mutex_);
  if (wall_) return *wall_;
  // How many tokens contain each character; a single-character token whose character no
  // other token contains can never merge with a neighbour.
  std::map<std::string, int> containing;
  const int n_vocab = llama_vocab_n_tokens(vocab_);
  for (llama_token id = 0; id < n_vocab; ++id) {
    const char* text = llama_vocab_get_text(vocab_, id);
    if (text == nullptr) continue;
    std::set<std::string_view> seen;
    for (std::string_view c : utf8_characters(text)) {
      if (seen.insert(c).second) ++containing[std::string(c)];
    }
  }
  std::optional<std::string> found;
  for (llama_token id = 0; id < n_vocab && !found; ++id) {
    const char* text = llama_vocab_get_text(vocab_, id);
    if (text == nullptr || llama_vocab_is_control(vocab_, id)) continue;
    const std::string c = text;
    if (utf8_characters(c).size() != 1 || containing[c] != 1) continue;
    if (c == " " || c == "\xE2\x96\x81" || static_cast<unsigned char>(c[0]) < 0x21) continue;  // spaces, controls
    try {
      const std::vector<llama_token> alone = llama_tokens(c, false, false);
      if (!alone.empty() && alone.back() == id) found = c;
    } catch (const std::exception&) {
    }
  }
  wall_ = found;
  return *wall_;
}

Tokens Tokenizer::tokenize_around_unknown(std::string_view text, bool add_special, bool parse_special) const {
  // Pieces of encodable text between runs of unencodable characters.
  struct Piece {
    std::string text;
    bool unknown_after = false;
  };
  std::vector<Piece> pieces(1);
  const std::vector<std::string_view> chars = utf8_characters(text);
  struct Bad {
    std::string character;
    size_t index = 0, offset = 0;
  };
  std::optional<Bad> first_bad;
  for (size_t i = 0, offset = 0; i < chars.size(); offset += chars[i].size(), ++i) {
    const std::string c(chars[i]);
    if (encodable(c)) {
      if (pieces.back().unknown_after) pieces.emplace_back();
      pieces.back().text += c;
      continue;
    }
    if (!first_bad) first_bad = Bad{c, i, offset};
    pieces.back().unknown_after = true;  // a run of them is one unknown token
  }
  if (!first_bad) {
    // Every character encodes alone, yet the whole text did not: nothing to fall back on.
    throw UnencodableTextError(std::string(chars.empty() ? "" : chars.front()), 0, 0,
                               "llama.cpp's tokenizer failed on this text");
  }
  if (!unknown_) throw UnencodableTextError(first_bad->character, first_bad->index, first_bad->offset, "it has no token for it, no byte tokens and no unknown token");
  const std::optional<std::string>& wall_char = wall();
  if (!wall_char) {
    throw UnencodableTextError(first_bad->character, first_bad->index, first_bad->offset,
                               "it has no token for it and no byte tokens, and qualm cannot tokenize around it");
  }
  // The wall's own tokens (SPM: the space prefix, then the wall), to strip from each piece.
  const std::vector<llama_token> wall_tokens = llama_tokens(*wall_char, false, parse_special);
  Tokens out;
  for (size_t p = 0; p < pieces.size(); ++p) {
    const Piece& piece = pieces[p];
    std::vector<llama_token> ids;
    if (p == 0) {
      // The start of the text: BOS and the space prefix as llama.cpp adds them.
      if (!piece.text.empty()) {
        ids = llama_tokens(piece.text, add_special, parse_special);
      } else {
        ids = llama_tokens(*wall_char, add_special, parse_special);
        ids.pop_back();
      }
    } else if (!piece.text.empty()) {
      ids = llama_tokens(*wall_char + piece.text, false, parse_special);
      if (ids.size() < wall_tokens.size() || !std::equal(wall_tokens.begin(), wall_tokens.end(), ids.begin())) {
        throw UnencodableTextError(first_bad->character, first_bad->index, first_bad->offset,
                                   "it has no token for it and no byte tokens, and qualm cannot tokenize around it");
      }
      ids.erase(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(wall_tokens.size()));
    }
    out.ids.insert(out.ids.end(), ids.begin(), ids.end());
    if (piece.unknown_after) {
      out.ids.push_back(*unknown_);
      ++out.unknown;
    }
  }
  return out;
}

}  // namespace qualm::llama
