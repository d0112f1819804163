#include "backend/llama/loglikelihood.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "backend/llama/chat_template.h"
#include "backend/llama/loglikelihood_scoring.h"
#include "backend/llama/sequence_decoder.h"
#include "backend/logits.h"
#include "core/errors.h"
#include "core/parallel.h"

namespace qualm::llama {
namespace {


// The requests to decode, ordered by their token sequences, so that requests sharing a
// prefix (the choices of one document, the few-shot examples of one subject) sit side by side;
// a request identical to an earlier one (the same tokens scored from the same position) is
// left out and takes that one's result (same_as).
std::vector<size_t> token_order(const std::vector<PreparedRequest>& prepared, const std::vector<std::string>& errors,
                                std::vector<size_t>& same_as) {
  std::vector<size_t> order;
  for (size_t i = 0; i < prepared.size(); ++i) {
    if (errors[i].empty()) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::lexicographical_compare(prepared[a].tokens.begin(), prepared[a].tokens.end(),
                                        prepared[b].tokens.begin(), prepared[b].tokens.end());
  });
  same_as.resize(prepared.size());
  for (size_t i = 0; i < same_as.size(); ++i) same_as[i] = i;
  std::vector<size_t> unique;
  for (size_t r : order) {
    if (!unique.empty() && prepared[unique.back()].tokens == prepared[r].tokens &&
        prepared[unique.back()].continuation_start == prepared[r].continuation_start) {
      same_as[r] = unique.back();
      continue;
    }
    unique.push_back(r);
  }
  return unique;
}

}  // namespace

PreparedRequest prepare_request(const LlamaModel& model, const LoglikelihoodRequest& request, int window) {
  const bool chat = !request.messages.empty();
  std::string context = chat ? apply_chat_template(model, request.messages) : request.context;
  std::string continuation = request.continuation;
  const size_t kept = context.find_last_not_of(" \t\n\r\f\v");
  const size_t n_spaces = kept == std::string::npos ? context.size() : context.size() - kept - 1;
  if (n_spaces > 0 && n_spaces < context.size()) {
    continuation = context.substr(context.size() - n_spaces) + continuation;
    context.resize(context.size() - n_spaces);
  }
  PreparedRequest p;
  std::vector<TokenId> context_tokens, whole;
  if (context.empty() || context.find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
    // lm-evaluation-harness: an empty context is the start-of-text token alone.
    context_tokens = {model.bos()};
    const Tokens cont = model.tokenize(context + continuation, /*add_special=*/false, chat);
    whole = context_tokens;
    whole.insert(whole.end(), cont.ids.begin(), cont.ids.end());
    p.unknown_tokens = cont.unknown;
  } else {
    Tokens ctx = model.tokenize(context, /*add_special=*/true, /*parse_special=*/chat);
    Tokens all = model.tokenize(context + continuation, /*add_special=*/true, /*parse_special=*/chat);
    context_tokens = std::move(ctx.ids);
    whole = std::move(all.ids);
    p.unknown_tokens = all.unknown;
  }
  p.continuation_start = static_cast<int>(context_tokens.size());
  if (request.split == TokenSplit::kSharedPrefix) {
    p.tokens = std::move(whole);  // share_prefixes() sets where scoring starts
    if (p.tokens.size() < 2) throw InputError("", "the context and continuation are empty", "give a continuation");
    p.continuation_start = std::min(p.continuation_start, static_cast<int>(p.tokens.size()) - 1);
  } else {
    if (whole.size() <= context_tokens.size()) {
      throw InputError("", "the continuation '" + request.continuation + "' adds no token: the context's own tokens (" +
                               std::to_string(context_tokens.size()) + ") cover the whole text (" +
                               std::to_string(whole.size()) + " tokens)",
                       "lm-evaluation-harness's split leaves it empty; give a longer continuation");
    }
    p.tokens = context_tokens;
    p.tokens.insert(p.tokens.end(), whole.begin() + static_cast<std::ptrdiff_t>(context_tokens.size()), whole.end());
  }
  if (static_cast<int>(p.tokens.size()) > window + 1) {
    // Cut from the left, keeping the continuation whole when it fits. The model reads at most
    // `window` tokens: the last one is only predicted, never read (lm-eval's max_length).
    const size_t drop = p.tokens.size() - static_cast<size_t>(window) - 1;
    p.tokens.erase(p.tokens.begin(), p.tokens.begin() + static_cast<std::ptrdiff_t>(drop));
    p.continuation_start = std::max(1, p.continuation_start - static_cast<int>(drop));
    p.truncated = true;
  }
  return p;
}

