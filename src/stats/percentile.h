#pragma once

#include <span>

namespace qualm::stats {

// Linear interpolation at fraction * (n - 1) of ascending-sorted values (numpy's default,
// and llama.cpp's). Fractions outside [0, 1] clamp to the ends; empty input gives 0.
double percentile_sorted(std::span<const float> sorted, double fraction);

// The middle value, or the mean of the two middle values.
double median_sorted(std::span<const float> sorted);

}  // namespace qualm::stats
