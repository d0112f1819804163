#include "metrics/chrf.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

using CharNgrams = std::vector<std::unordered_map<std::string, long>>;  // one map per order

CharNgrams char_ngrams(std::string_view text) {
  std::string joined;
  for (const std::string& word : split_whitespace(text)) joined += word;
  const std::vector<std::string_view> chars = utf8_chars(joined);
  CharNgrams grams(kChrfCharOrder);
  for (int n = 1; n <= kChrfCharOrder; ++n) {
    for (size_t i = 0; i + n <= chars.size(); ++i) {
      const size_t begin = chars[i].data() - joined.data();
      const size_t end = chars[i + n - 1].data() + chars[i + n - 1].size() - joined.data();
      ++grams[n - 1][joined.substr(begin, end - begin)];
    }
  }
  return grams;
}

// sacrebleu's _get_match_statistics for every order; a reference without n-grams of an order
// also zeroes the hypothesis count of that order.
ChrfStats match_stats(const CharNgrams& hyp, const CharNgrams& ref) {
  ChrfStats s;
  for (int n = 0; n < kChrfCharOrder; ++n) {
    long hyp_count = 0;
    long ref_count = 0;
    long matches = 0;
    for (const auto& [gram, count] : hyp[n]) {
      hyp_count += count;
      const auto it = ref[n].find(gram);
      if (it != ref[n].end()) matches += std::min(count, it->second);
    }
    for (const auto& [gram, count] : ref[n]) ref_count += count;
    s.counts[3 * n] = ref[n].empty() ? 0 : hyp_count;
    s.counts[3 * n + 1] = ref_count;
    s.counts[3 * n + 2] = matches;
  }
  return s;
}

}  // namespace

ChrfStats& ChrfStats::operator+=(const ChrfStats& other) {
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  return *this;
}

ChrfStats chrf_stats(std::string_view hypothesis, const std::vector<std::string>& references) {
  const CharNgrams hyp = char_ngrams(hypothesis);
  ChrfStats best;
  double best_f = -1.0;
  for (const std::string& reference : references) {
    ChrfStats s = match_stats(hyp, char_ngrams(reference));
    // sacrebleu compares its 0-100 scores; scaling the same way keeps its ties.
    const double f = 100 * chrf_from_stats(s);
    if (f > best_f) {
      best_f = f;
      best = std::move(s);
    }
  }
  return best;
}

double chrf_from_stats(const ChrfStats& stats) {
  const double factor = kChrfBeta * kChrfBeta;
  double avg_prec = 0;
  double avg_rec = 0;
  int effective_order = 0;
  for (int n = 0; n < kChrfCharOrder; ++n) {
    const long n_hyp = stats.counts[3 * n];
    const long n_ref = stats.counts[3 * n + 1];
    const long n_match = stats.counts[3 * n + 2];
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += static_cast<double>(n_match) / n_hyp;
      avg_rec += static_cast<double>(n_match) / n_ref;
      ++effective_order;
    }
  }
  if (effective_order == 0) return 0.0;
  avg_prec /= effective_order;
  avg_rec /= effective_order;
  if (avg_prec + avg_rec == 0) return 0.0;
  return (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
}

double chrf(const std::vector<std::string>& hypotheses, const std::vector<std::vector<std::string>>& references) {
  ChrfStats total;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    total += chrf_stats(hypotheses[i], i < references.size() ? references[i] : std::vector<std::string>{});
  }
  return chrf_from_stats(total);
}

}  // namespace qualm::metrics