void share_prefixes(std::span<const LoglikelihoodRequest> requests, std::vector<PreparedRequest>& prepared,
                    const std::vector<std::string>& errors) {
  std::map<int64_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].split == TokenSplit::kSharedPrefix && errors[i].empty()) groups[requests[i].group].push_back(i);
  }
  for (const auto& [group, members] : groups) {
    size_t shared = prepared[members[0]].tokens.size();
    for (size_t m : members) {
      shared = std::min(shared, prepared[m].tokens.size() - 1);
      shared = std::min(shared, common_prefix(prepared[members[0]].tokens, prepared[m].tokens));
    }
    for (size_t m : members) prepared[m].continuation_start = static_cast<int>(std::max<size_t>(shared, 1));
  }
}

std::vector<std::span<const size_t>> lane_runs(const std::vector<PreparedRequest>& prepared,
                                               std::span<const size_t> order, size_t lanes) {
  // cost[i]: the tokens order[i] decodes after its predecessor; shared[i]: what they share.
  std::vector<size_t> cost(order.size()), shared(order.size(), 0);
  size_t total = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0) shared[i] = common_prefix(prepared[order[i - 1]].tokens, prepared[order[i]].tokens);
    total += cost[i] = prepared[order[i]].tokens.size() - shared[i];
  }
  constexpr size_t kLookAhead = 64;  // how far past an even split a cut may move to share less
  std::vector<std::span<const size_t>> runs;
  size_t start = 0, done = 0;
  for (size_t i = 0; i < order.size() && runs.size() + 1 < lanes; ++i) {
    done += cost[i];
    if (done * lanes < total * (runs.size() + 1) || i + 1 >= order.size()) continue;
    size_t cut = i + 1;
    for (size_t k = cut; k < std::min(order.size(), i + 1 + kLookAhead); ++k) {
      if (shared[k] < shared[cut]) cut = k;
    }
    runs.push_back(order.subspan(start, cut - start));
    start = cut;
    while (i + 1 < cut) done += cost[++i];
  }
  if (start < order.size()) runs.push_back(order.subspan(start));
  return runs;
}

