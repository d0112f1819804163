#pragma once
// embed() on llama.cpp: texts packed as sequences into one decode (llama_encode for
// encoder-only models) of at most `budget` tokens, whole sequences only, since a
// bidirectional model must see all of a text in one physical batch. Mean pooling is
// llama.cpp's (LLAMA_POOLING_TYPE_MEAN); kNone returns each token's vector.

#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/llama/model.h"

namespace qualm::llama {

struct EmbedLimits {
  int max_tokens = 512;  // per text: the training context; longer texts are cut on the right
  int n_seq = 64;        // texts per decode
  int budget = 2048;     // tokens per decode (n_ctx = n_batch = n_ubatch)
};

// All requests must share one pooling mode (the context is made for it).
std::vector<EmbedResult> embed_batch(const LlamaModel& model, llama_context* ctx, std::span<const EmbedRequest> requests,
                                     const EmbedLimits& limits);

}  // namespace qualm::llama
