#include "metrics/coherence.h"

#include <cmath>
#include <stdexcept>

namespace qualm::metrics {

double coherence(const std::vector<float>& candidate, const std::vector<float>& reference) {
  if (candidate.size() != reference.size()) throw std::invalid_argument("coherence: vectors differ in width");
  double dot = 0;
  double nc = 0;
  double nr = 0;
  for (size_t k = 0; k < candidate.size(); ++k) {
    dot += static_cast<double>(candidate[k]) * reference[k];
    nc += static_cast<double>(candidate[k]) * candidate[k];
    nr += static_cast<double>(reference[k]) * reference[k];
  }
  if (nc == 0 || nr == 0) return 0.0;
  return dot / (std::sqrt(nc) * std::sqrt(nr));
}

std::vector<float> mean_pool(const std::vector<std::vector<float>>& tokens) {
  if (tokens.empty()) return {};
  std::vector<double> sum(tokens.front().size(), 0.0);
  for (const auto& t : tokens) {
    if (t.size() != sum.size()) throw std::invalid_argument("mean_pool: token vectors differ in width");
    for (size_t k = 0; k < t.size(); ++k) sum[k] += t[k];
  }
  std::vector<float> mean(sum.size());
  for (size_t k = 0; k < sum.size(); ++k) mean[k] = static_cast<float>(sum[k] / tokens.size());
  return mean;
}

}  // namespace qualm::metrics
