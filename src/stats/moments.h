#pragma once
// Mergeable sums for a mean and its uncertainty, and for a covariance, with the formulas
// llama.cpp's perplexity tool uses: stderr = sqrt((E[x^2] - mean^2) / (n - 1)).

#include <cmath>
#include <cstdint>

namespace qualm::stats {

struct MomentSums {
  int64_t n = 0;
  double sum = 0;
  double sum2 = 0;

  void add(double x) { ++n; sum += x; sum2 += x * x; }
  void merge(const MomentSums& o) { n += o.n; sum += o.sum; sum2 += o.sum2; }
  double mean() const { return n > 0 ? sum / static_cast<double>(n) : 0.0; }
  // Standard error of the mean; 0 when it cannot be estimated (n < 2, rounding below 0).
  double stderr_of_mean() const {
    if (n < 2) return 0.0;
    const double m = mean();
    const double var = sum2 / static_cast<double>(n) - m * m;
    return var > 0 ? std::sqrt(var / static_cast<double>(n - 1)) : 0.0;
  }
};

// Paired sums for Cov(mean a, mean b) = (E[ab] - E[a]E[b]) / (n - 1).
struct CoMomentSums {
  MomentSums a, b;
  double sum_ab = 0;

  void add(double x, double y) { a.add(x); b.add(y); sum_ab += x * y; }
  void merge(const CoMomentSums& o) { a.merge(o.a); b.merge(o.b); sum_ab += o.sum_ab; }
  double covariance_of_means() const {
    if (a.n < 2) return 0.0;
    const double n = static_cast<double>(a.n);
    return (sum_ab / n - a.mean() * b.mean()) / (n - 1);
  }
};

}  // namespace qualm::stats
