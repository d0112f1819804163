#include "backend/llama/loglikelihood_scoring.h"

#include <algorithm>

#include "backend/llama/decode.h"
#include "backend/logits.h"
#include "core/parallel.h"

namespace qualm::llama {

// llama.cpp's tools pack requests side by side in one KV cache, each sequence tagged on the
// tokens it shares with others; the numbers then depend on what shares the decode.
void score_packed(const LlamaModel& model, llama_context* ctx, const std::vector<PreparedRequest>& prepared,
                  std::span<const size_t> order, const ScoringLimits& limits, std::vector<LoglikelihoodResult>& results,
                  const ProgressFn& progress) {
  const size_t pack = static_cast<size_t>(std::min(limits.pack, limits.budget));

  const int n_vocab = model.n_vocab();
  Batch batch(limits.budget, limits.n_seq);
  // Per request, the batch index whose logits predict each of its tokens (index t: token t).
  std::vector<std::vector<int>> rows(prepared.size());
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
      // A sequence's last token is never read (nothing is predicted from it), so it is not
      // decoded unless a later member continues past it: path holds up to size - 1 positions.
      path.resize(std::min(shared, path.size()));
      for (size_t p = 0; p < path.size(); ++p) batch.add_seq(path[p], seq);
      for (size_t p = path.size(); p + 1 < pr.tokens.size(); ++p) {
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
      out.unknown_tokens = pr.unknown_tokens;
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
    if (progress) progress(static_cast<int64_t>(i0), static_cast<int64_t>(order.size()));
  }
}

}  // namespace qualm::llama
