#include "stats/pareto.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace qualm::stats {

bool dominates(const CostQuality& a, const CostQuality& b) {
  const bool no_worse = a.cost <= b.cost && a.quality >= b.quality;
  const bool better = a.cost < b.cost || a.quality > b.quality;
  return no_worse && better;
}

ParetoResult pareto_frontier(std::span<const CostQuality> points) {
  for (size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i].cost) || !std::isfinite(points[i].quality)) {
      throw std::invalid_argument("pareto_frontier: point " + std::to_string(i) + " has a non-finite cost or quality");
    }
  }
  ParetoResult r;
  r.on_frontier.assign(points.size(), true);
  r.dominated_by.resize(points.size());
  for (size_t j = 0; j < points.size(); ++j) {
    for (size_t i = 0; i < points.size(); ++i) {
      if (i != j && dominates(points[i], points[j])) r.dominated_by[j].push_back(i);
    }
    r.on_frontier[j] = r.dominated_by[j].empty();
  }
  return r;
}

}  // namespace qualm::stats
