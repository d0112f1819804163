#include "eval/kld_eval.h"

#include <algorithm>
#include <optional>

#include "core/errors.h"
#include "core/parallel.h"
#include "metrics/model_metrics.h"

namespace qualm {
namespace {

void require_same_shape(const DistributionChunk& b, const DistributionChunk& m, const std::string& where) {
  if (b.n_vocab != m.n_vocab) {
    throw InputError(where, "the candidate's vocabulary has " + std::to_string(m.n_vocab) + " tokens but the base's has " +
                                std::to_string(b.n_vocab),
                     "compare variants of the same model");
  }
  if (b.request != m.request || b.chunk != m.chunk || b.row != m.row || b.targets.size() != m.targets.size()) {
    throw InputError(where, "the candidate's rolling windows differ from the base's",
                     "compare models with the same training context (or the same --max-length)");
  }
}

// Position by position in parallel from target `skip` on, returned in order so sums do not
// depend on the thread count.
std::vector<TokenComparison> compare_window(const DistributionChunk& b, const DistributionChunk& m, size_t skip) {
  const unsigned workers = default_worker_count();
  const size_t n_vocab = static_cast<size_t>(b.n_vocab);
  skip = std::min(skip, b.targets.size());
  std::vector<TokenComparison> out(b.targets.size() - skip);
  std::vector<std::vector<float>> scratch(workers, std::vector<float>(n_vocab));
  parallel_for(out.size(), workers, [&](unsigned w, size_t k) {
    const size_t i = skip + k;
    logprobs_from_logits(b.logits.subspan(i * n_vocab, n_vocab), scratch[w]);
    out[k] = compare_token(scratch[w], m.logits.subspan(i * n_vocab, n_vocab), b.targets[i]);
  });
  return out;
}

// For the requests of continuation tasks: the base's greedy continuation appended to the text,
// and the number of tokens before it. Returns per request the first position of the token
// sequence that is scored (1 = every token after the start token).
std::vector<size_t> add_continuations(Backend& base, std::span<const KldTask> tasks,
                                      std::span<const std::pair<size_t, size_t>> owner,
                                      std::vector<DistributionRequest>& requests, std::vector<KldTaskScores>& out) {
  std::vector<size_t> first_scored(requests.size(), 1);
  std::vector<size_t> picked;
  std::vector<GenerateRequest> generate;
  std::vector<DistributionRequest> contexts;
  for (size_t r = 0; r < requests.size(); ++r) {
    const std::optional<int> n = tasks[owner[r].first].spec.continuation_tokens;
    if (!n) continue;
    GenerateRequest g;
    g.prompt = requests[r].text;
    g.options.max_new_tokens = *n;
    g.options.temperature = 0;  // greedy: the same continuation in every run
    generate.push_back(std::move(g));
    contexts.push_back(requests[r]);
    picked.push_back(r);
  }
  if (picked.empty()) return first_scored;
  const std::vector<GenerateResult> generated = base.generate(generate);
  // Tokenizing only: a stream decodes nothing until next() is called.
  const auto context_tokens = base.distributions(contexts)->tokens();
  for (size_t k = 0; k < picked.size(); ++k) {
    const size_t r = picked[k];
    KldDocScore& s = out[owner[r].first].docs[owner[r].second];
    if (!generated[k].ok()) {
      s.error = "the base's continuation: " + generated[k].error;
      continue;
    }
    s.continuation = generated[k].text;
    s.context_tokens = static_cast<int64_t>(context_tokens[k].size());
    requests[r].text += generated[k].text;
    first_scored[r] = context_tokens[k].size();
  }
  return first_scored;
}

}  // namespace

std::map<std::string, double> kld_metrics(const KldSummary& s) {
  return {{metrics::model::kNTokens, static_cast<double>(s.n_tokens)},
          {metrics::model::kKldMean, s.kld_mean},
          {metrics::model::kKldStderr, s.kld_stderr},
          {metrics::model::kKldMedian, s.kld.median},
          {metrics::model::kKldP99, s.kld.p99},
          {metrics::model::kKldP95, s.kld.p95},
          {metrics::model::kKldP90, s.kld.p90},
          {metrics::model::kKldMax, s.kld.max},
          {metrics::model::kSameTop, s.same_top},
          {metrics::model::kSameTopStderr, s.same_top_stderr},
          {metrics::model::kDpMean, s.dp_mean},
          {metrics::model::kDpStderr, s.dp_stderr},
          {metrics::model::kRmsDp, s.rms_dp},
          {metrics::model::kPplBase, s.ppl_base},
          {metrics::model::kPplModel, s.ppl_model},
          {metrics::model::kPplRatio, s.ppl_ratio},
          {metrics::model::kLnPplRatio, s.ln_ppl_ratio},
          {metrics::model::kPplDiff, s.ppl_diff},
          {metrics::model::kLogprobCorrelation, s.logprob_correlation}};
}

std::vector<KldTaskScores> score_kld_tasks(Backend& base, Backend& model, std::span<const KldTask> tasks,
                                           const ProgressFn& progress) {
  std::vector<DistributionRequest> requests;
  std::vector<std::pair<size_t, size_t>> owner;  // request -> (task, document)
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (size_t d = 0; d < tasks[t].docs.size(); ++d) {
      requests.push_back({tasks[t].docs[d].text, WindowOptions{WindowOptions::Scheme::kRolling, 0, -1}, {},
                          tasks[t].docs[d].where});
      owner.emplace_back(t, d);
    }
  }
  std::vector<KldTaskScores> out(tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) out[t].docs.resize(tasks[t].docs.size());
  if (requests.empty()) return out;

