#include <deque>

#include "backend/llama/decode.h"
#include "backend/llama/generate_slots.h"
#include "core/errors.h"

namespace qualm::llama {

// Continuous batching as llama.cpp's server does it (--engine-parity llama): prompt pieces and
// generating sequences share decodes in one unified KV cache.
std::vector<GenerateResult> generate_packed(const LlamaModel& model, llama_context* ctx,
                                            std::span<const GenerateRequest> requests,
                                            std::span<const PreparedPrompt> prompts, const GenerateLimits& limits,
                                            const ProgressFn& progress) {
  std::vector<GenerateResult> results(requests.size());
  const llama_vocab* vocab = model.vocab();
  Batch batch(limits.n_batch + limits.n_seq, 1);
  std::vector<std::optional<Slot>> slots(static_cast<size_t>(limits.n_seq));
  std::deque<size_t> pending = pending_requests(prompts, results);
  size_t done = requests.size() - pending.size();
  llama_memory_clear(llama_get_memory(ctx), true);
  int kv_reserved = 0;

  const auto finish = [&](Slot& s, const std::string& reason) {
    results[s.request] = finished_result(s, reason);
    llama_memory_seq_rm(llama_get_memory(ctx), s.seq, -1, -1);
    kv_reserved -= s.kv_need;
    if (progress) progress(static_cast<int64_t>(++done), static_cast<int64_t>(requests.size()));
  };

  while (done < requests.size()) {
    // Admit prompts into free slots, in input order, while the KV cache has room for them.
    for (size_t k = 0; k < slots.size() && !pending.empty(); ++k) {
      if (slots[k]) continue;
      const GenerateRequest& r = requests[pending.front()];
      const PreparedPrompt& p = prompts[pending.front()];
      const int need = static_cast<int>(p.tokens.size()) + r.options.max_new_tokens + 1;
      if (kv_reserved > 0 && kv_reserved + need > limits.kv_cells) break;
      Slot s;
      s.request = pending.front();
      s.seq = static_cast<llama_seq_id>(k);
      s.prompt = p;
      s.kv_need = need;
      s.sampler = make_sampler(r.options, r.sample_key);
      s.start = Clock::now();
      kv_reserved += need;
      pending.pop_front();
      slots[k] = std::move(s);
    }

    batch.clear();
    for (auto& slot : slots) {  // sequences already generating: one token each
      if (!slot || slot->prefilled < slot->prompt.tokens.size()) continue;
      slot->batch_index = batch.size();
      batch.add(slot->last, slot->n_past++, {slot->seq}, true);
    }
    for (auto& slot : slots) {  // then prompt pieces, up to n_batch tokens in all
      if (!slot || slot->prefilled >= slot->prompt.tokens.size()) continue;
      while (slot->prefilled < slot->prompt.tokens.size() && batch.size() < limits.n_batch) {
        const bool last = slot->prefilled + 1 == slot->prompt.tokens.size();
        if (last) slot->batch_index = batch.size();
        batch.add(slot->prompt.tokens[slot->prefilled++], slot->n_past++, {slot->seq}, last);
      }
      if (slot->prefilled < slot->prompt.tokens.size()) slot->batch_index = -1;
    }
    if (batch.size() == 0) throw RunError("generate: no request fits the KV cache of " + std::to_string(limits.kv_cells));
    decode_or_throw(ctx, batch, "generation");

    for (auto& slot : slots) {
      if (!slot || slot->batch_index < 0) continue;
      const int at = slot->batch_index;
      slot->batch_index = -1;
      if (const auto reason = sample_token(*slot, ctx, at, vocab, requests[slot->request].options)) {
        finish(*slot, *reason);
        slot.reset();
      }
    }
  }
  return results;
}

}  // namespace qualm::llama
