#pragma once
// Patterns written in Python's `re` syntax (lm-evaluation-harness task files) run on
// std::regex (ECMAScript) by translating them, so that findall() and sub() give Python's
// results on the same text:
// - `.` matches anything but "\n" (ECMAScript also refuses "\r"); `(?s)` makes it match "\n";
// - `$` matches at the end or before a final "\n"; `\A`, `\Z` the start and the very end;
// - a `{` that does not start a repeat is literal; `{,n}` is `{0,n}`;
// - in a class, a first `]` and any `[` are literal;
// - `(?P<name>...)` is a group, `(?P=name)` its back reference, `(?#...)` a comment;
// - `(?i)` and `(?s)` at the start of the pattern set the flags for the whole pattern;
// - `\s` also matches \x1c-\x1f, as Python's does;
// - a non-ASCII character outside a class is one unit for a repeat (`é+`).
// Refused, with the reason: `(?m)`, `(?x)` and other flags, flags that do not start the
// pattern, scoped flags `(?s:...)`, lookbehind, `(?>...)`, conditionals, possessive repeats,
// non-ASCII characters inside a class or escaped beyond \x7f, and escapes Python rejects.
// Texts of 8 KiB and more are matched on a thread with a 256 MiB stack (libstdc++'s matcher
// recurses once per character), so texts up to about a million characters match.
// Text is matched as UTF-8 bytes: `\d`, `\w`, `\s` and `\b` are ASCII-only, and `.` or a
// negated class matches one byte of a non-ASCII character (the same spans for `.*`, `.+`).

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace qualm {

// Why std::regex refused a pattern, in words for a task file's author ("its ( and ) do not match").
std::string regex_error_words(std::regex_constants::error_type code);

// One match of findall(): the whole match and each group ("" for a group that did not take part).
struct PythonMatch {
  std::string whole;
  std::vector<std::string> groups;
};

class PythonRegex {
 public:
  // The pattern, or why it cannot run (problem and fix, in words for a task file's author).
  struct Compiled;
  static Compiled compile(std::string_view pattern);

  // Python's re.findall as matches: every non-overlapping match, left to right, empty ones included.
  std::vector<PythonMatch> findall(const std::string& text) const;
  // Python's re.sub(pattern, "", text).
  std::string remove_all(const std::string& text) const;

  const std::string& pattern() const { return pattern_; }
  const std::string& ecmascript() const { return translated_; }
  size_t groups() const { return regex_.mark_count(); }

 private:
  std::vector<PythonMatch> findall_here(const std::string& text) const;

  std::string pattern_, translated_;
  std::regex regex_;
};

struct PythonRegex::Compiled {
  std::optional<PythonRegex> regex;
  std::string problem, fix;  // when regex is empty
};

}  // namespace qualm
