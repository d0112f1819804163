#include "metrics/sacrebleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace qualm::metrics {
namespace {

// sacrebleu's _get_closest_ref_len: the smallest |hyp - ref|, ties to the shorter reference.
long closest_reference_length(long hyp_len, const std::vector<Words>& refs) {
  long closest_diff = -1;
  long closest_len = -1;
  for (const auto& r : refs) {
    const long len = static_cast<long>(r.size());
    const long diff = std::labs(hyp_len - len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = len;
    } else if (diff == closest_diff && len < closest_len) {
      closest_len = len;
    }
  }
  return closest_len < 0 ? 0 : closest_len;
}

}  // namespace

BleuStats sacrebleu_stats(std::string_view hypothesis, const std::vector<std::string>& references) {
  const Tokenized13a t = tokenize_13a_words(hypothesis, references, true);  // sacrebleu rstrips each line
  return ngram_stats(t.hypothesis, t.references,
                     closest_reference_length(static_cast<long>(t.hypothesis.size()), t.references));
}

BleuScore sacrebleu_from_stats(const BleuStats& stats) {
  BleuScore b;
  b.translation_length = stats.translation_length;
  b.reference_length = stats.reference_length;
  b.length_ratio =
      stats.reference_length > 0 ? static_cast<double>(stats.translation_length) / stats.reference_length : 0;
  if (stats.translation_length < stats.reference_length) {
    b.brevity_penalty = stats.translation_length > 0
                            ? std::exp(1 - static_cast<double>(stats.reference_length) / stats.translation_length)
                            : 0.0;
  } else {
    b.brevity_penalty = 1.0;
  }
  bool any_match = false;
  for (long m : stats.matches) any_match = any_match || m > 0;
  if (!any_match) return b;  // sacrebleu's early stop: score and precisions 0

  double smooth = 1.0;
  for (int n = 0; n < kBleuMaxOrder; ++n) {
    if (stats.possible[n] == 0) break;  // higher orders stay 0, and so does the score
    if (stats.matches[n] == 0) {
      smooth *= 2;
      b.precisions[n] = 1.0 / (smooth * static_cast<double>(stats.possible[n]));
    } else {
      b.precisions[n] = static_cast<double>(stats.matches[n]) / static_cast<double>(stats.possible[n]);
    }
  }
  double log_sum = 0;
  for (double p : b.precisions) {
    if (p == 0) return b;  // sacrebleu's my_log(0) = -9999999999 sends the score to 0
    log_sum += std::log(p);
  }
  b.score = b.brevity_penalty * std::exp(log_sum / kBleuMaxOrder);
  return b;
}

BleuScore sacrebleu(const std::vector<std::string>& hypotheses,
                    const std::vector<std::vector<std::string>>& references) {
  BleuStats total;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    total += sacrebleu_stats(hypotheses[i], i < references.size() ? references[i] : std::vector<std::string>{});
  }
  return sacrebleu_from_stats(total);
}

}  // namespace qualm::metrics
