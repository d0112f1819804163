#include "backend/llama/generate_slots.h"

#include <algorithm>
#include <cstdio>
#include <span>

#include "backend/logits.h"
#include "core/utf8.h"

namespace qualm::llama {
namespace {

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string token_piece(const llama_vocab* vocab, llama_token token, bool special = false) {
  char buf[256];
  const int n = llama_token_to_piece(vocab, token, buf, sizeof buf, 0, special);
  if (n >= 0) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(-n), '\0');
  llama_token_to_piece(vocab, token, big.data(), static_cast<int32_t>(big.size()), 0, special);
  return big;
}

// A token's text as a record can hold it: control tokens by name, a piece that is not whole
// UTF-8 (a byte token, half a character) as <0xNN> per byte.
std::string printable_piece(const llama_vocab* vocab, llama_token token) {
  const std::string piece = token_piece(vocab, token, true);
  if (!find_invalid_utf8(piece)) return piece;
  std::string out;
  char hex[8];
  for (const unsigned char c : piece) {
    std::snprintf(hex, sizeof hex, "<0x%02X>", c);
    out += hex;
  }
  return out;
}

// The step of a token chosen from `logits`: it first, then the most likely others (higher logit
// first, the lower id first among equals, as the greedy sampler picks), n in all. Log-probabilities
// are the whole softmax's, as loglikelihood() computes them (backend/logits.h).
std::vector<TokenChoice> step_choices(const float* logits, int n_vocab, llama_token chosen, int n,
                                      const llama_vocab* vocab) {
  const std::span<const float> all(logits, static_cast<size_t>(n_vocab));
  const LogitSummary summary = summarize_logits(all);
  const auto before = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::vector<int> best;  // the most likely others, in order
  const size_t others = static_cast<size_t>(std::max(0, n - 1));
  for (int i = 0; i < n_vocab && others > 0; ++i) {
    if (i == chosen || (best.size() == others && !before(i, best.back()))) continue;
    best.insert(std::upper_bound(best.begin(), best.end(), i, before), i);
    if (best.size() > others) best.pop_back();
  }
  std::vector<TokenChoice> out;
  out.push_back({chosen, printable_piece(vocab, chosen), token_logprob(all, summary, chosen)});
  for (const int i : best) out.push_back({i, printable_piece(vocab, i), token_logprob(all, summary, i)});
  return out;
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

std::optional<std::string> take_token(Slot& slot, llama_token token, const llama_vocab* vocab,
                                      const GenerationOptions& options) {
  if (slot.generated == 0) slot.first_token = Clock::now();
  if (llama_vocab_is_eog(vocab, token)) return "eos";
  ++slot.generated;
  const size_t old_size = slot.text.size();
  slot.text += token_piece(vocab, token);
  slot.last = token;
  if (const auto at = find_stop(slot.text, old_size, options.stop)) {
    slot.text.resize(*at);
    return "stop";
  }
  if (slot.generated >= options.max_new_tokens) return "length";
  return std::nullopt;
}

}  // namespace

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

std::optional<std::string> sample_token(Slot& slot, llama_context* ctx, int batch_index, const llama_vocab* vocab,
                                        const GenerationOptions& options) {
  const llama_token token = llama_sampler_sample(slot.sampler.get(), ctx, batch_index);
  if (options.top_logprobs > 0) {
    slot.steps.push_back(step_choices(llama_get_logits_ith(ctx, batch_index), llama_vocab_n_tokens(vocab), token,
                                      options.top_logprobs, vocab));
  }
  return take_token(slot, token, vocab, options);
}

std::deque<size_t> pending_requests(std::span<const PreparedPrompt> prompts, std::vector<GenerateResult>& results) {
  std::deque<size_t> pending;
  for (size_t i = 0; i < prompts.size(); ++i) {
    results[i].unknown_tokens = prompts[i].unknown_tokens;
    if (prompts[i].error.empty()) pending.push_back(i);
    else results[i].error = prompts[i].error;
  }
  return pending;
}

GenerateResult finished_result(Slot& s, const std::string& reason) {
  GenerateResult out;
  const auto now = Clock::now();
  // As Hugging Face's decode gives it (errors="replace"): a character cut off by the token limit,
  // or bytes a model emits in no valid order, become U+FFFD, so the text is always UTF-8.
  out.text = utf8_replacing_invalid(s.text);
  out.prompt_tokens = static_cast<int>(s.prompt.tokens.size());
  out.output_tokens = s.generated;
  out.prompt_ms = ms_between(s.start, s.first_token);
  out.generate_ms = ms_between(s.first_token, now);
  out.stop_reason = reason;
  out.truncated = s.prompt.truncated;
  out.unknown_tokens = s.prompt.unknown_tokens;
  out.steps = std::move(s.steps);  // the slot is done with: its steps and prompt move out
  out.prompt_ids = std::move(s.prompt.tokens);
  return out;
}

}  // namespace qualm::llama
