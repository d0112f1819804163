#pragma once
// TR124 A.5: 1 when the candidate equals the reference after stripping whitespace at both
// ends (Python's str.strip()) and folding case, else 0. Case folding covers ASCII letters
// only; other characters must match byte for byte. With `ignore_punctuation` the ASCII
// punctuation of Python's string.punctuation is removed first (as HF evaluate's exact_match
// does), so "Paris." matches "paris".
//
// lm-evaluation-harness's exact_match (a task's metric_list; HF evaluate's exact_match) is the
// same function with strip and case folding off unless asked: each of regexes_to_ignore is
// removed from both texts with re.sub (Python re syntax, in order), then ignore_case lowers,
// ignore_punctuation removes string.punctuation and ignore_numbers removes string.digits;
// nothing is stripped.

#include <string_view>
#include <vector>

#include "core/python_regex.h"

namespace qualm::metrics {

struct ExactMatchOptions {
  bool ignore_punctuation = false;
  bool strip = true;         // TR124; lm-eval: false
  bool ignore_case = true;   // TR124; lm-eval: as its ignore_case (default false)
  bool ignore_numbers = false;
  std::vector<PythonRegex> regexes_to_ignore;
};

// lm-eval's defaults: nothing stripped, case kept.
ExactMatchOptions lm_eval_exact_match_options();

double exact_match(std::string_view candidate, std::string_view reference, const ExactMatchOptions& options = {});

}  // namespace qualm::metrics
