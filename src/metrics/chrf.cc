#include "metrics/chrf.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"
#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

// A character as one number in [1, 2^21): its code point + 1, or, for a malformed sequence, an
// id above U+10FFFF + 1 given in order of appearance (distinct byte sequences stay distinct, as
// sacrebleu's str characters would); 0 marks the end of the text. Six characters then pack
// exactly into 126 bits, the first one highest.
using Gram = unsigned __int128;
constexpr int kCharBits = 21;
constexpr uint32_t kCharMask = (1u << kCharBits) - 1;

struct CharKeys {
  std::vector<std::string> malformed;  // id - 0x110001
  uint32_t key(std::string_view c) {
    if (utf8_valid_length(c, 0) == c.size()) return static_cast<uint32_t>(utf8_decode(c)) + 1;
    auto it = std::find(malformed.begin(), malformed.end(), c);
    if (it == malformed.end()) it = malformed.insert(it, std::string(c));
    return 0x110001u + static_cast<uint32_t>(it - malformed.begin());
  }
};

// The text's characters without whitespace as windows: at every position the next (up to) six
// characters, packed, then sorted. Sorted by six characters is sorted by the first n for every
// order n, so that equal n-grams of every order lie side by side after one sort.
struct CharNgrams {
  std::vector<Gram> windows;
};

CharNgrams char_ngrams(std::string_view text, CharKeys& keys) {
  std::vector<uint32_t> chars;  // keys of the characters that are not whitespace
  chars.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {  // ASCII: its own key
      if (!is_python_space(byte)) chars.push_back(byte + 1u);
      ++i;
      continue;
    }
    const size_t n = std::max<size_t>(1, utf8_valid_length(text, i));  // a malformed byte is one character
    const std::string_view c = text.substr(i, n);
    if (!is_python_space(utf8_decode(c))) chars.push_back(keys.key(c));
    i += n;
  }
  CharNgrams out;
  out.windows.resize(chars.size());
  Gram next = 0;  // the window one position to the right
  for (size_t i = chars.size(); i-- > 0;) {
    next = (static_cast<Gram>(chars[i]) << (kCharBits * (kChrfCharOrder - 1))) | (next >> kCharBits);
    out.windows[i] = next;
  }
  std::sort(out.windows.begin(), out.windows.end());
  return out;
}

// sacrebleu's _get_match_statistics for every order (the clipped matches: per distinct n-gram,
// the smaller of its two counts); a reference without n-grams of an order also zeroes the
// hypothesis count of that order.
ChrfStats match_stats(const CharNgrams& hyp, const CharNgrams& ref) {
  ChrfStats s;
  const std::vector<Gram>& h = hyp.windows;
  const std::vector<Gram>& r = ref.windows;
  for (int n = 1; n <= kChrfCharOrder; ++n) {
    const int shift = kCharBits * (kChrfCharOrder - n);
    // A window holds an n-gram when its n-th character is not the end of the text.
    const auto gram = [shift](Gram w) { return w >> shift; };
    const auto whole = [shift](Gram w) { return (static_cast<uint32_t>(w >> shift) & kCharMask) != 0; };
    long in_hyp = 0, in_ref = 0, matches = 0;
    size_t i = 0, j = 0;
    while (i < h.size() || j < r.size()) {
      if (i < h.size() && !whole(h[i])) { ++i; continue; }
      if (j < r.size() && !whole(r[j])) { ++j; continue; }
      if (j == r.size() || (i < h.size() && gram(h[i]) < gram(r[j]))) { ++i, ++in_hyp; continue; }
      if (i == h.size() || gram(r[j]) < gram(h[i])) { ++j, ++in_ref; continue; }
      const Gram g = gram(h[i]);
      long a = 0, b = 0;
      for (; i < h.size() && gram(h[i]) == g; ++i) a += whole(h[i]) ? 1 : 0;
      for (; j < r.size() && gram(r[j]) == g; ++j) b += whole(r[j]) ? 1 : 0;
      in_hyp += a, in_ref += b, matches += std::min(a, b);
    }
    s.counts[3 * (n - 1)] = in_ref == 0 ? 0 : in_hyp;
    s.counts[3 * (n - 1) + 1] = in_ref;
    s.counts[3 * (n - 1) + 2] = matches;
  }
  return s;
}

}  // namespace

ChrfStats& ChrfStats::operator+=(const ChrfStats& other) {
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  return *this;
}

ChrfStats chrf_stats(std::string_view hypothesis, const std::vector<std::string>& references) {
  CharKeys keys;
  const CharNgrams hyp = char_ngrams(hypothesis, keys);
  ChrfStats best;
  double best_f = -1.0;
  for (const std::string& reference : references) {
    ChrfStats s = match_stats(hyp, char_ngrams(reference, keys));
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
