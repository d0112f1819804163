#include <deque>

#include "backend/llama/decode.h"
#include "backend/llama/generate_slots.h"
#include "backend/llama/sequence_decoder.h"
#include "core/errors.h"

namespace qualm::llama {

// Batch-invariant generation: each sequence's greedy text is the one it gets generated alone.
// Every sequence has a KV stream of its own (kv_unified off), its token at position p in cell p
// of it, in streams of a size that is a multiple of 256 cells, so that the attended cells
// (llama.cpp pads them to 256) never depend on the batch. A prompt is prefilled in decodes of
// its own (pieces of at least two tokens, never one output row alone); then every step decodes
// one token per generating sequence, with a throwaway token in a scratch stream when only one
// sequence generates, so that no decode has a single row (sequence_decoder.h says why).
std::vector<GenerateResult> generate_alone(const LlamaModel& model, llama_context* ctx,
                                           std::span<const GenerateRequest> requests,
                                           std::span<const PreparedPrompt> prompts, const GenerateLimits& limits,
                                           const ProgressFn& progress) {
  std::vector<GenerateResult> results(requests.size());
  const llama_vocab* vocab = model.vocab();
  llama_memory_t memory = llama_get_memory(ctx);
  const llama_seq_id scratch = limits.n_seq;
  Batch batch(std::max(limits.n_batch, limits.n_seq) + 1, 1);
  std::vector<std::optional<Slot>> slots(static_cast<size_t>(limits.n_seq));
  std::deque<size_t> pending = pending_requests(prompts, results);
  size_t done = requests.size() - pending.size();
  llama_memory_clear(memory, true);
  ThreadFit threads(ctx);

  const auto finish = [&](std::optional<Slot>& slot, const std::string& reason) {
    results[slot->request] = finished_result(*slot, reason);
    llama_memory_seq_rm(memory, slot->seq, -1, -1);
    slot.reset();
    if (progress) progress(static_cast<int64_t>(++done), static_cast<int64_t>(requests.size()));
  };
  const auto sample = [&](std::optional<Slot>& slot, int batch_index) {
    if (const auto reason = sample_token(*slot, ctx, batch_index, vocab, requests[slot->request].options)) {
      finish(slot, *reason);
    }
  };

  while (done < requests.size()) {
    // Admit prompts into free slots, in input order, each prefilled alone.
    for (size_t k = 0; k < slots.size() && !pending.empty(); ++k) {
      if (slots[k]) continue;
      const size_t r = pending.front();
      pending.pop_front();
      Slot s;
      s.request = r;
      s.seq = static_cast<llama_seq_id>(k);
      s.prompt = prompts[r];
      s.sampler = make_sampler(requests[r].options, requests[r].sample_key);
      s.start = Clock::now();
      const std::vector<llama_token>& tokens = s.prompt.tokens;
      const int n = static_cast<int>(tokens.size());
      int pos = 0, last_index = -1;
      for (const int piece : piece_sizes(0, n, limits.n_batch)) {
        batch.clear();
        for (int j = 0; j < piece; ++j, ++pos) batch.add(tokens[pos], pos, {s.seq}, pos == n - 1);
        const bool companion = piece == 1;
        if (companion) batch.add(tokens[pos - 1], pos, {s.seq}, false);
        if (pos == n) {
          last_index = piece - 1;
          batch.request_logits(piece == 1 ? 1 : piece - 2);  // never one output row alone
        }
        threads.fit(batch.size());
        decode_or_throw(ctx, batch, "a prompt");
        if (companion) llama_memory_seq_rm(memory, s.seq, pos, -1);
      }
      s.n_past = n;
      slots[k] = std::move(s);
      sample(slots[k], last_index);
    }

    // One step: a token for each generating sequence.
    batch.clear();
    for (auto& slot : slots) {
      if (!slot) continue;
      slot->batch_index = batch.size();
      batch.add(slot->last, slot->n_past++, {slot->seq}, true);
    }
    if (batch.size() == 0) continue;  // every admitted prompt finished on its first token
    const bool companion = batch.size() == 1;
    if (companion) batch.add(0, 0, {scratch}, true);
    threads.fit(batch.size());
    decode_or_throw(ctx, batch, "generation");
    if (companion) llama_memory_seq_rm(memory, scratch, -1, -1);
    for (auto& slot : slots) {
      if (slot) sample(slot, slot->batch_index);
    }
  }
  return results;
}

}  // namespace qualm::llama
