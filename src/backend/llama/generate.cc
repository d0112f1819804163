#include "backend/llama/generate.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>

#include "backend/llama/decode.h"
#include "core/errors.h"

namespace qualm::llama {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

SamplerPtr make_sampler(const GenerationOptions& o, uint64_t key) {
  SamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
  if (o.temperature <= 0) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  if (o.top_k > 0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(o.top_k));
  if (o.top_p < 1.0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(static_cast<float>(o.top_p), 1));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(static_cast<float>(o.temperature)));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(sequence_seed(o.seed, key)));
  return chain;
}

std::string piece(const llama_vocab* vocab, llama_token token) {
  char buf[256];
  const int n = llama_token_to_piece(vocab, token, buf, sizeof buf, 0, false);
  if (n >= 0) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(-n), '\0');
  llama_token_to_piece(vocab, token, big.data(), static_cast<int32_t>(big.size()), 0, false);
  return big;
}

// The earliest stop string in text, searching only where the newest piece could complete one.
std::optional<size_t> find_stop(const std::string& text, size_t old_size, const std::vector<std::string>& stops) {
  std::optional<size_t> best;
  for (const std::string& s : stops) {
    if (s.empty()) continue;
    const size_t from = old_size >= s.size() ? old_size - s.size() + 1 : 0;
    const size_t at = text.find(s, from);
    if (at != std::string::npos && (!best || at < *best)) best = at;
  }
  return best;
}

struct Slot {
  size_t request = 0;
  llama_seq_id seq = 0;
  PreparedPrompt prompt;
  size_t prefilled = 0;  // prompt tokens sent so far
  int n_past = 0;
  int kv_need = 0;
  SamplerPtr sampler;
  llama_token last = 0;  // the newest sampled token, fed back next decode
  int batch_index = -1;  // where this slot's logits are in the current decode
  int generated = 0;
  std::string text;
  Clock::time_point start, first_token;
};

}  // namespace

uint32_t sequence_seed(uint64_t seed, uint64_t key) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (key + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<uint32_t>(z ^ (z >> 31));
}

std::string prompt_text(const LlamaModel& model, const GenerateRequest& r) {
  if (!r.options.chat) return r.prompt;
  const char* tmpl = llama_model_chat_template(model.get(), nullptr);
  if (tmpl == nullptr) {
    throw InputError(model.path().string(), "the model has no chat template, but the task asks for chat formatting",
                     "use a model whose GGUF holds tokenizer.chat_template, or a task without chat: true");
  }
  const llama_chat_message message{"user", r.prompt.c_str()};
  std::string out(r.prompt.size() * 2 + 256, '\0');
  int n = llama_chat_apply_template(tmpl, &message, 1, true, out.data(), static_cast<int32_t>(out.size()));
  if (n > static_cast<int>(out.size())) {
    out.resize(static_cast<size_t>(n));
    n = llama_chat_apply_template(tmpl, &message, 1, true, out.data(), static_cast<int32_t>(out.size()));
  }
  if (n < 0) throw InputError(model.path().string(), "llama.cpp does not support this model's chat template");
  out.resize(static_cast<size_t>(n));
  return out;
}

std::vector<PreparedPrompt> prepare_prompts(const LlamaModel& model, std::span<const GenerateRequest> requests,
                                            int window) {
  std::vector<PreparedPrompt> out;
  for (const GenerateRequest& r : requests) {
    PreparedPrompt p;
    p.tokens = model.tokenize(prompt_text(model, r), /*add_special=*/true, /*parse_special=*/r.options.chat);
    if (p.tokens.empty()) p.tokens = {model.bos()};
    const int room = std::max(1, window - r.options.max_new_tokens);
    if (static_cast<int>(p.tokens.size()) > room) {
      p.tokens.erase(p.tokens.begin(), p.tokens.end() - room);  // lm-evaluation-harness keeps the tail
      p.truncated = true;
    }
    out.push_back(std::move(p));
  }
  return out;
}

int generation_kv_cells(std::span<const PreparedPrompt> prompts, std::span<const GenerateRequest> requests, int n_seq,
                        int cap) {
  std::vector<int> needs;
  for (size_t i = 0; i < requests.size(); ++i) {
    needs.push_back(static_cast<int>(prompts[i].tokens.size()) + requests[i].options.max_new_tokens + 1);
  }
  std::sort(needs.rbegin(), needs.rend());
  int total = 0;
  for (size_t i = 0; i < needs.size() && i < static_cast<size_t>(n_seq); ++i) total += needs[i];
  const int largest = needs.empty() ? 256 : needs.front();
  return std::max(largest, std::min(total, std::max(cap, largest)));
}

ContextOptions generation_context(const ContextOptions& base, const GenerateLimits& limits) {
  ContextOptions shape = base;
  shape.n_seq = std::max(1, limits.n_seq);
  shape.n_ctx = std::max(limits.kv_cells, shape.n_seq);
  shape.n_batch = std::min(std::max(1, limits.n_batch) + shape.n_seq, shape.n_ctx);
  shape.kv_unified = true;
  return shape;
}

std::vector<GenerateResult> generate_batch(const LlamaModel& model, llama_context* ctx,
                                           std::span<const GenerateRequest> requests,
                                           std::span<const PreparedPrompt> prompts, const GenerateLimits& limits,
                                           const ProgressFn& progress) {
  std::vector<GenerateResult> results(requests.size());
  const llama_vocab* vocab = model.vocab();
  Batch batch(limits.n_batch + limits.n_seq, 1);
  std::vector<std::optional<Slot>> slots(static_cast<size_t>(limits.n_seq));
  std::deque<size_t> pending;
  for (size_t i = 0; i < requests.size(); ++i) pending.push_back(i);
  llama_memory_clear(llama_get_memory(ctx), true);
  int kv_reserved = 0;
  size_t done = 0;

  const auto finish = [&](Slot& s, const std::string& reason) {
    GenerateResult& out = results[s.request];
    const auto now = Clock::now();
    out.text = std::move(s.text);
    out.prompt_tokens = static_cast<int>(s.prompt.tokens.size());
    out.output_tokens = s.generated;
    out.prompt_ms = ms_between(s.start, s.first_token);
    out.generate_ms = ms_between(s.first_token, now);
    out.stop_reason = reason;
    out.truncated = s.prompt.truncated;
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
      const llama_token token = llama_sampler_sample(slot->sampler.get(), ctx, slot->batch_index);
      slot->batch_index = -1;
      if (slot->generated == 0) slot->first_token = Clock::now();
      const GenerationOptions& o = requests[slot->request].options;
      if (llama_vocab_is_eog(vocab, token)) {
        finish(*slot, "eos");
        slot.reset();
        continue;
      }
      ++slot->generated;
      const size_t old_size = slot->text.size();
      slot->text += piece(vocab, token);
      slot->last = token;
      if (const auto at = find_stop(slot->text, old_size, o.stop)) {
        slot->text.resize(*at);
        finish(*slot, "stop");
        slot.reset();
      } else if (slot->generated >= o.max_new_tokens) {
        finish(*slot, "length");
        slot.reset();
      }
    }
  }
  return results;
}

}  // namespace qualm::llama
