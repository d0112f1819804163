#pragma once
// embed() on llama.cpp: texts packed as sequences into one decode (llama_encode for
// encoder-only models) of at most `budget` tokens, whole sequences only, since a
// bidirectional model must see all of a text in one physical batch. The context has no
// pooling (LLAMA_POOLING_TYPE_NONE); kMean is the mean of the text's token vectors, summed in
// token order, so that it does not depend on the other texts of the decode as llama.cpp's
// LLAMA_POOLING_TYPE_MEAN does (by about 1e-9); kNone returns each token's vector.

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

std::vector<EmbedResult> embed_batch(const LlamaModel& model, llama_context* ctx, std::span<const EmbedRequest> requests,
                                     const EmbedLimits& limits);

}  // namespace qualm::llama
