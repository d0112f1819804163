#include "metrics/exact_match.h"

#include <string>

#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

bool is_ascii_punctuation(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

std::string normalized(std::string_view text, const ExactMatchOptions& options) {
  std::string kept;
  for (char c : text) {
    if (!(options.ignore_punctuation && is_ascii_punctuation(c))) kept += c;
  }
  return ascii_lower(strip_whitespace(kept));
}

}  // namespace

double exact_match(std::string_view candidate, std::string_view reference, const ExactMatchOptions& options) {
  return normalized(candidate, options) == normalized(reference, options) ? 1.0 : 0.0;
}

}  // namespace qualm::metrics
