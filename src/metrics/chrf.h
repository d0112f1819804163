#pragma once
// chrF with sacrebleu's defaults (sacrebleu 2.x CHRF()): character n-grams of order 1..6 over
// code points with all whitespace removed, no word n-grams, beta 2, case kept, no eps
// smoothing (precision and recall averaged over the orders that both sides have). Each
// sample keeps the statistics of its best reference (the first with the highest chrF); the
// corpus sums them and computes one F. Scores are on a 0-1 scale; sacrebleu prints 100x.

#include <string>
#include <string_view>
#include <vector>

namespace qualm::metrics {

inline constexpr int kChrfCharOrder = 6;
inline constexpr double kChrfBeta = 2.0;

// [hypothesis n-grams, reference n-grams, matches] for each order 1..6, flattened as sacrebleu
// stores them; summing two is summing the corpus.
struct ChrfStats {
  std::vector<long> counts = std::vector<long>(3 * kChrfCharOrder, 0);

  ChrfStats& operator+=(const ChrfStats& other);
};

ChrfStats chrf_stats(std::string_view hypothesis, const std::vector<std::string>& references);

double chrf_from_stats(const ChrfStats& stats);

// Corpus chrF: hypotheses[i] against references[i].
double chrf(const std::vector<std::string>& hypotheses, const std::vector<std::vector<std::string>>& references);

}  // namespace qualm::metrics
