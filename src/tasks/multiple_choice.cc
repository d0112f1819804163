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

// llama-perplexity --winogrande's score of one choice. Its sentence (context + choice +
// continuation) is tokenized whole; the scored tokens start after the tokens of context +
// choice tokenized alone (lm-eval's split context, `split`), or, when either choice's tail
// after the choices' shared token prefix is 3 tokens or fewer, after that prefix; the last
// token (the full stop, mostly) is left out when more than one remains; the mean is the score.
// In that short-tail case llama.cpp reads one wrong logit for the second choice (its FIXME):
// s.llama_quirk marks the document.
double winogrande_token_mean(const LoglikelihoodResult& split, const LoglikelihoodResult& joint,
                             std::span<const LoglikelihoodResult> all_joint, McDocScore& s) {
  constexpr size_t kMinTrailing = 3;
  const bool skip_choice = std::all_of(all_joint.begin(), all_joint.end(),
                                       [](const LoglikelihoodResult& j) { return j.tokens.size() > kMinTrailing; });
  const size_t prefix = joint.sequence.size() - joint.tokens.size();
  size_t start = prefix;
  if (skip_choice) {
    start = std::max(prefix, split.sequence.size() - split.tokens.size());
  } else if (all_joint.size() > 1) {
    s.llama_quirk = true;
  }
  const size_t end = joint.sequence.size();
  if (start >= end) return -std::numeric_limits<double>::infinity();
  const size_t last = end - start > 1 ? 1 : 0;
  const auto first = joint.logprobs.begin() + static_cast<std::ptrdiff_t>(start - prefix);
  const auto stop = joint.logprobs.begin() + static_cast<std::ptrdiff_t>(end - last - prefix);
  return std::accumulate(first, stop, 0.0) / static_cast<double>(stop - first);
}

}  // namespace


std::vector<LoglikelihoodRequest> mc_requests(const McDoc& doc, const std::string& delimiter, int64_t group) {
  std::vector<LoglikelihoodRequest> out;
  out.reserve(2 * doc.choices.size());
  const auto request = [&](const std::string& choice, TokenSplit split, int64_t g) {
    if (doc.continuation) return LoglikelihoodRequest{doc.context + choice, delimiter + *doc.continuation, split, g};
    return LoglikelihoodRequest{doc.context, delimiter + choice, split, g, doc.messages};
  };
  for (const std::string& c : doc.choices) out.push_back(request(c, TokenSplit::kLmEval, -1));
  if (group >= 0) {
    for (const std::string& c : doc.choices) out.push_back(request(c, TokenSplit::kSharedPrefix, group));
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
    if (doc.continuation && !shared.empty()) {
      s.token_mean.push_back(winogrande_token_mean(r, t, shared, s));
      continue;
    }
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
