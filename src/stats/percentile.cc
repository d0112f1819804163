#include "stats/percentile.h"

#include <algorithm>

namespace qualm::stats {

double percentile_sorted(std::span<const float> sorted, double fraction) {
  if (sorted.empty()) return 0.0;
  if (fraction <= 0) return sorted.front();
  if (fraction >= 1) return sorted.back();
  const double pos = fraction * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const double t = pos - static_cast<double>(lo);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return (1 - t) * sorted[lo] + t * sorted[hi];
}

double median_sorted(std::span<const float> sorted) {
  if (sorted.empty()) return 0.0;
  const size_t n = sorted.size();
  return n % 2 == 0 ? 0.5 * (static_cast<double>(sorted[n / 2 - 1]) + sorted[n / 2]) : sorted[n / 2];
}

}  // namespace qualm::stats
