#include "backend/llama/loglikelihood.h"

#include <algorithm>
#include <string>

#include "backend/llama/decode.h"
#include "backend/logits.h"
#include "core/errors.h"
#include "core/parallel.h"

namespace qualm::llama {
namespace {

size_t common_prefix(const std::vector<TokenId>& a, const std::vector<TokenId>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// Request indices ordered by their token sequences, so that requests sharing a prefix (the
// choices of one document, the few-shot examples of one subject) sit side by side.
std::vector<size_t> token_order(const std::vector<PreparedRequest>& prepared) {
  std::vector<size_t> order(prepared.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::lexicographical_compare(prepared[a].tokens.begin(), prepared[a].tokens.end(),
                                        prepared[b].tokens.begin(), prepared[b].tokens.end());
  });
  return order;
}

}  // namespace

PreparedRequest prepare_request(const LlamaModel& model, const LoglikelihoodRequest& request, int window) {
  std::string context = request.context;
  std::string continuation = request.continuation;
  const size_t kept = context.find_last_not_of(" \t\n\r\f\v");
  const size_t n_spaces = kept == std::string::npos ? context.size() : context.size() - kept - 1;
  if (n_spaces > 0 && n_spaces < context.size()) {
    continuation = context.substr(context.size() - n_spaces) + continuation;
    context.resize(context.size() - n_spaces);
  }
  PreparedRequest p;
  std::vector<TokenId> context_tokens;
  if (context.empty() || context.find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
    // lm-evaluation-harness: an empty context is the start-of-text token alone.
    context_tokens = {model.bos()};
    p.tokens = context_tokens;
    const std::vector<TokenId> cont = model.tokenize(context + continuation, /*add_special=*/false);
    p.tokens.insert(p.tokens.end(), cont.begin(), cont.end());
  } else {
    context_tokens = model.tokenize(context, /*add_special=*/true);
    p.tokens = model.tokenize(context + continuation, /*add_special=*/true);
  }
  p.continuation_start = static_cast<int>(std::min(context_tokens.size(), p.tokens.size()));
  if (p.continuation_start >= static_cast<int>(p.tokens.size())) {
    throw InputError("loglikelihood request", "the continuation '" + request.continuation + "' adds no token",
                     "give a non-empty continuation");
  }
  if (static_cast<int>(p.tokens.size()) > window) {
    // Cut from the left, keeping the continuation whole when it fits.
    const size_t drop = p.tokens.size() - static_cast<size_t>(window);
    p.tokens.erase(p.tokens.begin(), p.tokens.begin() + static_cast<std::ptrdiff_t>(drop));
    p.continuation_start = std::max(1, p.continuation_start - static_cast<int>(drop));
    p.truncated = true;
  }
  return p;
}

std::vector<LoglikelihoodResult> score_loglikelihood(const LlamaModel& model, llama_context* ctx,
                                                     std::span<const LoglikelihoodRequest> requests,
                                                     const ScoringLimits& limits, const ProgressFn& progress) {
  std::vector<PreparedRequest> prepared;
  prepared.reserve(requests.size());
  for (const LoglikelihoodRequest& r : requests) prepared.push_back(prepare_request(model, r, limits.window));
  const std::vector<size_t> order = token_order(prepared);
  const size_t pack = static_cast<size_t>(std::min(limits.pack, limits.budget));

  std::vector<LoglikelihoodResult> results(requests.size());
  const int n_vocab = model.n_vocab();
  Batch batch(limits.budget, limits.n_seq);
  // Per request, the batch index whose logits predict each of its tokens (index t: token t).
  std::vector<std::vector<int>> rows(requests.size());
  std::vector<int> path;  // batch index of each position of the previous member's sequence

  size_t i0 = 0;
  while (i0 < order.size()) {
    // Members in token order form a prefix tree: each adds only the tokens after its common
    // prefix with the previous member, and those shared tokens carry every member's sequence id.
    // A run is a stretch of requests that mostly share the previous one's prefix (the choices
    // of one document). A decode stays within `pack` tokens and does not split a run: it ends
    // before the run instead, unless the run fills the decode alone, which may then grow up
    // to the KV budget rather than decode the run's prefix twice.
    size_t i1 = i0 + 1, run_start = i0, used = prepared[order[i0]].tokens.size();
    for (; i1 < order.size() && i1 - i0 < static_cast<size_t>(limits.n_seq); ++i1) {
      const auto& prev = prepared[order[i1 - 1]].tokens;
      const auto& cur = prepared[order[i1]].tokens;
      const size_t shared = common_prefix(prev, cur);
      const size_t extra = cur.size() - shared;
      const bool joins = 2 * shared >= cur.size();
      if (!joins) run_start = i1;
      if (used + extra <= pack || (joins && run_start == i0 && used + extra <= static_cast<size_t>(limits.budget))) {
        used += extra;
        continue;
      }
      if (joins && run_start > i0) i1 = run_start;
      break;
    }
    batch.clear();
    path.clear();
    for (size_t k = 0; k < i1 - i0; ++k) {
      const size_t r = order[i0 + k];
      const PreparedRequest& pr = prepared[r];
      const llama_seq_id seq = static_cast<llama_seq_id>(k);
      const size_t shared = k == 0 ? 0 : common_prefix(prepared[order[i0 + k - 1]].tokens, pr.tokens);
      path.resize(shared);
      for (size_t p = 0; p < shared; ++p) batch.add_seq(path[p], seq);
      for (size_t p = shared; p < pr.tokens.size(); ++p) {
        path.push_back(batch.size());
        batch.add(pr.tokens[p], static_cast<llama_pos>(p), {seq}, false);
      }
      // The logits at position p predict token p + 1.
      rows[r].assign(pr.tokens.size(), -1);
      for (size_t t = static_cast<size_t>(pr.continuation_start); t < pr.tokens.size(); ++t) {
        rows[r][t] = path[t - 1];
        batch.request_logits(path[t - 1]);
      }
    }
    llama_memory_clear(llama_get_memory(ctx), true);
    decode_or_throw(ctx, batch, "loglikelihood requests");

    parallel_for(i1 - i0, default_worker_count(), [&](unsigned, size_t k) {
      const size_t r = order[i0 + k];
      const PreparedRequest& pr = prepared[r];
      LoglikelihoodResult& out = results[r];
      out.sequence = pr.tokens;
      out.truncated = pr.truncated;
      out.is_greedy = true;
      for (size_t t = static_cast<size_t>(pr.continuation_start); t < pr.tokens.size(); ++t) {
        const std::span<const float> logits(llama_get_logits_ith(ctx, rows[r][t]), static_cast<size_t>(n_vocab));
        const LogitSummary summary = summarize_logits(logits);  // one pass over the vocabulary
        out.tokens.push_back(pr.tokens[t]);
        out.logprobs.push_back(token_logprob(logits, summary, pr.tokens[t]));
        if (summary.argmax != pr.tokens[t]) out.is_greedy = false;
      }
    });
    i0 = i1;
    if (progress) progress(static_cast<int64_t>(i0), static_cast<int64_t>(requests.size()));
  }
  return results;
}

}  // namespace qualm::llama
