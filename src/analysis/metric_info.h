#pragma once
// What the analyses need to know about a metric by name: its range and direction.

#include <optional>
#include <string>
#include <utility>

namespace qualm::analysis {

// The range a metric's values must lie in (SPEC S4, S6); nullopt for counts and sums.
std::optional<std::pair<double, double>> metric_range(const std::string& metric);

// False for perplexities, KLD and other errors where lower is better.
bool higher_is_better(const std::string& metric);

}  // namespace qualm::analysis
