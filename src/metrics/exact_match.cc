#include "metrics/exact_match.h"

#include <string>

#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

bool is_ascii_punctuation(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

std::string normalized(std::string_view text, const ExactMatchOptions& options) {
  std::string s(text);
  for (const PythonRegex& re : options.regexes_to_ignore) s = re.remove_all(s);
  std::string kept;
  for (char c : s) {
    const bool drop = (options.ignore_punctuation && is_ascii_punctuation(c)) || (options.ignore_numbers && c >= '0' && c <= '9');
    if (!drop) kept += c;
  }
  if (options.strip) kept = std::string(strip_whitespace(kept));
  return options.ignore_case ? ascii_lower(kept) : kept;
}

}  // namespace

ExactMatchOptions lm_eval_exact_match_options() {
  ExactMatchOptions o;
  o.strip = false;
  o.ignore_case = false;
  return o;
}

double exact_match(std::string_view candidate, std::string_view reference, const ExactMatchOptions& options) {
  return normalized(candidate, options) == normalized(reference, options) ? 1.0 : 0.0;
}

}  // namespace qualm::metrics
