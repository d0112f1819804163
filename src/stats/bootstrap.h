#pragma once
// Percentile bootstrap confidence interval of a mean (SPEC S7: 10,000 resamples, seeded), and
// the seed mixing that gives each aggregate row its own stream whatever the row order.

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace qualm::stats {

struct Interval {
  double low;
  double high;
};

// Resamples `values` with replacement `resamples` times and returns the (1 - level) / 2 and
// (1 + level) / 2 percentiles of the resampled means, interpolated linearly at p * (R - 1) of
// the sorted means (numpy's default). The same seed gives the same interval on every platform:
// std::mt19937_64 with an index mapping of our own (std::uniform_int_distribution is not
// specified). Empty input, or any non-finite value, gives a NaN interval; one value x gives
// [x, x]. Throws std::invalid_argument when resamples < 1 or level is outside (0, 1).
Interval bootstrap_mean_ci(std::span<const double> values, uint64_t seed, int resamples = 10000,
                           double level = 0.95);

// The percentile bootstrap of any statistic of n items (a composite over records, a corpus
// BLEU over documents, a paired delta): `resamples` draws of n indices with replacement, by the
// same unbiased, platform-independent mapping as bootstrap_mean_ci; each draw's statistic, the
// non-finite ones left out; the (1 - level) / 2 and (1 + level) / 2 percentiles (NaN when no
// draw is finite, or n is 0).
using IndexStatistic = std::function<double(std::span<const size_t> indices)>;
Interval bootstrap_ci(size_t n, const IndexStatistic& statistic, uint64_t seed, int resamples = 10000,
                      double level = 0.95);

// Several statistics over the same draws (a delta and its percentage): statistics(indices, out)
// writes out[0..k).
using IndexStatistics = std::function<void(std::span<const size_t> indices, std::span<double> out)>;
std::vector<Interval> bootstrap_cis(size_t n, size_t k, const IndexStatistics& statistics, uint64_t seed,
                                    int resamples = 10000, double level = 0.95);

// A seed for one named stream: FNV-1a over the seed's 8 bytes (little-endian) and the key's
// bytes, finished with splitmix64's mixer. Stable across platforms and releases, so a row
// keyed "model|variant|backend|task|metric" gets the same CI wherever it sits in a report.
uint64_t mix_seed(uint64_t seed, std::string_view key);

}  // namespace qualm::stats
