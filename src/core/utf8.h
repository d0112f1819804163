#pragma once
// UTF-8 as qualm reads it, in one place: characters split by their lead byte (as llama.cpp's
// and Hugging Face's tokenizers split them), and lengths in code points (Python's len()).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qualm {

// The bytes a character takes, from its lead byte: 1 for ASCII and stray continuation bytes,
// 2, 3 or 4 otherwise (without validation: a malformed tail is not checked).
size_t utf8_char_bytes(unsigned char lead);

// The characters of text: by lead byte, a character cut short at the end keeping what is left.
std::vector<std::string_view> utf8_characters(std::string_view text);

// Code points of valid UTF-8 (Python's len()): the bytes that are not continuation bytes.
size_t utf8_length(std::string_view text);

// The length of the well-formed UTF-8 sequence at text[i], or 0 when it is not one (overlong
// forms, surrogates and code points past U+10FFFF included).
size_t utf8_valid_length(std::string_view text, size_t i);

// The code point of one well-formed character; U+FFFD for anything else.
char32_t utf8_decode(std::string_view character);

// Where text stops being well-formed UTF-8: the byte offset, and its 1-based line and column
// (in bytes); nullopt when all of it is.
struct Utf8Error {
  size_t byte = 0;
  int line = 1, column = 1;
};
std::optional<Utf8Error> find_invalid_utf8(std::string_view text);

// Any bytes as UTF-8: each byte that does not start a well-formed character becomes U+FFFD.
std::string utf8_replacing_invalid(std::string_view text);

// The first max_chars code points, and `ellipsis` when anything was cut.
std::string utf8_truncate(std::string_view text, size_t max_chars, std::string_view ellipsis = "\u2026");

}  // namespace qualm
