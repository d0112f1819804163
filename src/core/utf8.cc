#include "core/utf8.h"

#include <algorithm>

namespace qualm {

size_t utf8_char_bytes(unsigned char lead) {
  static constexpr size_t kBytes[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kBytes[lead >> 4];
}

std::vector<std::string_view> utf8_characters(std::string_view text) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < text.size();) {
    const size_t n = std::min(utf8_char_bytes(static_cast<unsigned char>(text[i])), text.size() - i);
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

size_t utf8_valid_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
  const unsigned c = byte(0);
  if (c < 0x80) return i < text.size() ? 1 : 0;
  const auto cont = [&](size_t k) { return (byte(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return byte(1) >= lo && byte(1) <= hi && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return byte(1) >= lo && byte(1) <= hi && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

char32_t utf8_decode(std::string_view ch) {
  if (ch.empty() || utf8_valid_length(ch, 0) != ch.size()) return 0xFFFD;
  const auto b = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(ch[k])); };
  switch (ch.size()) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

std::string utf8_truncate(std::string_view text, size_t max_chars, std::string_view ellipsis) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) return std::string(text.substr(0, i)) + std::string(ellipsis);
  }
  return std::string(text);
}

std::optional<Utf8Error> find_invalid_utf8(std::string_view text) {
  Utf8Error at;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_valid_length(text, i);
    if (n == 0) {
      at.byte = i;
      at.column = static_cast<int>(i - line_start) + 1;
      return at;
    }
    if (text[i] == '\n') {
      ++at.line;
      line_start = i + 1;
    }
    i += n;
  }
  return std::nullopt;
}

std::string utf8_replacing_invalid(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_valid_length(text, i);
    out.append(n == 0 ? std::string_view("\xEF\xBF\xBD") : text.substr(i, n));
    i += n == 0 ? 1 : n;
  }
  return out;
}

size_t utf8_length(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace qualm
