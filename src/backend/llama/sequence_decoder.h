#pragma once
// Decodes one token sequence so that every row is computed exactly as if the sequence were
// decoded alone, whatever else is scored and however the work is split (SPEC S2: scores are
// batch-invariant). On CPU three things make llama.cpp's numbers depend on the batch:
// - where a sequence's KV cells sit: softmax and attention sums run in SIMD blocks over cell
//   indices, so a sequence whose cells are interleaved with another's adds in another order;
// - a decode of one token takes other matrix kernels (ggml's vec_dot) than one of two or more
//   (llamafile's sgemm), and the two sum in different orders; so does one output row, since
//   llama.cpp computes the last layer and the output head for the output rows only;
// - flash attention picks its kernel (tiled, one chunk, split KV by thread) from the number of
//   queries and threads.
// So the decoder keeps one sequence in a single-sequence context, its token at position p in
// cell p; decodes pieces of at least two tokens (a lone token gets a throwaway companion at the
// next position) with never one output row alone; and scoring contexts run with flash
// attention off. A prefix shared by many
// sequences (a document's context, a subject's few-shot examples) is decoded once and kept:
// truncate() drops what follows it before the next sequence continues from there.

#include <functional>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/llama/decode.h"
#include "backend/llama/handles.h"

namespace qualm::llama {

// llama.cpp pads the KV cells a decode attends over to a multiple of 256
// (llama_kv_cache::get_n_kv), and every row of a piece attends over all of them (masked).
// A piece that ends on such a multiple wastes the least: a 512-token chunk decoded whole
// computes 512 x 512 attention scores, in two pieces 256 x 256 + 256 x 512, a quarter fewer.
// Where pieces end never changes a number (see above).
inline constexpr int kAttendedCellPad = 256;

// The most tokens a batch-invariant piece holds: a physical batch (n_ubatch), at most the
// tokens to decode and at most kAttendedCellPad; at least 2.
int invariant_piece(int n_ubatch, int n_tokens);

// Piece lengths for the n tokens at positions start .. start + n - 1: at most max_piece each,
// none crossing a multiple of kAttendedCellPad, and none of length 1 where two tokens can go
// together.
std::vector<int> piece_sizes(int start, int n, int max_piece);

class SequenceDecoder {
 public:
  // ctx: a context of one sequence (n_seq 1) whose batch holds max_piece + 1 tokens.
  SequenceDecoder(llama_context* ctx, int max_piece);

  // Keeps the first n tokens decoded (cells 0..n-1) and drops the rest.
  void truncate(int n);
  int decoded() const { return decoded_; }

  // Row of position p: logits predicting token p + 1.
  using PieceFn = std::function<void(std::span<const int> positions, std::span<const float* const> rows)>;

  // Decodes tokens[decoded(), tokens.size()) after the tokens already decoded, which must be
  // tokens' first decoded() tokens. wants(p) says whether position p's row is needed; each
  // decoded piece hands its wanted rows to on_piece (valid until the next decode).
  void decode(std::span<const TokenId> tokens, const std::function<bool(int)>& wants, const PieceFn& on_piece);

 private:
  llama_context* ctx_;
  int max_piece_;
  int decoded_ = 0;
  Batch batch_;
  ThreadFit threads_;
};

}  // namespace qualm::llama
