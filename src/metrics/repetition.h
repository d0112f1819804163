#pragma once
// TR124 A.7: distinct word 4-grams / all word 4-grams of the candidate (words split on
// whitespace, case kept). 1 means no 4-gram repeats. A candidate of fewer than
// kRepetitionMinWords words has no value (null): too short for a 4-gram to occur twice without
// overlapping itself, so a ratio of 1 there would say nothing (TR124 scored it 1).

#include <cstddef>
#include <optional>
#include <string_view>

namespace qualm::metrics {

inline constexpr size_t kRepetitionMinWords = 8;

std::optional<double> repetition(std::string_view candidate);

}  // namespace qualm::metrics
