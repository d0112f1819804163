#include "metrics/unicode_text.h"

#include <algorithm>

#include "core/utf8.h"

namespace qualm::metrics {
namespace {

// Length of the UTF-8 sequence starting at text[i], 1 for an invalid or truncated one.
size_t char_length(std::string_view text, size_t i) { return std::max<size_t>(1, utf8_valid_length(text, i)); }

bool is_space_at(std::string_view text, size_t i, size_t* length) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x80) {  // ASCII: no decoding
    *length = 1;
    return is_python_space(byte);
  }
  *length = char_length(text, i);
  return is_python_space(utf8_decode(text.substr(i, *length)));
}

}  // namespace

bool is_python_space(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

std::vector<std::string_view> split_whitespace_views(std::string_view text) {
  std::vector<std::string_view> words;
  size_t start = 0;  // of the current word
  for (size_t i = 0; i < text.size();) {
    size_t n = 0;
    if (is_space_at(text, i, &n)) {
      if (i > start) words.push_back(text.substr(start, i - start));
      start = i + n;
    }
    i += n;
  }
  if (text.size() > start) words.push_back(text.substr(start));
  return words;
}

std::vector<std::string> split_whitespace(std::string_view text) {
  const std::vector<std::string_view> views = split_whitespace_views(text);
  return {views.begin(), views.end()};
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
