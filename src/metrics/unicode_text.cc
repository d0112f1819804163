#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

// Length of the UTF-8 sequence starting at text[i], 1 for an invalid or truncated one.
size_t char_length(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
  if (i + n > text.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

char32_t decode(std::string_view ch) {
  const auto b = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(ch[k])); };
  switch (ch.size()) {
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    case 4:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    default:
      return b(0) < 0x80 ? b(0) : 0xFFFD;  // an invalid byte is never a space
  }
}

bool is_space_at(std::string_view text, size_t i, size_t* length) {
  *length = char_length(text, i);
  return is_python_space(decode(text.substr(i, *length)));
}

}  // namespace

bool is_python_space(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

std::vector<std::string> split_whitespace(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < text.size();) {
    size_t n = 0;
    if (is_space_at(text, i, &n)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.append(text.substr(i, n));
    }
    i += n;
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string_view rstrip_whitespace(std::string_view text) {
  size_t end = 0;  // one past the last non-space character
  for (size_t i = 0; i < text.size();) {
    size_t n = 0;
    if (!is_space_at(text, i, &n)) end = i + n;
    i += n;
  }
  return text.substr(0, end);
}

std::string_view strip_whitespace(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t n = 0;
    if (!is_space_at(text, i, &n)) break;
    i += n;
  }
  return rstrip_whitespace(text.substr(i));
}

std::vector<std::string_view> utf8_chars(std::string_view text) {
  std::vector<std::string_view> chars;
  chars.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = char_length(text, i);
    chars.push_back(text.substr(i, n));
    i += n;
  }
  return chars;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace qualm::metrics
