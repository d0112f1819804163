#include "metrics/bleu.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
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

namespace {

// Up to four words as ids (1-based, 0 = past the end), packed 32 bits each, the first highest:
// sorted windows are sorted by their first n words for every order n, so that equal n-grams of
// every order lie side by side after one sort (no map, no string per n-gram).
using Window = unsigned __int128;
constexpr int kWordBits = 32;

std::vector<Window> sorted_windows(const std::vector<std::string>& words,
                                   std::unordered_map<std::string_view, uint32_t>& ids) {
  std::vector<Window> windows(words.size());
  Window next = 0;
  for (size_t i = words.size(); i-- > 0;) {
    const auto [it, added] = ids.try_emplace(words[i], static_cast<uint32_t>(ids.size() + 1));
    next = (static_cast<Window>(it->second) << (kWordBits * (kBleuMaxOrder - 1))) | (next >> kWordBits);
    windows[i] = next;
  }
  std::sort(windows.begin(), windows.end());
  return windows;
}

// The windows holding an n-gram, as (n-gram, count) in order.
std::vector<std::pair<Window, long>> grams_of_order(const std::vector<Window>& windows, int n) {
  const int shift = kWordBits * (kBleuMaxOrder - n);
  std::vector<std::pair<Window, long>> out;
  for (const Window w : windows) {
    if ((static_cast<uint32_t>(w >> shift)) == 0) continue;  // fewer than n words left
    const Window g = w >> shift;
    if (!out.empty() && out.back().first == g) ++out.back().second;
    else out.emplace_back(g, 1);
  }
  return out;
}

}  // namespace

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
  std::unordered_map<std::string_view, uint32_t> ids;
  const std::vector<Window> hyp = sorted_windows(translation, ids);
  std::vector<std::vector<Window>> refs;
  for (const auto& r : references) refs.push_back(sorted_windows(r, ids));
  for (int order = 1; order <= kBleuMaxOrder; ++order) {
    s.possible[order - 1] = std::max(0L, s.translation_length - order + 1);
    // Clipped matches: per n-gram, its count, at most its highest count in any one reference.
    const std::vector<std::pair<Window, long>> grams = grams_of_order(hyp, order);
    std::vector<long> clip(grams.size(), 0);
    for (const std::vector<Window>& ref : refs) {
      const std::vector<std::pair<Window, long>> in_ref = grams_of_order(ref, order);
      size_t j = 0;
      for (size_t i = 0; i < grams.size(); ++i) {
        while (j < in_ref.size() && in_ref[j].first < grams[i].first) ++j;
        if (j < in_ref.size() && in_ref[j].first == grams[i].first) clip[i] = std::max(clip[i], in_ref[j].second);
      }
    }
    for (size_t i = 0; i < grams.size(); ++i) s.matches[order - 1] += std::min(grams[i].second, clip[i]);
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
