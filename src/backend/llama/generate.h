#pragma once
// generate() on llama.cpp: continuous batching of many prompts as parallel sequences in one
// unified KV cache. A free slot takes the next prompt; prompts are prefilled in pieces of at
// most n_batch tokens beside the sequences already generating; each sequence samples from
// its own sampler, seeded from (seed, sample_key), so its text does not depend on which
// other prompts share its decodes.

#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/llama/model.h"
#include "core/progress.h"

namespace qualm::llama {

struct GenerateLimits {
  int window = 2048;   // prompt + new tokens of one sequence; longer prompts lose tokens from the left
  int n_seq = 16;      // sequences generating at once: --parallel, at most one per request
  int n_batch = 2048;  // tokens per decode (batch-invariant: prompt tokens per prefill decode)
  int kv_cells = 8192; // the context's KV size, shared by the sequences in flight
  // Each sequence's text is the one it gets alone (generate_alone.cc): a KV stream per
  // sequence of kv_cells cells, and a scratch stream; false: continuous batching in one unified
  // KV cache as llama.cpp's server does it (--engine-parity llama).
  bool batch_invariant = true;
};

// A prompt tokenized once, cut from the left when it leaves no room for max_new_tokens.
struct PreparedPrompt {
  std::vector<llama_token> tokens;
  bool truncated = false;
  int unknown_tokens = 0;
  std::string error;  // the prompt cannot be tokenized: this request fails alone
};

std::vector<PreparedPrompt> prepare_prompts(const LlamaModel& model, std::span<const GenerateRequest> requests,
                                            int window);

// The KV size a batch of requests wants: the largest few in flight together, at least the
// largest single one, at most `cap` beyond that. Batch-invariant: one stream's size, the
// largest request's need rounded up to a multiple of 256 (see generate_alone.cc).
int generation_kv_cells(std::span<const PreparedPrompt> prompts, std::span<const GenerateRequest> requests, int n_seq,
                        int cap, bool batch_invariant = false);

// The context generate_batch runs in: limits.n_seq sequences in one unified KV cache of at
// least limits.kv_cells, and a logical batch for the prompt pieces plus one token per
// generating sequence. llama.cpp reserves an output row per sequence when it creates a
// context and allows at most min(n_batch, n_ctx) rows (it aborts otherwise), so both are kept
// at least n_seq however few tokens the requests need.
ContextOptions generation_context(const ContextOptions& base, const GenerateLimits& limits);

std::vector<GenerateResult> generate_batch(const LlamaModel& model, llama_context* ctx,
                                           std::span<const GenerateRequest> requests,
                                           std::span<const PreparedPrompt> prompts, const GenerateLimits& limits,
                                           const ProgressFn& progress = nullptr);

// The prompt as the model is given it: the request's messages under the GGUF's chat template
// when it has messages (InputError when the model has none), else its prompt.
std::string prompt_text(const LlamaModel& model, const GenerateRequest& request);

// splitmix64 of (seed, key): each sequence's sampler seed.
uint32_t sequence_seed(uint64_t seed, uint64_t key);

}  // namespace qualm::llama
