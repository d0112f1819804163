#include "metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>

#include "metrics/tokenizer_13a.h"
#include "metrics/unicode_text.h"

namespace qualm::metrics {

Tokenized13a tokenize_13a_words(std::string_view hypothesis, const std::vector<std::string>& references,
                                bool rstrip_first) {
  Tokenized13a t;
  t.texts.reserve(references.size() + 1);
  t.texts.push_back(tokenize_13a_spaced(rstrip_first ? rstrip_whitespace(hypothesis) : hypothesis));
  for (const std::string& r : references) {
    t.texts.push_back(tokenize_13a_spaced(rstrip_first ? rstrip_whitespace(r) : r));
  }
  t.references.reserve(references.size());
  for (size_t i = 0; i < t.texts.size(); ++i) {
    (i == 0 ? t.hypothesis : t.references.emplace_back()) = split_whitespace_views(t.texts[i]);
  }
  return t;
}

// HF evaluate's bleu splits 13a output on whitespace.
BleuStats bleu_text_stats(std::string_view prediction, const std::vector<std::string>& references) {
  const Tokenized13a t = tokenize_13a_words(prediction, references, false);
  return bleu_stats(t.hypothesis, t.references);
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

// Every word of the texts as an id from 1, equal words equal ids (an open-addressing table of
// views, no allocation per word): ids[t][i].
std::vector<std::vector<uint32_t>> word_ids(const std::vector<const Words*>& texts) {
  size_t total = 0;
  for (const Words* text : texts) total += text->size();
  size_t capacity = 16;
  while (capacity < 2 * total) capacity *= 2;
  std::vector<std::pair<std::string_view, uint32_t>> table(capacity);  // id 0: an empty slot
  const std::hash<std::string_view> hash;
  uint32_t next_id = 0;
  std::vector<std::vector<uint32_t>> ids;
  ids.reserve(texts.size());
  for (const Words* text : texts) {
    std::vector<uint32_t>& out = ids.emplace_back();
    out.reserve(text->size());
    for (const std::string_view word : *text) {
      size_t slot = hash(word) & (capacity - 1);
      while (table[slot].second != 0 && table[slot].first != word) slot = (slot + 1) & (capacity - 1);
      if (table[slot].second == 0) table[slot] = {word, ++next_id};
      out.push_back(table[slot].second);
    }
  }
  return ids;
}

std::vector<Window> sorted_windows(const std::vector<uint32_t>& ids) {
  std::vector<Window> windows(ids.size());
  Window next = 0;
  for (size_t i = ids.size(); i-- > 0;) {
    next = (static_cast<Window>(ids[i]) << (kWordBits * (kBleuMaxOrder - 1))) | (next >> kWordBits);
    windows[i] = next;
  }
  std::sort(windows.begin(), windows.end());
  return windows;
}

}  // namespace

BleuStats bleu_stats(const Words& translation, const std::vector<Words>& references) {
  long shortest = 0;
  if (!references.empty()) {
    size_t n = std::numeric_limits<size_t>::max();
    for (const auto& r : references) n = std::min(n, r.size());
    shortest = static_cast<long>(n);
  }
  return ngram_stats(translation, references, shortest);
}

BleuStats ngram_stats(const Words& translation, const std::vector<Words>& references, long reference_length) {
  BleuStats s;
  s.translation_length = static_cast<long>(translation.size());
  s.reference_length = reference_length;
  std::vector<const Words*> texts{&translation};
  for (const Words& r : references) texts.push_back(&r);
  const std::vector<std::vector<uint32_t>> ids = word_ids(texts);
  const std::vector<Window> hyp = sorted_windows(ids[0]);
  std::vector<std::vector<Window>> refs;
  for (size_t r = 1; r < ids.size(); ++r) refs.push_back(sorted_windows(ids[r]));
  // Clipped matches: per n-gram, its count, at most its highest count in any one reference; a
  // walk over the sorted windows per order (equal n-grams are side by side at every order).
  for (int order = 1; order <= kBleuMaxOrder; ++order) {
    s.possible[order - 1] = std::max(0L, s.translation_length - order + 1);
    const int shift = kWordBits * (kBleuMaxOrder - order);
    const auto gram = [shift](Window w) { return w >> shift; };  // whole when its lowest word is not 0
    std::vector<size_t> at(refs.size(), 0);
    for (size_t i = 0; i < hyp.size();) {
      const Window g = gram(hyp[i]);
      long count = 0;
      for (; i < hyp.size() && gram(hyp[i]) == g; ++i) ++count;
      if (static_cast<uint32_t>(g) == 0) continue;  // fewer than n words left
      long clip = 0;
      for (size_t r = 0; r < refs.size(); ++r) {
        const std::vector<Window>& ref = refs[r];
        while (at[r] < ref.size() && gram(ref[at[r]]) < g) ++at[r];
        long in_ref = 0;
        for (; at[r] < ref.size() && gram(ref[at[r]]) == g; ++at[r]) ++in_ref;
        clip = std::max(clip, in_ref);
      }
      s.matches[order - 1] += std::min(count, clip);
    }
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
