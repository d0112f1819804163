#pragma once
// TR124 A.6: min(words_c, words_r) / max(words_c, words_r), words split on whitespace as
// Python's str.split() does. Two empty texts have identical lengths and score 1; one empty
// text against a non-empty one scores 0.

#include <string_view>

namespace qualm::metrics {

double output_length(std::string_view candidate, std::string_view reference);

}  // namespace qualm::metrics
