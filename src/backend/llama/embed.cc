#include "backend/llama/embed.h"

#include <algorithm>

#include "backend/llama/decode.h"
#include "core/errors.h"

namespace qualm::llama {

std::vector<EmbedResult> embed_batch(const LlamaModel& model, llama_context* ctx, std::span<const EmbedRequest> requests,
                                     const EmbedLimits& limits) {
  const llama_vocab* vocab = model.vocab();
  const int dim = llama_model_n_embd_out(model.get()) > 0 ? llama_model_n_embd_out(model.get())
                                                          : llama_model_n_embd(model.get());
  const bool encoder = llama_model_has_encoder(model.get()) && !llama_model_has_decoder(model.get());
  std::vector<EmbedResult> results(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    EmbedResult& r = results[i];
    r.dim = dim;
    r.tokens = model.tokenize(requests[i].text, /*add_special=*/true).ids;
    if (static_cast<int>(r.tokens.size()) > limits.max_tokens) {
      // sentence-transformers keeps the start; keep the final special token (SEP) when there is one.
      const bool keep_last = llama_vocab_get_attr(vocab, r.tokens.back()) & LLAMA_TOKEN_ATTR_CONTROL;
      const llama_token last = r.tokens.back();
      r.tokens.resize(static_cast<size_t>(limits.max_tokens));
      if (keep_last) r.tokens.back() = last;
      r.truncated = true;
    }
    for (llama_token t : r.tokens) r.special.push_back(llama_vocab_get_attr(vocab, t) & LLAMA_TOKEN_ATTR_CONTROL);
  }

  Batch batch(limits.budget, 1);
  size_t i0 = 0;
  while (i0 < requests.size()) {
    batch.clear();
    size_t i1 = i0;
    std::vector<int> first;  // batch index of each text's first token
    while (i1 < requests.size() && static_cast<int>(i1 - i0) < limits.n_seq &&
           (i1 == i0 || batch.size() + static_cast<int>(results[i1].tokens.size()) <= limits.budget)) {
      first.push_back(batch.size());
      const auto& tokens = results[i1].tokens;
      for (size_t p = 0; p < tokens.size(); ++p) {
        batch.add(tokens[p], static_cast<llama_pos>(p), {static_cast<llama_seq_id>(i1 - i0)}, true);
      }
      ++i1;
    }
    llama_memory_t memory = llama_get_memory(ctx);
    if (memory != nullptr) llama_memory_clear(memory, true);
    if (encoder) {
      if (llama_encode(ctx, batch.get()) != 0) throw RunError("llama_encode failed on " + std::to_string(i1 - i0) + " texts");
    } else {
      decode_or_throw(ctx, batch, "embeddings");
    }
    for (size_t i = i0; i < i1; ++i) {
      EmbedResult& r = results[i];
      if (requests[i].pooling == Pooling::kMean) {
        // The mean of the text's token vectors, summed in token order: the same whatever else
        // shares the decode (llama.cpp's own pooling is a matrix product over the whole batch).
        std::vector<double> sum(static_cast<size_t>(dim), 0.0);
        for (size_t p = 0; p < r.tokens.size(); ++p) {
          const float* v = llama_get_embeddings_ith(ctx, first[i - i0] + static_cast<int>(p));
          if (v == nullptr) throw RunError("llama.cpp returned no token embedding");
          for (int d = 0; d < dim; ++d) sum[static_cast<size_t>(d)] += v[d];
        }
        r.values.resize(static_cast<size_t>(dim));
        for (int d = 0; d < dim; ++d) {
          r.values[static_cast<size_t>(d)] = static_cast<float>(sum[static_cast<size_t>(d)] / static_cast<double>(r.tokens.size()));
        }
      } else {
        r.values.reserve(r.tokens.size() * static_cast<size_t>(dim));
        for (size_t p = 0; p < r.tokens.size(); ++p) {
          const float* v = llama_get_embeddings_ith(ctx, first[i - i0] + static_cast<int>(p));
          if (v == nullptr) throw RunError("llama.cpp returned no token embedding");
          r.values.insert(r.values.end(), v, v + dim);
        }
      }
    }
    i0 = i1;
  }
  return results;
}

}  // namespace qualm::llama
