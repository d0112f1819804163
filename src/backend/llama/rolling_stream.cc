#include "backend/llama/rolling_stream.h"

#include <algorithm>
#include <string>

#include "backend/llama/sequence_decoder.h"
#include "core/errors.h"

namespace qualm::llama {

TokenId rolling_prefix_token(const LlamaModel& model) {
  const llama_token bos = model.bos();
  return bos != LLAMA_TOKEN_NULL ? bos : llama_vocab_eos(model.vocab());
}

RollingStream::RollingStream(const LlamaModel& model, std::function<llama_context*()> context,
                             std::span<const DistributionRequest> requests, int window, int piece)
    : model_(model), context_(std::move(context)), piece_(piece) {
  for (size_t r = 0; r < requests.size(); ++r) {
    const DistributionRequest& req = requests[r];
    const std::string where = req.name.empty() ? "request " + std::to_string(r) : req.name;
    std::vector<TokenId> tokens = req.tokens;
    RequestOutcome outcome;
    if (tokens.empty()) {
      tokens.push_back(rolling_prefix_token(model));
      try {
        const Tokens text = model.tokenize(req.text, /*add_special=*/false);
        tokens.insert(tokens.end(), text.ids.begin(), text.ids.end());
        outcome.unknown_tokens = text.unknown;
      } catch (const InputError& e) {
        outcome.error = e.what();  // this text fails alone: no windows
        tokens.clear();
      }
    }
    outcomes_.push_back(std::move(outcome));
    if (tokens.empty()) {
      windows_.emplace_back();
      chunk_counts_.push_back(0);
      tokens_.emplace_back();
      continue;
    }
    for (TokenId t : tokens) {
      if (t < 0 || t >= model.n_vocab()) {
        throw InputError(where, "token id " + std::to_string(t) + " is outside the model's vocabulary",
                         "use tokens from a model with the same vocabulary");
      }
    }
    windows_.push_back(rolling_windows(static_cast<int>(tokens.size()) - 1, window));
    chunk_counts_.push_back(static_cast<int>(windows_.back().size()));
    tokens_.push_back(std::move(tokens));
  }
}

bool RollingStream::next(DistributionChunk& chunk) {
  while (request_ < windows_.size() && window_ >= windows_[request_].size()) {
    ++request_;
    window_ = 0;
  }
  if (request_ >= windows_.size()) return false;
  const RollingWindow& w = windows_[request_][window_];
  const std::vector<TokenId>& tokens = tokens_[request_];
  SequenceDecoder decoder(context_(), piece_);
  const int first_scored = w.length - w.n_scored;
  const size_t n_vocab = static_cast<size_t>(model_.n_vocab());
  logits_.resize(static_cast<size_t>(w.n_scored) * n_vocab);
  decoder.decode(
      std::span<const TokenId>(tokens.data() + w.start, static_cast<size_t>(w.length)),
      [&](int p) { return p >= first_scored; },
      [&](std::span<const int> positions, std::span<const float* const> rows) {
        for (size_t j = 0; j < positions.size(); ++j) {
          std::copy(rows[j], rows[j] + n_vocab, logits_.begin() + static_cast<std::ptrdiff_t>((positions[j] - first_scored) * n_vocab));
        }
      });
  chunk.request = request_;
  chunk.chunk = static_cast<int>(window_);
  chunk.n_vocab = static_cast<int>(n_vocab);
  chunk.targets = std::span<const TokenId>(tokens.data() + w.start + first_scored + 1, w.n_scored);
  chunk.logits = logits_;
  ++window_;
  return true;
}

}  // namespace qualm::llama
