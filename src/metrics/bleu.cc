#include "metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "metrics/tokenizer_13a.h"
#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

// HF evaluate's bleu splits 13a output on whitespace.
std::vector<std::string> words_13a(std::string_view text) { return split_whitespace(tokenize_13a(text)); }

}  // namespace

BleuStats bleu_text_stats(std::string_view prediction, const std::vector<std::string>& references) {
  std::vector<std::vector<std::string>> refs;
  refs.reserve(references.size());
  for (const std::string& r : references) refs.push_back(words_13a(r));
  return bleu_stats(words_13a(prediction), refs);
}

BleuStats& BleuStats::operator+=(const BleuStats& other) {
  for (int i = 0; i < kBleuMaxOrder; ++i) {
    matches[i] += other.matches[i];
    possible[i] += other.possible[i];
  }
  translation_length += other.translation_length;
  reference_length += other.reference_length;
  return *this;
}

NgramCounts ngram_counts(const std::vector<std::string>& words, int max_order) {
  NgramCounts counts;
  for (int order = 1; order <= max_order; ++order) {
    for (size_t i = 0; i + order <= words.size(); ++i) {
      std::string key = words[i];
      for (int k = 1; k < order; ++k) key += ' ' + words[i + k];
      ++counts[key];
    }
  }
  return counts;
}

NgramCounts max_reference_counts(const std::vector<std::vector<std::string>>& references) {
  NgramCounts merged;
  for (const auto& ref : references) {
    for (const auto& [ngram, count] : ngram_counts(ref)) {
      long& m = merged[ngram];
      m = std::max(m, count);
    }
  }
  return merged;
}

std::array<long, kBleuMaxOrder> clipped_matches(const NgramCounts& words, const NgramCounts& reference_max) {
  std::array<long, kBleuMaxOrder> matches{};
  for (const auto& [ngram, count] : words) {
    const auto it = reference_max.find(ngram);
    if (it == reference_max.end()) continue;
    const auto order = std::count(ngram.begin(), ngram.end(), ' ') + 1;
    matches[order - 1] += std::min(count, it->second);
  }
  return matches;
}

BleuStats bleu_stats(const std::vector<std::string>& translation,
                     const std::vector<std::vector<std::string>>& references) {
  long shortest = 0;
  if (!references.empty()) {
    size_t n = std::numeric_limits<size_t>::max();
    for (const auto& r : references) n = std::min(n, r.size());
    shortest = static_cast<long>(n);
  }
  return ngram_stats(translation, references, shortest);
}

BleuStats ngram_stats(const std::vector<std::string>& translation,
                      const std::vector<std::vector<std::string>>& references, long reference_length) {
  BleuStats s;
  s.translation_length = static_cast<long>(translation.size());
  s.reference_length = reference_length;
  s.matches = clipped_matches(ngram_counts(translation), max_reference_counts(references));
  for (int order = 1; order <= kBleuMaxOrder; ++order) {
    s.possible[order - 1] = std::max(0L, s.translation_length - order + 1);
  }
  return s;
}

BleuScore bleu_from_stats(const BleuStats& stats) {
  BleuScore b;
  b.translation_length = stats.translation_length;
  b.reference_length = stats.reference_length;
  double log_sum = 0;
  bool all_positive = true;
  for (int i = 0; i < kBleuMaxOrder; ++i) {
    b.precisions[i] = stats.possible[i] > 0 ? static_cast<double>(stats.matches[i]) / stats.possible[i] : 0.0;
    if (b.precisions[i] > 0) {
      log_sum += (1.0 / kBleuMaxOrder) * std::log(b.precisions[i]);
    } else {
      all_positive = false;
    }
  }
  const double geo_mean = all_positive ? std::exp(log_sum) : 0.0;
  // compute_bleu divides by zero on empty sides; the limits are used instead: no reference
  // words -> ratio 0 (as sacrebleu reports it) and no penalty, no translation -> penalty 0.
  if (stats.reference_length == 0) {
    b.length_ratio = 0;
    b.brevity_penalty = 1;
  } else {
    b.length_ratio = static_cast<double>(stats.translation_length) / stats.reference_length;
    b.brevity_penalty = b.length_ratio > 1.0 ? 1.0 : b.length_ratio > 0 ? std::exp(1 - 1.0 / b.length_ratio) : 0.0;
  }
  b.score = geo_mean * b.brevity_penalty;
  return b;
}

BleuScore bleu(const std::vector<std::string>& predictions, const std::vector<std::vector<std::string>>& references) {
  BleuStats total;
  for (size_t i = 0; i < predictions.size(); ++i) {
    total += bleu_text_stats(predictions[i], i < references.size() ? references[i] : std::vector<std::string>{});
  }
  return bleu_from_stats(total);
}

BleuScore sentence_bleu(std::string_view prediction, const std::vector<std::string>& references) {
  return bleu_from_stats(bleu_text_stats(prediction, references));
}

}  // namespace qualm::metrics