  const std::vector<size_t> first_scored = add_continuations(base, tasks, owner, requests, out);
  // A document that failed (its continuation, its tokens) is scored by neither model.
  const auto failed = [&](size_t r) { return !out[owner[r].first].docs[owner[r].second].error.empty(); };
  for (size_t r = 0; r < requests.size(); ++r) {
    if (failed(r)) requests[r].text.clear();
  }
  auto base_stream = base.distributions(requests);
  std::vector<DistributionRequest> model_requests = requests;
  for (size_t r = 0; r < requests.size(); ++r) {
    KldDocScore& s = out[owner[r].first].docs[owner[r].second];
    const RequestOutcome& o = base_stream->outcomes()[r];
    s.unknown_tokens = o.unknown_tokens;
    if (!o.ok() && s.error.empty()) s.error = o.error;
    model_requests[r].tokens = base_stream->tokens()[r];
    if (failed(r)) model_requests[r].tokens = {base_stream->tokens()[r].empty() ? 0 : base_stream->tokens()[r][0]};
  }
  auto model_stream = model.distributions(model_requests);

  std::vector<KldAccumulator> doc_acc(requests.size());
  std::vector<KldAccumulator> task_acc(tasks.size());
  std::vector<std::map<std::string, KldAccumulator>> category_acc(tasks.size());
  std::vector<size_t> seen(requests.size(), 0);  // targets of earlier windows
  int64_t total = 0, done = 0;
  for (int n : base_stream->chunk_counts()) total += n;
  DistributionChunk b, m;
  while (base_stream->next(b)) {
    const auto [t, d] = owner[b.request];
    if (!model_stream->next(m)) throw RunError("the candidate produced fewer windows than the base");
    require_same_shape(b, m, tasks[t].docs[d].where);
    const std::string& category = tasks[t].docs[d].category;
    // Target i of this window is token seen + 1 + i of the sequence.
    const size_t position = seen[b.request] + 1;
    const size_t skip = first_scored[b.request] > position ? first_scored[b.request] - position : 0;
    seen[b.request] += b.targets.size();
    for (const TokenComparison& c : compare_window(b, m, skip)) {
      doc_acc[b.request].add(c);
      task_acc[t].add(c);
      if (!category.empty()) category_acc[t][category].add(c);
    }
    if (progress && b.last) progress(++done, total);
  }
  for (size_t r = 0; r < requests.size(); ++r) {
    const auto [t, d] = owner[r];
    KldDocScore& s = out[t].docs[d];
    out[t].unknown_tokens += s.unknown_tokens;
    out[t].docs_with_unknown += s.unknown_tokens > 0 ? 1 : 0;
    if (!s.error.empty()) {
      ++out[t].n_errors;
      continue;
    }
    const KldSummary summary = doc_acc[r].summarize();
    s.n_tokens = summary.n_tokens;
    s.n_windows = base_stream->chunk_counts()[r];
    s.truncated = s.n_windows > 1;
    s.metrics = kld_metrics(summary);
    out[t].n_truncated += s.truncated ? 1 : 0;
    s.state = std::move(doc_acc[r]);
  }
  for (size_t t = 0; t < tasks.size(); ++t) {
    out[t].summary = kld_metrics(task_acc[t].summarize());
    for (const auto& [category, acc] : category_acc[t]) out[t].categories[category] = kld_metrics(acc.summarize());
  }
  return out;
}

}  // namespace qualm
