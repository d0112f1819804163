#include "backend/llama/generate.h"

#include <algorithm>

#include "backend/llama/chat_template.h"
#include "backend/llama/generate_slots.h"
#include "core/errors.h"

namespace qualm::llama {

uint32_t sequence_seed(uint64_t seed, uint64_t key) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (key + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<uint32_t>(z ^ (z >> 31));
}

std::string prompt_text(const LlamaModel& model, const GenerateRequest& r) {
  return r.messages.empty() ? r.prompt : apply_chat_template(model, r.messages);
}

std::vector<PreparedPrompt> prepare_prompts(const LlamaModel& model, std::span<const GenerateRequest> requests,
                                            int window) {
  std::vector<PreparedPrompt> out;
  for (const GenerateRequest& r : requests) {
    PreparedPrompt p;
    const std::string text = prompt_text(model, r);  // a missing chat template fails every request
    try {
      Tokens t = model.tokenize(text, /*add_special=*/true, /*parse_special=*/!r.messages.empty());
      p.tokens = std::move(t.ids);
      p.unknown_tokens = t.unknown;
    } catch (const InputError& e) {
      p.error = e.what();
      out.push_back(std::move(p));
      continue;
    }
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
                        int cap, bool batch_invariant) {
  std::vector<int> needs;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!prompts[i].error.empty()) continue;
    needs.push_back(static_cast<int>(prompts[i].tokens.size()) + requests[i].options.max_new_tokens + 1);
  }
  std::sort(needs.rbegin(), needs.rend());
  if (batch_invariant) return ((needs.empty() ? 1 : needs.front()) + 255) / 256 * 256;
  int total = 0;
  for (size_t i = 0; i < needs.size() && i < static_cast<size_t>(n_seq); ++i) total += needs[i];
  const int largest = needs.empty() ? 256 : needs.front();
  return std::max(largest, std::min(total, std::max(cap, largest)));
}

ContextOptions generation_context(const ContextOptions& base, const GenerateLimits& limits) {
  ContextOptions shape = base;
  if (limits.batch_invariant) {
    shape.n_seq = std::max(1, limits.n_seq) + 1;  // and the scratch stream
    shape.n_ctx = limits.kv_cells * shape.n_seq;
    shape.n_batch = shape.n_ubatch = std::max(std::max(2, limits.n_batch), shape.n_seq) + 1;
    shape.kv_unified = false;
    return shape;
  }
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
  return limits.batch_invariant ? generate_alone(model, ctx, requests, prompts, limits, progress)
                                : generate_packed(model, ctx, requests, prompts, limits, progress);
}

}  // namespace qualm::llama