namespace {

// Each run of lane_runs() on a context of its own, at once; progress counts every lane's requests.
void score_lanes(const LlamaModel& model, std::span<llama_context* const> contexts,
                 const std::vector<PreparedRequest>& prepared, std::span<const size_t> order, ScoringLimits limits,
                 std::vector<LoglikelihoodResult>& results, const ProgressFn& progress) {
  const auto runs = lane_runs(prepared, order, contexts.size());
  if (runs.size() <= 1) return score_alone(model, contexts[0], prepared, order, limits, results, progress);
  limits.row_workers = 1;  // the other cores run the other lanes
  std::mutex mutex;
  int64_t done = 0;
  std::vector<std::exception_ptr> errors(runs.size());
  parallel_for(runs.size(), static_cast<unsigned>(runs.size()), [&](unsigned, size_t j) {
    int64_t reported = 0;
    try {
      score_alone(model, contexts[j], prepared, runs[j], limits, results, [&](int64_t n, int64_t) {
        const std::lock_guard lock(mutex);
        done += n - reported;
        reported = n;
        if (progress) progress(done, static_cast<int64_t>(order.size()));
      });
    } catch (...) {
      errors[j] = std::current_exception();
    }
  });
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace

std::vector<LoglikelihoodResult> score_loglikelihood(const LlamaModel& model, std::span<llama_context* const> contexts,
                                                     std::span<const LoglikelihoodRequest> requests,
                                                     const ScoringLimits& limits, const ProgressFn& progress) {
  std::vector<PreparedRequest> prepared(requests.size());
  std::vector<std::string> errors(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    try {
      prepared[i] = prepare_request(model, requests[i], limits.window);
    } catch (const InputError& e) {
      errors[i] = e.what();  // this request fails alone
    }
  }
  share_prefixes(requests, prepared, errors);
  std::vector<size_t> same_as;
  const std::vector<size_t> order = token_order(prepared, errors, same_as);
  std::vector<LoglikelihoodResult> results(requests.size());
  if (limits.batch_invariant) {
    score_lanes(model, contexts, prepared, order, limits, results, progress);
  } else {
    score_packed(model, contexts[0], prepared, order, limits, results, progress);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!errors[i].empty()) {
      results[i].error = errors[i];
    } else if (same_as[i] != i) {
      results[i] = results[same_as[i]];
    }
    results[i].unknown_tokens = prepared[i].unknown_tokens;
    results[i].truncated = prepared[i].truncated;
  }
  return results;
}

void score_alone(const LlamaModel& model, llama_context* ctx, const std::vector<PreparedRequest>& prepared,
                 std::span<const size_t> order, const ScoringLimits& limits, std::vector<LoglikelihoodResult>& results,
                 const ProgressFn& progress) {
  const size_t n_vocab = static_cast<size_t>(model.n_vocab());
  for (size_t r : order) {
    const PreparedRequest& pr = prepared[r];
    LoglikelihoodResult& out = results[r];
    out.sequence = pr.tokens;
    out.tokens.assign(pr.tokens.begin() + pr.continuation_start, pr.tokens.end());
    out.logprobs.assign(out.tokens.size(), 0.0);
    out.is_greedy = true;
  }
  // shared[k]: the tokens order[i..k] all share, for the i being decoded (non-increasing in k).
  std::vector<size_t> shared;
  const std::unique_ptr<std::atomic<bool>[]> greedy(new std::atomic<bool>[prepared.size()]);
  for (size_t r = 0; r < prepared.size(); ++r) greedy[r] = true;
  SequenceDecoder decoder(ctx, limits.piece);
  const unsigned row_workers = limits.row_workers > 0 ? limits.row_workers : default_worker_count();
  for (size_t i = 0; i < order.size(); ++i) {
    const std::vector<TokenId>& tokens = prepared[order[i]].tokens;
    const size_t keep = i == 0 || !limits.share_prefixes ? 0 : common_prefix(prepared[order[i - 1]].tokens, tokens);
    decoder.truncate(static_cast<int>(keep));
    shared.assign(1, tokens.size());
    for (size_t k = i + 1; limits.share_prefixes && k < order.size() && shared.back() > keep; ++k) {
      shared.push_back(std::min(shared.back(), common_prefix(prepared[order[k - 1]].tokens, prepared[order[k]].tokens)));
    }
    // Position p's row predicts token p + 1 of every request k whose tokens 0..p are these and
    // whose scored tokens include p + 1.
    const auto each_user = [&](int p, const std::function<void(size_t)>& use) {
      for (size_t k = 0; k < shared.size() && shared[k] >= static_cast<size_t>(p) + 1; ++k) {
        const PreparedRequest& q = prepared[order[i + k]];
        if (p + 1 >= q.continuation_start && p + 1 < static_cast<int>(q.tokens.size())) use(order[i + k]);
      }
    };
    decoder.decode(
        std::span<const TokenId>(tokens).first(tokens.size() - 1),  // the last token is never read
        [&](int p) {
          bool any = false;
          each_user(p, [&](size_t) { any = true; });
          return any;
        },
        [&](std::span<const int> positions, std::span<const float* const> rows) {
          parallel_for(positions.size(), row_workers, [&](unsigned, size_t j) {
            const int p = positions[j];
            const std::span<const float> logits(rows[j], n_vocab);
            const LogitSummary summary = summarize_logits(logits);  // one pass over the vocabulary
            each_user(p, [&](size_t k) {
              const PreparedRequest& q = prepared[k];
              const TokenId target = q.tokens[static_cast<size_t>(p) + 1];
              results[k].logprobs[static_cast<size_t>(p + 1 - q.continuation_start)] =
                  token_logprob(logits, summary, target);
              if (summary.argmax != target) greedy[k] = false;
            });
          });
        });
    if (progress) progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(order.size()));
  }
  for (size_t r : order) results[r].is_greedy = greedy[r];
}

}  // namespace qualm::llama
