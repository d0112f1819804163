#include "backend/llama/chunk_stream.h"

#include <algorithm>

#include "backend/llama/decode.h"
#include "backend/llama/sequence_decoder.h"
#include "core/errors.h"

namespace qualm::llama {

ChunkPlan plan_chunks(int n_ctx, int n_batch) {
  ChunkPlan p;
  p.n_ctx = n_ctx;
  p.n_seq = std::max(1, n_batch / n_ctx);
  p.n_batch = std::min(n_batch, p.n_seq * n_ctx);
  p.first = n_ctx / 2;
  p.n_scored = n_ctx - 1 - p.first;
  p.num_batches = (n_ctx + p.n_batch - 1) / p.n_batch;
  return p;
}

ChunkStream::ChunkStream(const LlamaModel& model, ContextProvider contexts,
                         std::span<const DistributionRequest> requests, int n_batch, int piece)
    : model_(model), contexts_(std::move(contexts)), piece_(piece) {
  const int n_ctx_train = model.n_ctx_train();
  for (size_t r = 0; r < requests.size(); ++r) {
    const DistributionRequest& req = requests[r];
    const int n_ctx = req.window.context_size;
    const std::string where = req.name.empty() ? "request " + std::to_string(r) : req.name;
    if (req.window.max_chunks == 0) throw InputError(where, "asks for 0 chunks", "ask for -1 (all) or at least 1");
    if (n_ctx < 4) {
      throw InputError(where, "context size " + std::to_string(n_ctx) + " is too small", "use -c 4 or more");
    }
    if (n_ctx_train > 0 && n_ctx > n_ctx_train) {
      throw InputError(model.path().string(),
                       "context size " + std::to_string(n_ctx) + " is larger than the model's training context of " +
                           std::to_string(n_ctx_train) + " tokens",
                       "use -c " + std::to_string(n_ctx_train) + " or less");
    }
    if (req.text.empty() && req.tokens.empty()) {
      throw InputError(where, "the text is empty", "give a text of at least one chunk");
    }
    std::vector<TokenId> tokens = req.tokens;
    RequestOutcome outcome;
    if (tokens.empty()) {
      try {
        Tokens t = model.tokenize(req.text, /*add_special=*/true);
        tokens = std::move(t.ids);
        outcome.unknown_tokens = t.unknown;
      } catch (const UnencodableTextError& e) {
        // One text per request here (a file): the whole call fails, naming where.
        throw InputError(where + ":" + text_position(req.text, e.byte_offset()), e.what());
      }
    }
    outcomes_.push_back(outcome);
    for (TokenId t : tokens) {
      if (t < 0 || t >= model.n_vocab()) {
        throw InputError(where, "token id " + std::to_string(t) + " is outside the model's vocabulary",
                         "use tokens from a model with the same vocabulary");
      }
    }
    int n_chunks = static_cast<int>(tokens.size()) / n_ctx;
    if (n_chunks < 1) {
      throw InputError(where,
                       "the text tokenizes to " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of " +
                           std::to_string(n_ctx),
                       "use a longer text or a smaller -c");
    }
    if (req.window.max_chunks >= 0) n_chunks = std::min(n_chunks, req.window.max_chunks);
    // Batch-invariant: one chunk per decode group, decoded alone.
    plans_.push_back(piece > 0 ? plan_chunks(n_ctx, std::min(n_batch, n_ctx)) : plan_chunks(n_ctx, n_batch));
    if (piece > 0) {
      ChunkPlan& plan = plans_.back();
      plan.n_seq = 1;
      plan.piece = invariant_piece(piece, n_ctx);
      plan.slice = req.window.slice_rows > 0 ? std::max(2, std::min(plan.piece, req.window.slice_rows)) : plan.piece;
    }
    tokens_.push_back(std::move(tokens));
    chunk_counts_.push_back(n_chunks);
  }
}

void ChunkStream::start_alone() {
  const ChunkPlan& plan = plans_[request_];
  ctx_ = contexts_(plan);
  group_size_ = 1;
  emitted_ = 0;
  const TokenId* start = tokens_[request_].data() + static_cast<size_t>(group_start_) * plan.n_ctx;
  chunk_tokens_.assign(start, start + plan.n_ctx);
  if (model_.add_bos()) chunk_tokens_[0] = model_.bos();
  decoder_.emplace(ctx_, plan.piece);
  piece_ends_.clear();
  int end = 0;
  for (const int n : piece_sizes(0, plan.first, plan.piece)) piece_ends_.push_back(end += n);  // nothing scored
  for (const int n : piece_sizes(plan.first, plan.n_ctx - plan.first, plan.slice)) piece_ends_.push_back(end += n);
  next_piece_ = 0;
}

bool ChunkStream::next_slice(DistributionChunk& chunk) {
  const ChunkPlan& plan = plans_[request_];
  const size_t n_vocab = static_cast<size_t>(model_.n_vocab());
  std::vector<int> positions;
  std::vector<const float*> rows;
  while (next_piece_ < piece_ends_.size()) {
    const int end = piece_ends_[next_piece_++];
    decoder_->decode(
        std::span(chunk_tokens_.data(), static_cast<size_t>(end)),
        [&](int p) { return p >= plan.first && p < plan.first + plan.n_scored; },
        [&](std::span<const int> ps, std::span<const float* const> rs) {
          positions.assign(ps.begin(), ps.end());
          rows.assign(rs.begin(), rs.end());
        });
    if (positions.empty()) continue;
    // The rows of one sequence's consecutive positions lie side by side in llama.cpp's output
    // buffer; should they not, they are copied.
    const float* first_row = rows[0];
    for (size_t j = 1; j < rows.size() && first_row; ++j) {
      if (rows[j] != rows[0] + j * n_vocab) first_row = nullptr;
    }
    if (!first_row) {
      slice_.resize(rows.size() * n_vocab);
      for (size_t j = 0; j < rows.size(); ++j) {
        std::copy(rows[j], rows[j] + n_vocab, slice_.begin() + static_cast<std::ptrdiff_t>(j * n_vocab));
      }
      first_row = slice_.data();
    }
    const size_t target_start =
        static_cast<size_t>(group_start_) * plan.n_ctx + static_cast<size_t>(positions.front()) + 1;
    chunk.request = request_;
    chunk.chunk = group_start_;
    chunk.n_vocab = model_.n_vocab();
    chunk.targets = std::span<const TokenId>(tokens_[request_].data() + target_start, positions.size());
    chunk.logits = std::span<const float>(first_row, positions.size() * n_vocab);
    chunk.row = positions.front() - plan.first;
    chunk.last = positions.back() == plan.first + plan.n_scored - 1;
    return true;
  }
  emitted_ = group_size_;  // the chunk is done
  return false;
}

void ChunkStream::decode_group() {
  if (piece_ > 0) return start_alone();
  const ChunkPlan& plan = plans_[request_];
  ctx_ = contexts_(plan);
  const std::vector<TokenId>& tokens = tokens_[request_];
  group_size_ = std::min(plan.n_seq, chunk_counts_[request_] - group_start_);
  emitted_ = 0;

  llama_memory_clear(llama_get_memory(ctx_), true);
  logits_.clear();
  const int n_vocab = model_.n_vocab();
  const bool add_bos = model_.add_bos();
  Batch batch(std::min(plan.n_batch, plan.n_ctx * plan.n_seq), 1);
  for (int j = 0; j < plan.num_batches; ++j) {
    batch.clear();
    const int batch_size = std::min(plan.n_ctx - j * plan.n_batch, plan.n_batch);
    for (int seq = 0; seq < group_size_; ++seq) {
      const size_t seq_start = static_cast<size_t>(group_start_ + seq) * plan.n_ctx + j * plan.n_batch;
      for (int k = 0; k < batch_size; ++k) {
        const int pos = j * plan.n_batch + k;
        const TokenId token = (add_bos && pos == 0) ? model_.bos() : tokens[seq_start + k];
        batch.add(token, pos, {seq}, pos >= plan.first);
      }
    }
    decode_or_throw(ctx_, batch, "chunk " + std::to_string(group_start_ + 1) + " of request " + std::to_string(request_));
    const int outputs = batch.outputs();
    if (plan.num_batches > 1 && outputs > 0) {
      const float* out = llama_get_logits(ctx_);
      logits_.insert(logits_.end(), out, out + static_cast<size_t>(outputs) * n_vocab);
    }
  }
}

bool ChunkStream::next(DistributionChunk& chunk) {
  while (request_ < tokens_.size()) {
    if (emitted_ < group_size_) {
      if (piece_ == 0) break;
      if (next_slice(chunk)) return true;
      continue;
    }
    group_start_ += group_size_;
    group_size_ = 0;
    emitted_ = 0;
    if (group_start_ >= chunk_counts_[request_]) {
      ++request_;
      group_start_ = 0;
      continue;
    }
    decode_group();
  }
  if (request_ >= tokens_.size()) return false;

  const ChunkPlan& plan = plans_[request_];
  const int seq = emitted_++;
  const int n_vocab = model_.n_vocab();
  const float* rows = plan.num_batches > 1 ? logits_.data()
                                                       : llama_get_logits_ith(ctx_, seq * plan.n_ctx + plan.first);
  const size_t target_start = static_cast<size_t>(group_start_ + seq) * plan.n_ctx + plan.first + 1;
  chunk.request = request_;
  chunk.chunk = group_start_ + seq;
  chunk.n_vocab = n_vocab;
  chunk.targets = std::span<const TokenId>(tokens_[request_].data() + target_start, plan.n_scored);
  chunk.logits = std::span<const float>(rows, static_cast<size_t>(plan.n_scored) * n_vocab);
  chunk.row = 0;
  chunk.last = true;
  return true;
}

}  // namespace qualm::llama
