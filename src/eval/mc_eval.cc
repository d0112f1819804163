#include "eval/mc_eval.h"

#include <cmath>

namespace qualm {

std::vector<McTaskScores> score_mc_tasks(Backend& backend, std::span<const McTask> tasks) {
  std::vector<LoglikelihoodRequest> requests;
  for (const McTask& task : tasks) {
    for (const McDoc& doc : task.docs) {
      for (LoglikelihoodRequest& r : mc_requests(doc, task.spec.target_delimiter)) requests.push_back(std::move(r));
    }
  }
  const std::vector<LoglikelihoodResult> results = backend.loglikelihood(requests);

  std::vector<McTaskScores> out;
  size_t next = 0;
  for (const McTask& task : tasks) {
    McTaskScores s;
    for (const McDoc& doc : task.docs) {
      const std::span<const LoglikelihoodResult> mine(results.data() + next, doc.choices.size());
      next += doc.choices.size();
      s.scores.push_back(score_mc_doc(doc, mine));
      std::vector<ChoiceOutcome> choices;
      bool truncated = false;
      for (size_t c = 0; c < mine.size(); ++c) {
        choices.push_back({s.scores.back().loglikelihood[c], static_cast<int>(mine[c].tokens.size()), mine[c].is_greedy});
        truncated = truncated || mine[c].truncated;
      }
      s.choices.push_back(std::move(choices));
      s.prompt_tokens.push_back(static_cast<int>(mine[0].sequence.size() - mine[0].tokens.size()));
      s.truncated.push_back(truncated);
      s.n_truncated += truncated ? 1 : 0;
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
    g.token_mean_gaps += m.token_mean_gaps;
  }
  g.acc = fold(&McMetrics::acc);
  g.acc_norm = fold(&McMetrics::acc_norm);
  g.acc_bytes = fold(&McMetrics::acc_bytes);
  g.acc_token_mean = fold(&McMetrics::acc_token_mean);
  return g;
}

}  // namespace qualm
