#include "metrics/bertscore.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

namespace qualm::metrics {
namespace {

std::vector<std::vector<double>> normalized(const TokenEmbeddings& tokens, size_t width) {
  std::vector<std::vector<double>> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) {
    if (t.size() != width) throw std::invalid_argument("bertscore: token vectors differ in width");
    double norm = 0;
    for (float x : t) norm += static_cast<double>(x) * x;
    norm = std::sqrt(norm);
    std::vector<double> v(width, 0.0);
    if (norm > 0) {
      for (size_t k = 0; k < width; ++k) v[k] = t[k] / norm;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<double> weights_or_ones(const std::vector<double>& weights, size_t n) {
  if (weights.empty()) return std::vector<double>(n, 1.0);
  if (weights.size() != n) throw std::invalid_argument("bertscore: one weight per token is needed");
  return weights;
}

// Sum of weight * best similarity along one side, divided by the sum of weights.
double weighted_best(const std::vector<double>& best, const std::vector<double>& weights) {
  double sum = 0;
  double total = 0;
  for (size_t i = 0; i < best.size(); ++i) {
    sum += weights[i] * best[i];
    total += weights[i];
  }
  return total > 0 ? sum / total : 0.0;
}

double rescaled(double x, double b) { return (x - b) / (1 - b); }

}  // namespace

PrfScore bertscore(const TokenEmbeddings& candidate, const TokenEmbeddings& reference,
                   const BertScoreOptions& options) {
  const std::vector<double> wc = weights_or_ones(options.candidate_weights, candidate.size());
  const std::vector<double> wr = weights_or_ones(options.reference_weights, reference.size());
  PrfScore s;
  if (!candidate.empty() && !reference.empty()) {
    const size_t width = candidate.front().size();
    const auto c = normalized(candidate, width);
    const auto r = normalized(reference, width);
    constexpr double kLowest = -std::numeric_limits<double>::infinity();
    std::vector<double> best_c(c.size(), kLowest);
    std::vector<double> best_r(r.size(), kLowest);
    for (size_t i = 0; i < c.size(); ++i) {
      for (size_t j = 0; j < r.size(); ++j) {
        double sim = 0;
        for (size_t k = 0; k < width; ++k) sim += c[i][k] * r[j][k];
        best_c[i] = std::max(best_c[i], sim);
        best_r[j] = std::max(best_r[j], sim);
      }
    }
    s.precision = weighted_best(best_c, wc);
    s.recall = weighted_best(best_r, wr);
    s.f1 = f1_of(s.precision, s.recall);
  }
  if (options.baseline) {
    s.precision = rescaled(s.precision, options.baseline->precision);
    s.recall = rescaled(s.recall, options.baseline->recall);
    s.f1 = rescaled(s.f1, options.baseline->f1);
  }
  return s;
}

double IdfTable::operator()(int token) const {
  const auto it = idf.find(token);
  return it == idf.end() ? unseen : it->second;
}

IdfTable bertscore_idf(const std::vector<std::vector<int>>& reference_tokens) {
  const double m = static_cast<double>(reference_tokens.size());
  std::unordered_map<int, long> document_frequency;
  for (const auto& doc : reference_tokens) {
    for (int t : std::set<int>(doc.begin(), doc.end())) ++document_frequency[t];
  }
  IdfTable table;
  table.unseen = std::log(m + 1);
  for (const auto& [token, df] : document_frequency) table.idf[token] = std::log((m + 1) / (df + 1));
  return table;
}

}  // namespace qualm::metrics
