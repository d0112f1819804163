#include "stats/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace qualm::stats {
namespace {

// Bootstrap draws of n indices with std::mt19937_64 and Lemire's multiply-and-reject mapping:
// unbiased, and unlike std::uniform_int_distribution the same on every standard library. The
// generator is most of the cost, so for n <= 2^32 each output gives two 32-bit words, low half
// first; a draw's unused last half is dropped.
class IndexDrawer {
 public:
  IndexDrawer(uint64_t n, uint64_t seed)
      : n_(n), rng_(seed), threshold32_(((uint64_t{1} << 32) - n) % n), threshold64_((0 - n) % n) {}

  // Calls take(index) n times: one resample.
  template <typename Take>
  void draw(Take&& take) {
    size_t i = 0;
    if (n_ <= (uint64_t{1} << 32)) {
      while (i < n_) {
        const uint64_t x = rng_();
        // Words whose low product half is below 2^32 mod n would favour some indices.
        const uint64_t low = (x & 0xffffffffu) * n_;
        if (static_cast<uint32_t>(low) >= threshold32_) {
          take(i, static_cast<size_t>(low >> 32));
          if (++i == n_) break;
        }
        const uint64_t high = (x >> 32) * n_;
        if (static_cast<uint32_t>(high) >= threshold32_) {
          take(i, static_cast<size_t>(high >> 32));
          ++i;
        }
      }
    } else {
      while (i < n_) {
        const unsigned __int128 product = static_cast<unsigned __int128>(rng_()) * n_;
        if (static_cast<uint64_t>(product) >= threshold64_) {
          take(i, static_cast<size_t>(product >> 64));
          ++i;
        }
      }
    }
  }

 private:
  uint64_t n_;
  std::mt19937_64 rng_;
  uint64_t threshold32_;  // 2^32 mod n
  uint64_t threshold64_;  // 2^64 mod n
};

// A resample's mean: sums over values minus the first value (equal values then give that value
// back exactly, and large offsets lose less precision) in four interleaved partial sums, a fixed
// order that avoids one long chain of dependent additions.
class Resampler {
 public:
  Resampler(std::span<const double> values, uint64_t seed)
      : values_(values), shift_(values[0]), drawer_(values.size(), seed) {}

  double next_mean() {
    double sums[4] = {0, 0, 0, 0};
    drawer_.draw([&](size_t i, size_t k) { sums[i % 4] += values_[k] - shift_; });
    return shift_ + ((sums[0] + sums[1]) + (sums[2] + sums[3])) / static_cast<double>(values_.size());
  }

 private:
  std::span<const double> values_;
  double shift_;
  IndexDrawer drawer_;
};

// numpy's linear percentile of ascending values, including its two-sided lerp, which returns
// the end points exactly (so equal neighbours interpolate to themselves).
double percentile_of_sorted(const std::vector<double>& sorted, double fraction) {
  const double pos = fraction * static_cast<double>(sorted.size() - 1);
  const size_t lo = std::min(static_cast<size_t>(pos), sorted.size() - 1);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double t = pos - static_cast<double>(lo);
  const double a = sorted[lo], b = sorted[hi];
  return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t);
}

uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Interval bootstrap_mean_ci(std::span<const double> values, uint64_t seed, int resamples, double level) {
  if (resamples < 1) throw std::invalid_argument("bootstrap_mean_ci: resamples must be at least 1");
  if (!(level > 0 && level < 1)) throw std::invalid_argument("bootstrap_mean_ci: level must be in (0, 1)");
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (values.empty()) return {kNaN, kNaN};
  if (!std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); })) return {kNaN, kNaN};
  if (values.size() == 1) return {values[0], values[0]};

  Resampler resampler(values, seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  for (double& mean : means) mean = resampler.next_mean();
  std::sort(means.begin(), means.end());
  return {percentile_of_sorted(means, (1 - level) / 2), percentile_of_sorted(means, (1 + level) / 2)};
}

std::vector<Interval> bootstrap_cis(size_t n, size_t k, const IndexStatistics& statistics, uint64_t seed,
                                    int resamples, double level) {
  if (resamples < 1) throw std::invalid_argument("bootstrap_cis: resamples must be at least 1");
  if (!(level > 0 && level < 1)) throw std::invalid_argument("bootstrap_cis: level must be in (0, 1)");
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> draws(k);
  if (n > 0) {
    IndexDrawer drawer(n, seed);
    std::vector<size_t> indices(n);
    std::vector<double> values(k);
    for (int b = 0; b < resamples; ++b) {
      drawer.draw([&](size_t i, size_t index) { indices[i] = index; });
      std::fill(values.begin(), values.end(), kNaN);
      statistics(indices, values);
      for (size_t j = 0; j < k; ++j) {
        if (std::isfinite(values[j])) draws[j].push_back(values[j]);
      }
    }
  }
  std::vector<Interval> out(k, Interval{kNaN, kNaN});
  for (size_t j = 0; j < k; ++j) {
    if (draws[j].empty()) continue;
    std::sort(draws[j].begin(), draws[j].end());
    out[j] = {percentile_of_sorted(draws[j], (1 - level) / 2), percentile_of_sorted(draws[j], (1 + level) / 2)};
  }
  return out;
}

Interval bootstrap_ci(size_t n, const IndexStatistic& statistic, uint64_t seed, int resamples, double level) {
  return bootstrap_cis(
      n, 1, [&](std::span<const size_t> indices, std::span<double> out) { out[0] = statistic(indices); }, seed,
      resamples, level)[0];
}

uint64_t mix_seed(uint64_t seed, std::string_view key) {
  constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
  constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
  uint64_t h = kFnvOffset;
  for (int byte = 0; byte < 8; ++byte) {
    h ^= (seed >> (8 * byte)) & 0xff;
    h *= kFnvPrime;
  }
  for (const char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return splitmix64_mix(h);
}

}  // namespace qualm::stats
