#include "tasks/multiple_choice.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/utf8.h"
#include "stats/moments.h"

namespace qualm {
namespace {

// First index of the maximum, as numpy.argmax.
int argmax(const std::vector<double>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace


std::vector<LoglikelihoodRequest> mc_requests(const McDoc& doc, const std::string& delimiter, int64_t group) {
  std::vector<LoglikelihoodRequest> out;
  out.reserve(2 * doc.choices.size());
  for (const std::string& c : doc.choices) out.push_back({doc.context, delimiter + c, TokenSplit::kLmEval, -1});
  if (group >= 0) {
    for (const std::string& c : doc.choices) out.push_back({doc.context, delimiter + c, TokenSplit::kSharedPrefix, group});
  }
  return out;
}

McDocScore score_mc_doc(const McDoc& doc, std::span<const LoglikelihoodResult> results,
                        std::span<const LoglikelihoodResult> shared) {
  McDocScore s;
  for (size_t i = 0; i < results.size(); ++i) {
    s.unknown_tokens += results[i].unknown_tokens;
    const LoglikelihoodResult* failed = !results[i].ok() ? &results[i] : !shared.empty() && !shared[i].ok() ? &shared[i] : nullptr;
    if (failed != nullptr && s.error.empty()) s.error = "choice " + std::to_string(i) + ": " + failed->error;
  }
  if (!s.error.empty()) return s;
  std::vector<double> per_char, per_byte;
  for (size_t i = 0; i < results.size(); ++i) {
    const LoglikelihoodResult& r = results[i];
    const double ll = std::accumulate(r.logprobs.begin(), r.logprobs.end(), 0.0);
    s.loglikelihood.push_back(ll);
    per_char.push_back(ll / static_cast<double>(std::max<size_t>(1, utf8_length(doc.choices[i]))));
    per_byte.push_back(ll / static_cast<double>(std::max<size_t>(1, doc.choices[i].size())));
    const LoglikelihoodResult& t = shared.empty() ? r : shared[i];
    if (!shared.empty() && t.sequence != r.sequence) s.split_differs = true;
    if (t.logprobs.empty()) {
      s.token_mean.push_back(-std::numeric_limits<double>::infinity());
      continue;
    }
    const double sum = std::accumulate(t.logprobs.begin(), t.logprobs.end(), 0.0);
    s.token_mean.push_back(sum / static_cast<double>(t.logprobs.size()));
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
    if (!scores[i].error.empty()) continue;
    const int gold = docs[i].gold;
    acc.add(scores[i].pred_acc == gold);
    norm.add(scores[i].pred_norm == gold);
    bytes.add(scores[i].pred_bytes == gold);
    token_mean.add(scores[i].pred_token_mean == gold);
    m.split_differs += scores[i].split_differs ? 1 : 0;
  }
  const auto metric = [](const stats::MomentSums& s) { return McMetric{s.mean(), s.stderr_of_mean()}; };
  m.acc = metric(acc);
  m.acc_norm = metric(norm);
  m.acc_bytes = metric(bytes);
  m.acc_token_mean = metric(token_mean);
  m.n = static_cast<int>(acc.n);
  return m;
}

}  // namespace qualm
