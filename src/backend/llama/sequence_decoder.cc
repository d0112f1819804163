#include "backend/llama/sequence_decoder.h"

#include <algorithm>
#include <string>

#include "backend/llama/decode.h"
#include "core/errors.h"

namespace qualm::llama {

int invariant_piece(int n_ubatch, int n_tokens) {
  return std::max(2, std::min({n_ubatch, n_tokens, kAttendedCellPad}));
}

std::vector<int> piece_sizes(int start, int n, int max_piece) {
  max_piece = std::max(2, max_piece);
  std::vector<int> out;
  for (int pos = start, end = start + n; pos < end;) {
    const int left = end - pos;
    int take = std::min({left, max_piece, kAttendedCellPad - pos % kAttendedCellPad});
    // One token before a boundary goes with the next stretch rather than alone.
    if (take == 1) take = std::min({left, max_piece, 1 + kAttendedCellPad});
    if (left - take == 1 && take > 2) --take;  // never leave one token for the last piece
    out.push_back(take);
    pos += take;
  }
  return out;
}

SequenceDecoder::SequenceDecoder(llama_context* ctx, int max_piece)
    : ctx_(ctx), max_piece_(std::max(2, max_piece)), batch_(std::max(2, max_piece) + 1, 1), threads_(ctx) {
  llama_memory_clear(llama_get_memory(ctx_), true);
}

void SequenceDecoder::truncate(int n) {
  if (n >= decoded_) return;
  if (n <= 0) {
    llama_memory_clear(llama_get_memory(ctx_), true);
  } else {
    llama_memory_seq_rm(llama_get_memory(ctx_), 0, n, -1);
  }
  decoded_ = std::max(0, n);
}

void SequenceDecoder::decode(std::span<const TokenId> tokens, const std::function<bool(int)>& wants,
                             const PieceFn& on_piece) {
  std::vector<int> positions, batch_index;
  std::vector<const float*> rows;
  int pos = decoded_;
  for (const int n : piece_sizes(decoded_, static_cast<int>(tokens.size()) - decoded_, max_piece_)) {
    batch_.clear();
    positions.clear();
    batch_index.clear();
    for (int k = 0; k < n; ++k, ++pos) {
      const bool want = wants(pos);
      if (want) {
        positions.push_back(pos);
        batch_index.push_back(k);
      }
      batch_.add(tokens[pos], pos, {0}, want);
    }
    const bool companion = n == 1;  // one token alone would take other kernels
    if (companion) batch_.add(tokens[pos - 1], pos, {0}, false);
    // So would one output row: llama.cpp computes the last layer and the output head for the
    // output rows only. Ask for a second row that nobody reads.
    if (positions.size() == 1) batch_.request_logits(batch_index[0] == 0 ? 1 : 0);
    threads_.fit(batch_.size());
    decode_or_throw(ctx_, batch_, "a sequence at position " + std::to_string(pos - n));
    if (companion) llama_memory_seq_rm(llama_get_memory(ctx_), 0, pos, -1);
    decoded_ = pos;
    if (positions.empty()) continue;
    rows.clear();
    for (int k : batch_index) rows.push_back(llama_get_logits_ith(ctx_, k));
    on_piece(positions, rows);
  }
}

}  // namespace qualm::llama
