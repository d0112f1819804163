#include "eval/rolling_eval.h"

#include <cmath>
#include <numbers>

#include "metrics/model_metrics.h"

namespace qualm {

std::map<std::string, double> rolling_metrics(double ll, int64_t tokens, int64_t words, int64_t bytes) {
  std::map<std::string, double> m = {{metrics::model::kLoglikelihood, ll},
                                     {metrics::model::kNTokens, static_cast<double>(tokens)},
                                     {metrics::model::kWords, static_cast<double>(words)},
                                     {metrics::model::kBytes, static_cast<double>(bytes)}};
  if (tokens > 0) m[metrics::model::kTokenPerplexity] = std::exp(-ll / static_cast<double>(tokens));
  if (words > 0) m[metrics::model::kWordPerplexity] = std::exp(-ll / static_cast<double>(words));
  if (bytes > 0) {
    m[metrics::model::kBytePerplexity] = std::exp(-ll / static_cast<double>(bytes));
    m[metrics::model::kBitsPerByte] = -ll / static_cast<double>(bytes) / std::numbers::ln2;
  }
  return m;
}

std::vector<RollingTaskScores> score_rolling_tasks(Backend& backend, std::span<const RollingTask> tasks) {
  std::vector<RollingRequest> requests;
  for (const RollingTask& task : tasks) {
    for (const RollingDoc& doc : task.docs) {
      requests.push_back({doc.text, WindowOptions{WindowOptions::Scheme::kRolling, 0, -1}, doc.where});
    }
  }
  const std::vector<RollingResult> results = backend.loglikelihood_rolling(requests);

  std::vector<RollingTaskScores> out;
  size_t next = 0;
  for (const RollingTask& task : tasks) {
    RollingTaskScores s;
    double ll_sum = 0;
    int64_t tokens = 0, words = 0, bytes = 0;
    for (const RollingDoc& doc : task.docs) {
      const RollingResult& r = results[next++];
      RollingDocScore d;
      d.unknown_tokens = r.unknown_tokens;
      s.unknown_tokens += r.unknown_tokens;
      s.docs_with_unknown += r.unknown_tokens > 0 ? 1 : 0;
      if (!r.ok()) {
        d.error = r.error;
        ++s.n_errors;
        s.docs.push_back(std::move(d));
        continue;
      }
      for (double lp : r.logprobs) d.loglikelihood += lp;
      d.targets = r.targets;
      d.token_logprobs = r.logprobs;
      d.n_tokens = static_cast<int64_t>(r.logprobs.size());
      d.n_windows = r.n_chunks;
      d.truncated = r.n_chunks > 1;
      d.metrics = rolling_metrics(d.loglikelihood, d.n_tokens, doc.words, doc.bytes);
      ll_sum += d.loglikelihood;
      tokens += d.n_tokens;
      words += doc.words;
      bytes += doc.bytes;
      s.n_truncated += d.truncated ? 1 : 0;
      s.docs.push_back(std::move(d));
    }
    s.summary = rolling_metrics(ll_sum, tokens, words, bytes);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace qualm
