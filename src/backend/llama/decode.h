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

}  // namespace qualm::llama
