#pragma once
// What both generation paths (generate.h) share: a sequence in flight, its sampler, and what
// happens to a sampled token (end of generation, a stop string, the length limit).

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "backend/llama/generate.h"

namespace qualm::llama {

using Clock = std::chrono::steady_clock;

// Each sequence's sampler: greedy, or seeded from (seed, sample_key) so that its draws do not
// depend on the other sequences.
SamplerPtr make_sampler(const GenerationOptions& options, uint64_t key);

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
  std::vector<std::vector<TokenChoice>> steps;  // GenerationOptions::top_logprobs > 0
  Clock::time_point start, first_token;
};

// Samples slot's next token from the logits at batch_index of ctx's last decode, records the
// step (the token chosen, then the options.top_logprobs - 1 most likely others) when asked, and
// takes the token: returns the stop reason ("eos", "stop", "length") when the sequence is
// finished, its text then cut before a stop string; otherwise appends it.
std::optional<std::string> sample_token(Slot& slot, llama_context* ctx, int batch_index, const llama_vocab* vocab,
                                        const GenerationOptions& options);

// The requests to generate, in input order: those whose prompt was prepared. The others' results
// get the prompt's error; every result gets its prompt's unknown-token count.
std::deque<size_t> pending_requests(std::span<const PreparedPrompt> prompts, std::vector<GenerateResult>& results);

// The result of a finished slot.
GenerateResult finished_result(Slot& slot, const std::string& reason);

// generate_batch()'s two paths: each sequence alone (batch-invariant), or packed as llama.cpp's
// server packs them.
std::vector<GenerateResult> generate_alone(const LlamaModel& model, llama_context* ctx,
                                           std::span<const GenerateRequest> requests,
                                           std::span<const PreparedPrompt> prompts, const GenerateLimits& limits,
                                           const ProgressFn& progress);
std::vector<GenerateResult> generate_packed(const LlamaModel& model, llama_context* ctx,
                                            std::span<const GenerateRequest> requests,
                                            std::span<const PreparedPrompt> prompts, const GenerateLimits& limits,
                                            const ProgressFn& progress);

}  // namespace qualm::llama
