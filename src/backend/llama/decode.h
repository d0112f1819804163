#pragma once
// llama_decode's return codes as a typed outcome (0 ok, 1 no KV slot, 2 aborted,
// -1 invalid batch, < -1 fatal).

#include <string>

#include "backend/llama/handles.h"

namespace qualm::llama {

enum class DecodeStatus { kOk, kNoKvSlot, kAborted, kInvalidBatch, kFatal };

DecodeStatus decode(llama_context* ctx, const Batch& batch);
std::string describe(DecodeStatus status);

// Decodes or throws RunError with the status and what was being decoded.
void decode_or_throw(llama_context* ctx, const Batch& batch, const std::string& what);

// How many contexts score requests at once (score_loglikelihood's lanes), each on threads / lanes
// threads: one per thread when even a decode of 64 tokens is little work (ThreadFit runs it on
// one thread), so that the other cores score other requests instead of idling; else one.
// HellaSwag 200 on stories260K at -t 2: 4.9 s on one context, 2.8 s on two. A larger model
// reads its weights once per decode per lane: ARC-Easy on llama-3.2-1b ran 17 % slower on two.
int scoring_lanes(const llama_model* model, int threads);

// Decodes of little work (tokens x parameters) run on one thread: ggml's threads meet at a
// barrier after every operation, which costs more than they save on a small decode, and far
// more on a loaded machine (240 PIQA documents on TinyStories-656K, one decode per sequence:
// 54 s at two threads beside other work, 2.5 s at one). The thread count never changes a
// number: each output element is summed by one thread. Restores the context's threads when it
// goes out of scope.
class ThreadFit {
 public:
  explicit ThreadFit(llama_context* ctx);
  ~ThreadFit();
  ThreadFit(const ThreadFit&) = delete;
  ThreadFit& operator=(const ThreadFit&) = delete;

  void fit(int n_tokens);

 private:
  llama_context* ctx_;
  int threads_, threads_batch_;
  double params_;
  int current_ = 0;
};

}  // namespace qualm::llama
