#pragma once
// The few pieces of Python's str semantics that the reference metric implementations rely
// on (str.split(), str.strip(), iterating code points), on UTF-8 bytes. Invalid UTF-8 bytes
// count as one character each, so nothing is ever dropped.

#include <string>
#include <string_view>
#include <vector>

namespace qualm::metrics {

// Python's str.isspace() for one code point: ASCII whitespace, \x1c-\x1f, U+0085, U+00A0,
// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool is_python_space(char32_t c);

// Python's str.split() with no argument: runs of whitespace separate words; no empty words.
std::vector<std::string> split_whitespace(std::string_view text);
// The same words as views into text.
std::vector<std::string_view> split_whitespace_views(std::string_view text);

// Python's str.strip() and str.rstrip() with no argument.
std::string_view strip_whitespace(std::string_view text);
std::string_view rstrip_whitespace(std::string_view text);

// The text cut into its characters (code points), each as the bytes that encode it.
std::vector<std::string_view> utf8_chars(std::string_view text);

// ASCII letters lowered; every other byte as it is.
std::string ascii_lower(std::string_view text);

}  // namespace qualm::metrics
