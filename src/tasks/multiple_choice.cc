#include "tasks/multiple_choice.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "stats/moments.h"

namespace qualm {
namespace {

// First index of the maximum, as numpy.argmax.
int argmax(const std::vector<double>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

size_t common_prefix(std::span<const LoglikelihoodResult> results) {
  size_t n = results[0].sequence.size();
  for (const LoglikelihoodResult& r : results.subspan(1)) {
    size_t k = 0;
    while (k < n && k < r.sequence.size() && r.sequence[k] == results[0].sequence[k]) ++k;
    n = k;
  }
  return n;
}

}  // namespace

size_t utf8_length(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::vector<LoglikelihoodRequest> mc_requests(const McDoc& doc, const std::string& delimiter) {
  std::vector<LoglikelihoodRequest> out;
  out.reserve(doc.choices.size());
  for (const std::string& c : doc.choices) out.push_back({doc.context, delimiter + c});
  return out;
}

McDocScore score_mc_doc(const McDoc& doc, std::span<const LoglikelihoodResult> results) {
  McDocScore s;
  const size_t prefix = common_prefix(results);
  std::vector<double> per_char, per_byte;
  for (size_t i = 0; i < results.size(); ++i) {
    const LoglikelihoodResult& r = results[i];
    const double ll = std::accumulate(r.logprobs.begin(), r.logprobs.end(), 0.0);
    s.loglikelihood.push_back(ll);
    per_char.push_back(ll / static_cast<double>(std::max<size_t>(1, utf8_length(doc.choices[i]))));
    per_byte.push_back(ll / static_cast<double>(std::max<size_t>(1, doc.choices[i].size())));

    const size_t start = r.sequence.size() - r.tokens.size();
    if (prefix < start) s.token_mean_gap = true;
    const size_t from = std::max(prefix, start) - start;
    if (from >= r.logprobs.size()) {
      s.token_mean.push_back(-std::numeric_limits<double>::infinity());
      continue;
    }
    const double sum = std::accumulate(r.logprobs.begin() + static_cast<std::ptrdiff_t>(from), r.logprobs.end(), 0.0);
    s.token_mean.push_back(sum / static_cast<double>(r.logprobs.size() - from));
  }
  s.pred_acc = argmax(s.loglikelihood);
  s.pred_norm = argmax(per_char);
  s.pred_bytes = argmax(per_byte);
  s.pred_token_mean = argmax(s.token_mean);
  return s;
}

McMetrics aggregate_mc(std::span<const McDoc> docs, std::span<const McDocScore> scores) {
  stats::MomentSums acc, norm, bytes, token_mean;
  McMetrics m;
  for (size_t i = 0; i < docs.size(); ++i) {
    const int gold = docs[i].gold;
    acc.add(scores[i].pred_acc == gold);
    norm.add(scores[i].pred_norm == gold);
    bytes.add(scores[i].pred_bytes == gold);
    token_mean.add(scores[i].pred_token_mean == gold);
    m.token_mean_gaps += scores[i].token_mean_gap ? 1 : 0;
  }
  const auto metric = [](const stats::MomentSums& s) { return McMetric{s.mean(), s.stderr_of_mean()}; };
  m.acc = metric(acc);
  m.acc_norm = metric(norm);
  m.acc_bytes = metric(bytes);
  m.acc_token_mean = metric(token_mean);
  m.n = static_cast<int>(docs.size());
  return m;
}

}  // namespace qualm
