#include "eval/mc_eval.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qualm {
namespace {

// The servers that answered these requests, each once, in order of first answer.
std::string endpoints_of(std::span<const LoglikelihoodResult> results) {
  std::vector<std::string> seen;
  std::string out;
  for (const LoglikelihoodResult& r : results) {
    if (r.endpoint.empty() || std::find(seen.begin(), seen.end(), r.endpoint) != seen.end()) continue;
    seen.push_back(r.endpoint);
    out += (out.empty() ? "" : ", ") + r.endpoint;
  }
  return out;
}

}  // namespace

std::vector<McTaskScores> score_mc_tasks(Backend& backend, std::span<const McTask> tasks) {
  std::vector<LoglikelihoodRequest> requests;
  int64_t group = 0;
  for (const McTask& task : tasks) {
    for (const McDoc& doc : task.docs) {
      for (LoglikelihoodRequest& r : mc_requests(doc, continuation_delimiter(task.spec), group++)) {
        requests.push_back(std::move(r));
      }
    }
  }
  const std::vector<LoglikelihoodResult> all = backend.loglikelihood(requests);
  const std::span<const LoglikelihoodResult> results(all);

  std::vector<McTaskScores> out;
  size_t next = 0;
  for (const McTask& task : tasks) {
    McTaskScores s;
    for (const McDoc& doc : task.docs) {
      const size_t n = doc.choices.size();
      const std::span<const LoglikelihoodResult> mine(results.data() + next, n);
      const std::span<const LoglikelihoodResult> shared(results.data() + next + n, n);
      next += 2 * n;
      s.scores.push_back(score_mc_doc(doc, mine, shared));
      const McDocScore& score = s.scores.back();
      std::vector<ChoiceOutcome> choices;
      bool truncated = false;
      if (score.error.empty()) {
        for (size_t c = 0; c < n; ++c) {
          choices.push_back({score.loglikelihood[c], static_cast<int>(mine[c].tokens.size()), mine[c].is_greedy,
                             mine[c].sequence, mine[c].logprobs});
          truncated = truncated || mine[c].truncated;
        }
      }
      s.choices.push_back(std::move(choices));
      s.prompt_tokens.push_back(score.error.empty() ? static_cast<int>(mine[0].sequence.size() - mine[0].tokens.size()) : 0);
      s.truncated.push_back(truncated);
      s.endpoints.push_back(endpoints_of(results.subspan(next - 2 * n, 2 * n)));
      s.n_truncated += truncated ? 1 : 0;
      s.n_errors += score.error.empty() ? 0 : 1;
      s.unknown_tokens += score.unknown_tokens;
      s.docs_with_unknown += score.unknown_tokens > 0 ? 1 : 0;
    }
    s.metrics = aggregate_mc(task.docs, s.scores);
    out.push_back(std::move(s));
  }
  return out;
}

McMetrics aggregate_group(std::span<const McMetrics> members) {
  McMetrics g;
  int k = 0;
  const auto fold = [&](McMetric McMetrics::*field) {
    double weighted = 0, pooled = 0;
    int n = 0;
    for (const McMetrics& m : members) {
      if (m.n == 0) continue;
      const McMetric& x = m.*field;
      const double ni = m.n;
      weighted += x.value * ni;
      pooled += (ni - 1) * x.stderr_ * x.stderr_ * ni;
      n += m.n;
    }
    McMetric out;
    if (n > 0) out.value = weighted / n;
    if (n > k) out.stderr_ = std::sqrt(pooled / (n - k) / n);
    return out;
  };
  for (const McMetrics& m : members) {
    if (m.n > 0) ++k;
    g.n += m.n;
    g.split_differs += m.split_differs;
  }
  g.acc = fold(&McMetrics::acc);
  g.acc_norm = fold(&McMetrics::acc_norm);
  g.acc_bytes = fold(&McMetrics::acc_bytes);
  g.acc_token_mean = fold(&McMetrics::acc_token_mean);
  return g;
}

}  // namespace qualm
