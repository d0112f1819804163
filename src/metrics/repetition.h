#pragma once
// TR124 A.7: distinct word 4-grams / all word 4-grams of the candidate (words split on
// whitespace, case kept). 1 means no 4-gram repeats; a text of fewer than 4 words has no
// 4-gram and scores 1.

#include <string_view>

namespace qualm::metrics {

double repetition(std::string_view candidate);

}  // namespace qualm::metrics
