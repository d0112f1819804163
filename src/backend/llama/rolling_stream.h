#pragma once
// lm-evaluation-harness's rolling windows (backend/rolling_windows.h) as a DistributionStream.
// Each window is decoded alone, as one sequence (SequenceDecoder, in pieces of at most `piece`
// tokens), so a document's logits never depend on which other documents share the call, their
// order, or the batch sizes.

#include <functional>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/llama/handles.h"
#include "backend/llama/model.h"
#include "backend/rolling_windows.h"

namespace qualm::llama {

class RollingStream : public DistributionStream {
 public:
  // window: the most tokens one decode feeds (the backend's window); context() gives a
  // context of at least that many cells with a logical batch as large.
  RollingStream(const LlamaModel& model, std::function<llama_context*()> context,
                std::span<const DistributionRequest> requests, int window, int piece);

  bool next(DistributionChunk& chunk) override;
  const std::vector<int>& chunk_counts() const override { return chunk_counts_; }
  const std::vector<std::vector<TokenId>>& tokens() const override { return tokens_; }
  const std::vector<RequestOutcome>& outcomes() const override { return outcomes_; }

 private:
  const LlamaModel& model_;
  std::function<llama_context*()> context_;
  std::vector<std::vector<RollingWindow>> windows_;
  std::vector<std::vector<TokenId>> tokens_;  // per request: start-of-text token, then the text's
  std::vector<int> chunk_counts_;
  std::vector<RequestOutcome> outcomes_;
  int piece_;
  std::vector<float> logits_;  // the scored rows of the current window
  size_t request_ = 0;
  size_t window_ = 0;
};

// The token that stands before a text: BOS, as an empty loglikelihood context (EOS when the
// vocabulary has no BOS, as lm-evaluation-harness falls back to its end-of-text token).
TokenId rolling_prefix_token(const LlamaModel& model);

}  // namespace qualm::llama
