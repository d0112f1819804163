#include "metrics/rouge.h"

#include <algorithm>
#include <map>
#include <set>

#include "metrics/porter_stemmer.h"

namespace qualm::metrics {
namespace {

bool is_token_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

PrfScore prf_from_hits(size_t hits, size_t prediction_tokens, size_t reference_tokens) {
  PrfScore s;
  s.precision = static_cast<double>(hits) / static_cast<double>(prediction_tokens);
  s.recall = static_cast<double>(hits) / static_cast<double>(reference_tokens);
  s.f1 = f1_of(s.precision, s.recall);
  return s;
}

using Table = std::vector<std::vector<size_t>>;

Table lcs_table(const std::vector<std::string>& ref, const std::vector<std::string>& can) {
  Table t(ref.size() + 1, std::vector<size_t>(can.size() + 1, 0));
  for (size_t i = 1; i <= ref.size(); ++i) {
    for (size_t j = 1; j <= can.size(); ++j) {
      t[i][j] = ref[i - 1] == can[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
    }
  }
  return t;
}

// Indices into `ref` of one LCS, chosen by rouge-score's backtracking (_backtrack_norec), whose
// tie-breaking decides which tokens the union holds.
std::vector<size_t> lcs_indices(const std::vector<std::string>& ref, const std::vector<std::string>& can) {
  const Table t = lcs_table(ref, can);
  std::vector<size_t> indices;
  size_t i = ref.size();
  size_t j = can.size();
  while (i > 0 && j > 0) {
    if (ref[i - 1] == can[j - 1]) {
      indices.push_back(i - 1);
      --i;
      --j;
    } else if (t[i][j - 1] > t[i - 1][j]) {
      --j;
    } else {
      --i;
    }
  }
  return indices;
}

std::vector<std::vector<std::string>> tokenized_sentences(std::string_view text, bool use_stemmer) {
  std::vector<std::vector<std::string>> sentences;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    if (end > start) sentences.push_back(rouge_tokenize(text.substr(start, end - start), use_stemmer));
    start = end + 1;
  }
  return sentences;
}

}  // namespace

std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer) {
  std::string folded;
  folded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= 'A' && c <= 'Z') {
      folded += static_cast<char>(c - 'A' + 'a');
    } else if (c == '\xC4' && text.substr(i, 2) == "\xC4\xB0") {  // U+0130 lowers to "i" + U+0307
      folded += "i ";
      i += 1;
    } else if (c == '\xE2' && text.substr(i, 3) == "\xE2\x84\xAA") {  // U+212A KELVIN SIGN lowers to "k"
      folded += 'k';
      i += 2;
    } else {
      folded += is_token_char(c) ? c : ' ';
    }
  }
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < folded.size()) {
    if (folded[i] == ' ') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < folded.size() && folded[j] != ' ') ++j;
    std::string token = folded.substr(i, j - i);
    if (use_stemmer && token.size() > 3) token = porter_stem(token);
    if (!token.empty() && std::all_of(token.begin(), token.end(), is_token_char)) tokens.push_back(std::move(token));
    i = j;
  }
  return tokens;
}

size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<size_t> prev(b.size() + 1, 0);
  std::vector<size_t> row(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      row[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], row[j - 1]);
    }
    std::swap(prev, row);
  }
  return prev[b.size()];
}

PrfScore rouge_l(std::string_view prediction, std::string_view reference, bool use_stemmer) {
  const std::vector<std::string> pred = rouge_tokenize(prediction, use_stemmer);
  const std::vector<std::string> ref = rouge_tokenize(reference, use_stemmer);
  if (pred.empty() || ref.empty()) return {};
  return prf_from_hits(lcs_length(ref, pred), pred.size(), ref.size());
}

PrfScore rouge_lsum(std::string_view prediction, std::string_view reference, bool use_stemmer) {
  const auto pred = tokenized_sentences(prediction, use_stemmer);
  const auto ref = tokenized_sentences(reference, use_stemmer);
  std::map<std::string, size_t> pred_counts;
  std::map<std::string, size_t> ref_counts;
  size_t n = 0;
  size_t m = 0;
  for (const auto& s : pred) {
    n += s.size();
    for (const auto& t : s) ++pred_counts[t];
  }
  for (const auto& s : ref) {
    m += s.size();
    for (const auto& t : s) ++ref_counts[t];
  }
  if (n == 0 || m == 0) return {};

  size_t hits = 0;
  for (const auto& r : ref) {
    std::set<size_t> union_indices;
    for (const auto& c : pred) {
      for (size_t i : lcs_indices(r, c)) union_indices.insert(i);
    }
    for (size_t i : union_indices) {
      size_t& in_pred = pred_counts[r[i]];
      size_t& in_ref = ref_counts[r[i]];
      if (in_pred > 0 && in_ref > 0) {
        ++hits;
        --in_pred;
        --in_ref;
      }
    }
  }
  return prf_from_hits(hits, n, m);
}

}  // namespace qualm::metrics
