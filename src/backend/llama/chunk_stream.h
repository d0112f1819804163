#pragma once
// llama.cpp's perplexity windows as a DistributionStream: each text is cut into disjoint
// chunks of n_ctx tokens; the first token of a chunk becomes BOS (when the vocab adds
// one); positions n_ctx/2 .. n_ctx-2 are scored against the next token. Batch-invariant
// (the default): each chunk is decoded alone (SequenceDecoder): its unscored first half in
// pieces of at most `piece` tokens, its scored half in pieces of at most the request's
// slice_rows, each piece's scored rows handed out as a slice straight from llama.cpp's output
// buffer. Otherwise (--engine-parity llama) several chunks share one decode as parallel
// sequences when the batch is larger than a chunk, exactly as llama-perplexity packs them, so
// the logits are llama-perplexity's.

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/llama/handles.h"
#include "backend/llama/model.h"
#include "backend/llama/sequence_decoder.h"

namespace qualm::llama {

struct ChunkPlan {
  int n_ctx = 0;       // tokens per chunk
  int n_seq = 1;       // chunks per decode
  int n_batch = 0;     // tokens per llama_decode call
  int first = 0;       // first position whose logits are kept
  int n_scored = 0;    // scored positions per chunk
  int num_batches = 1; // decode calls per chunk group
  int piece = 0;       // batch-invariant: tokens per piece at most (0: packed)
  int slice = 0;       // batch-invariant: scored rows per piece at most (the request's slice_rows, else piece)
};

// n_batch >= n_ctx packs n_batch / n_ctx chunks per decode, as llama-perplexity does.
ChunkPlan plan_chunks(int n_ctx, int n_batch);

// Returns a context for a plan; the caller keeps it alive and may reuse it.
using ContextProvider = std::function<llama_context*(const ChunkPlan&)>;

class ChunkStream : public DistributionStream {
 public:
  // piece > 0: batch-invariant, one chunk per decode in pieces of at most `piece` tokens;
  // piece == 0: packed as llama-perplexity packs n_batch / n_ctx chunks per decode.
  ChunkStream(const LlamaModel& model, ContextProvider contexts, std::span<const DistributionRequest> requests,
              int n_batch, int piece = 0);

  bool next(DistributionChunk& chunk) override;
  const std::vector<int>& chunk_counts() const override { return chunk_counts_; }
  const std::vector<std::vector<TokenId>>& tokens() const override { return tokens_; }
  const std::vector<RequestOutcome>& outcomes() const override { return outcomes_; }

 private:
  void decode_group();
  void start_alone();
  bool next_slice(DistributionChunk& chunk);

  const LlamaModel& model_;
  ContextProvider contexts_;
  std::vector<ChunkPlan> plans_;
  std::vector<std::vector<TokenId>> tokens_;
  std::vector<int> chunk_counts_;
  std::vector<RequestOutcome> outcomes_;
  int piece_ = 0;

  size_t request_ = 0;
  int group_start_ = 0;   // first chunk of the decoded group
  int group_size_ = 0;    // chunks decoded in the group
  int emitted_ = 0;       // chunks of the group already handed out
  llama_context* ctx_ = nullptr;
  std::vector<float> logits_;  // used when a chunk needs several decode calls
  // Batch-invariant: the chunk being decoded, where its pieces end, the next piece.
  std::optional<SequenceDecoder> decoder_;
  std::vector<TokenId> chunk_tokens_;
  std::vector<int> piece_ends_;
  size_t next_piece_ = 0;
  std::vector<float> slice_;  // a slice's rows when llama.cpp's are not side by side
};

}  // namespace qualm::llama
