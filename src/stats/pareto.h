#pragma once
// Pareto frontier of (cost, quality) points: lower cost and higher quality are better
// (TR124 S10). Quadratic in the number of points, which is a handful of configurations.

#include <cstddef>
#include <span>
#include <vector>

namespace qualm::stats {

struct CostQuality {
  double cost;
  double quality;
};

struct ParetoResult {
  std::vector<bool> on_frontier;                   // per point, in input order
  std::vector<std::vector<size_t>> dominated_by;   // per point: indices that dominate it, ascending
};

// True when a dominates b: no worse on both axes and strictly better on one. Equal points do
// not dominate each other, so duplicates are all on the frontier or all off it.
bool dominates(const CostQuality& a, const CostQuality& b);

// A point is on the frontier when no other point dominates it. Throws std::invalid_argument
// when a cost or quality is not finite.
ParetoResult pareto_frontier(std::span<const CostQuality> points);

}  // namespace qualm::stats
