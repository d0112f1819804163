#pragma once
// Values as the template engine's Jinja subset sees them: Python's str methods over UTF-8
// text, and Python's repr for printing values. Internal to src/tasks/template*; the public
// interface (Template, to_text) is in tasks/template.h.

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace qualm::template_detail {

// ---- Text as Python's str sees it: code points of UTF-8 ----

// One string per character (core/utf8.h's utf8_characters); utf8_length counts them as Python's len(str).
std::vector<std::string> code_points(std::string_view s);

// Python's str.isspace() for one code point's UTF-8 bytes.
bool is_space(std::string_view c);

// Python's strip/lstrip/rstrip; chars null strips whitespace.
std::string strip(std::string_view s, const std::string* chars, bool left, bool right);

// Case mapping is ASCII only: bytes of multi-byte characters pass through, so UTF-8 stays
// valid, but "é".upper() stays "é" where Python gives "É".
char ascii_upper(char c);
char ascii_lower(char c);

std::string map_case(std::string s, char (*f)(char));
std::string capitalize(std::string s);

// Python's str.title(): a letter after a non-letter is upper, others lower. Non-ASCII bytes
// count as letters, so "café bar" gives "Café Bar" as in Python.
std::string python_title(std::string s);

// Jinja's title filter: words start after whitespace or one of -({[<, so "they're" stays
// "They're" (Python's str.title() gives "They'Re").
std::string jinja_title(std::string_view s);

// Python's str.replace(old, new), old not empty.
std::string replace(std::string_view s, std::string_view old, std::string_view rep);

// Python's str.split(sep); sep null splits on runs of whitespace and drops empty ends.
nlohmann::json split(std::string_view s, const std::string* sep);

// ---- Regular expressions ----

// ECMAScript std::regex over UTF-8 bytes: '.' matches one byte and stops at \r as well as \n.
std::regex compile_regex(const std::string& pattern);

// Python's replacement syntax (\1, \n, a literal $) in ECMAScript's ($01, $$).
std::string ecma_replacement(std::string_view repl);

// ---- Python's repr ----

std::string float_repr(double v);
std::string string_repr(const std::string& s);
std::string repr(const nlohmann::json& v);

// "a string", "a list", "an integer", ...: for messages.
std::string type_name(const nlohmann::json& v);

// Python's truth value: false, 0, "", None, [] and {} are false.
bool truthy(const nlohmann::json& v);

}  // namespace qualm::template_detail
