#pragma once
// TR124 A.5: 1 when the candidate equals the reference after stripping whitespace at both
// ends (Python's str.strip()) and folding case, else 0. Case folding covers ASCII letters
// only; other characters must match byte for byte. With `ignore_punctuation` the ASCII
// punctuation of Python's string.punctuation is removed first (as HF evaluate's exact_match
// does), so "Paris." matches "paris".

#include <string_view>

namespace qualm::metrics {

struct ExactMatchOptions {
  bool ignore_punctuation = false;
};

double exact_match(std::string_view candidate, std::string_view reference, const ExactMatchOptions& options = {});

}  // namespace qualm::metrics
