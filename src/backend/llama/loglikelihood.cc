#include "backend/llama/loglikelihood.h"

#include <algorithm>
#include <map>
#include <string>

#include "backend/llama/decode.h"
#include "backend/logits.h"
#include "core/errors.h"
#include "core/parallel.h"

namespace qualm::llama {
namespace {

// Requests with one context string, sharing their first `shared` tokens.
struct Group {
  std::vector<size_t> members;  // request indices
  size_t shared = 0;
  size_t tokens_needed = 0;  // shared + each member's own tokens
};

size_t common_prefix(const std::vector<TokenId>& a, const std::vector<TokenId>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

size_t tokens_needed(const std::vector<PreparedRequest>& prepared, const std::vector<size_t>& members, size_t shared) {
  size_t total = shared;
  for (size_t m : members) total += prepared[m].tokens.size() - shared;
  return total;
}

// Groups by context string, in order of first appearance; a group that would not fit
// one decode is split.
std::vector<Group> make_groups(std::span<const LoglikelihoodRequest> requests,
                               const std::vector<PreparedRequest>& prepared, const ScoringLimits& limits) {
  std::vector<Group> groups;
  std::map<std::string, size_t> open;  // context -> index of its newest group
  for (size_t r = 0; r < requests.size(); ++r) {
    auto it = open.find(requests[r].context);
    if (it != open.end()) {
      Group& g = groups[it->second];
      std::vector<size_t> members = g.members;
      members.push_back(r);
      const size_t shared = std::min(g.shared, common_prefix(prepared[g.members[0]].tokens, prepared[r].tokens));
      const size_t needed = tokens_needed(prepared, members, shared);
      if (needed <= static_cast<size_t>(limits.budget) && static_cast<int>(members.size()) <= limits.n_seq) {
        g.members = std::move(members);
        g.shared = shared;
        g.tokens_needed = needed;
        continue;
      }
    }
    Group g;  // alone, all its tokens count as "shared": each is decoded once either way
    g.members = {r};
    g.shared = prepared[r].tokens.size();
    g.tokens_needed = g.shared;
    open[requests[r].context] = groups.size();
    groups.push_back(std::move(g));
  }
  return groups;
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
  const std::vector<Group> groups = make_groups(requests, prepared, limits);

  std::vector<LoglikelihoodResult> results(requests.size());
  const int n_vocab = model.n_vocab();
  Batch batch(limits.budget, limits.n_seq);
  // Per request, the batch index whose logits predict each of its tokens (index t: token t).
  std::vector<std::vector<int>> rows(requests.size());

  size_t g0 = 0;
  int64_t n_done = 0;
  while (g0 < groups.size()) {
    batch.clear();
    size_t used = 0;
    int seqs = 0;
    size_t g1 = g0;
    for (; g1 < groups.size(); ++g1) {
      const Group& g = groups[g1];
      if (g1 > g0 && (used + g.tokens_needed > static_cast<size_t>(std::min(limits.pack, limits.budget)) ||
                      seqs + static_cast<int>(g.members.size()) > limits.n_seq)) {
        break;
      }
      std::vector<llama_seq_id> ids;
      for (size_t k = 0; k < g.members.size(); ++k) ids.push_back(seqs + static_cast<int>(k));
      int min_start = prepared[g.members[0]].continuation_start;
      for (size_t m : g.members) min_start = std::min(min_start, prepared[m].continuation_start);
      std::vector<int> shared_rows(g.shared, -1);
      for (size_t p = 0; p < g.shared; ++p) {
        const bool wanted = static_cast<int>(p) >= min_start - 1;
        if (wanted) shared_rows[p] = batch.size();
        batch.add(prepared[g.members[0]].tokens[p], static_cast<llama_pos>(p), ids, wanted);
      }
      for (size_t k = 0; k < g.members.size(); ++k) {
        const PreparedRequest& pr = prepared[g.members[k]];
        std::vector<int>& r = rows[g.members[k]];
        r.assign(pr.tokens.size(), -1);
        for (size_t p = 1; p < pr.tokens.size() && p <= g.shared; ++p) r[p] = shared_rows[p - 1];
        for (size_t p = g.shared; p < pr.tokens.size(); ++p) {
          const bool wanted = static_cast<int>(p) >= pr.continuation_start - 1 && p + 1 < pr.tokens.size();
          if (wanted) r[p + 1] = batch.size();
          batch.add(pr.tokens[p], static_cast<llama_pos>(p), {ids[k]}, wanted);
        }
      }
      used += g.tokens_needed;
      seqs += static_cast<int>(g.members.size());
    }
    llama_memory_clear(llama_get_memory(ctx), true);
    decode_or_throw(ctx, batch, "loglikelihood requests");

    std::vector<size_t> done;
    for (size_t g = g0; g < g1; ++g) done.insert(done.end(), groups[g].members.begin(), groups[g].members.end());
    parallel_for(done.size(), default_worker_count(), [&](unsigned, size_t i) {
      const size_t r = done[i];
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
    g0 = g1;
    n_done += static_cast<int64_t>(done.size());
    if (progress) progress(n_done, static_cast<int64_t>(requests.size()));
  }
  return results;
}

}  // namespace qualm::llama
