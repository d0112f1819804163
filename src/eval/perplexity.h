#pragma once
// Token perplexity by llama.cpp's method (SPEC S6) over any backend's loglikelihood_rolling.

#include <cstdint>
#include <string>

#include "backend/backend.h"

namespace qualm {

struct PerplexityOptions {
  int context_size = 512;
  int max_chunks = -1;
  std::string text_name;  // for messages
};

struct PerplexityResult {
  double ppl = 0;
  double ppl_stderr = 0;  // ppl * stderr of the mean NLL, as llama-perplexity prints it
  double nll_mean = 0;
  double nll_stderr = 0;
  int64_t n_tokens = 0;   // scored tokens
  int n_chunks = 0;
  int context_size = 0;
  int text_tokens = 0;
  double seconds = 0;
  double tokens_per_second = 0;  // evaluated tokens (n_chunks * context_size) per second
};

PerplexityResult compute_perplexity(Backend& backend, const std::string& text, const PerplexityOptions& options);

}  // namespace qualm
