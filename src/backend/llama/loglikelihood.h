#pragma once
// loglikelihood(context, continuation) on llama.cpp, with lm-evaluation-harness's boundary
// handling (SPEC S3): trailing whitespace of the context moves onto the continuation; the
// model is fed encode(context) and then the continuation's tokens, those of
// encode(context + continuation) after len(encode(context)) (TokenSplit::kLmEval). Requests
// of TokenSplit::kSharedPrefix are fed encode(context + continuation) whole, as llama.cpp's
// multiple-choice tools do. Identical sequences are scored once. Requests are sorted by their
// tokens and packed into decodes as a
// prefix tree: a prefix that several requests share (a document's context, a subject's
// few-shot examples) is decoded once, tagged with each of their sequence ids. Results come
// back in input order.

#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/llama/model.h"
#include "core/progress.h"

namespace qualm::llama {

struct ScoringLimits {
  int window = 2048;  // most tokens the model reads (lm-eval's max_length); longer requests lose tokens from the left
  int n_seq = 128;    // sequence ids per decode
  int budget = 8192;  // most tokens per decode (the context's KV size)
  // Requests are added to a decode while it stays within this many tokens (a decode always
  // takes at least one request). Attention costs tokens x KV cells, so small decodes score
  // small models fastest; past one physical batch a bigger decode saves nothing.
  int pack = 256;
  // Every request scored as if decoded alone (sequence_decoder.h), in decodes of at most
  // `piece` tokens; false: packed side by side as llama.cpp's tools do.
  bool batch_invariant = true;
  int piece = 512;
  // Batch-invariant scoring: a prefix that neighbouring requests share is decoded once; false:
  // every request decodes its whole sequence (the same numbers, at their full cost).
  bool share_prefixes = true;
  // Threads for the rows of a decode (log-softmax over the vocabulary); 0: every core.
  unsigned row_workers = 0;
};

// One request as the model sees it.
struct PreparedRequest {
  std::vector<TokenId> tokens;  // the whole sequence, BOS included when the vocab adds one
  int continuation_start = 0;   // index of the first scored token in tokens
  bool truncated = false;
  int unknown_tokens = 0;
};

// Throws InputError for a request that cannot be scored (an unencodable character with no
// unknown token; an lm-eval split that leaves the continuation no token).
PreparedRequest prepare_request(const LlamaModel& model, const LoglikelihoodRequest& request, int window);

// TokenSplit::kSharedPrefix: each group's scored tokens start after the longest token prefix
// its sequences share, capped one token short of the shortest (llama.cpp's code reads past
// the end of a sequence that is all shared prefix). Requests with an error are left out.
void share_prefixes(std::span<const LoglikelihoodRequest> requests, std::vector<PreparedRequest>& prepared,
                    const std::vector<std::string>& errors);

// Batch-invariant scoring with several contexts (lanes) scores disjoint runs of the token order
// at once, one lane per context, each on its own threads: a request's rows are the ones it gets
// decoded alone whichever lane decodes it. Runs are cut where neighbours share the fewest tokens.
// Packed scoring uses the first context.
std::vector<LoglikelihoodResult> score_loglikelihood(const LlamaModel& model, std::span<llama_context* const> contexts,
                                                     std::span<const LoglikelihoodRequest> requests,
                                                     const ScoringLimits& limits, const ProgressFn& progress = nullptr);

// The runs of `order` that `lanes` contexts score: about equal numbers of tokens to decode each,
// cut where neighbouring requests share the fewest tokens; fewer runs than lanes when there are
// few requests.
std::vector<std::span<const size_t>> lane_runs(const std::vector<PreparedRequest>& prepared,
                                               std::span<const size_t> order, size_t lanes);

}  // namespace qualm::llama
