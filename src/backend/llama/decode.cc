#include "backend/llama/decode.h"

#include <algorithm>

#include "core/errors.h"

namespace qualm::llama {

DecodeStatus decode(llama_context* ctx, const Batch& batch) {
  const int32_t rc = llama_decode(ctx, batch.get());
  if (rc == 0) return DecodeStatus::kOk;
  if (rc == 1) return DecodeStatus::kNoKvSlot;
  if (rc == 2) return DecodeStatus::kAborted;
  if (rc == -1) return DecodeStatus::kInvalidBatch;
  return DecodeStatus::kFatal;
}

std::string describe(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::kOk: return "ok";
    case DecodeStatus::kNoKvSlot: return "no KV-cache slot for the batch (context too small)";
    case DecodeStatus::kAborted: return "decode aborted";
    case DecodeStatus::kInvalidBatch: return "invalid input batch";
    case DecodeStatus::kFatal: return "fatal decode error";
  }
  return "unknown decode status";
}

namespace {
constexpr double kSmallWork = 3e8;  // tokens x parameters: about a millisecond on one core
}  // namespace

int scoring_lanes(const llama_model* model, int threads) {
  constexpr double kLaneTokens = 64;
  return static_cast<double>(llama_model_n_params(model)) * kLaneTokens < kSmallWork ? std::max(1, threads) : 1;
}

ThreadFit::ThreadFit(llama_context* ctx)
    : ctx_(ctx), threads_(llama_n_threads(ctx)), threads_batch_(llama_n_threads_batch(ctx)),
      params_(static_cast<double>(llama_model_n_params(llama_get_model(ctx)))) {}

ThreadFit::~ThreadFit() { llama_set_n_threads(ctx_, threads_, threads_batch_); }

void ThreadFit::fit(int n_tokens) {
  const int want = static_cast<double>(n_tokens) * params_ < kSmallWork ? 1 : threads_batch_;
  if (want == current_) return;
  llama_set_n_threads(ctx_, want == 1 ? 1 : threads_, want);
  current_ = want;
}

void decode_or_throw(llama_context* ctx, const Batch& batch, const std::string& what) {
  const DecodeStatus status = decode(ctx, batch);
  if (status != DecodeStatus::kOk) {
    throw RunError("llama.cpp decode failed for " + what + ": " + describe(status));
  }
}

}  // namespace qualm::llama
