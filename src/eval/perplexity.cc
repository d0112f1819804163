#include "eval/perplexity.h"

#include <chrono>
#include <cmath>

#include "stats/moments.h"

namespace qualm {

PerplexityResult compute_perplexity(Backend& backend, const std::string& text, const PerplexityOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RollingRequest request{text, WindowOptions{WindowOptions::Scheme::kHalfChunk, options.context_size, options.max_chunks},
                         options.text_name};
  const std::vector<RollingResult> results = backend.loglikelihood_rolling(std::span(&request, 1));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const RollingResult& rolling = results.at(0);

  stats::MomentSums nll;
  for (double lp : rolling.logprobs) nll.add(-lp);

  PerplexityResult r;
  r.nll_mean = nll.mean();
  r.nll_stderr = nll.stderr_of_mean();
  r.ppl = std::exp(r.nll_mean);
  r.ppl_stderr = r.ppl * r.nll_stderr;
  r.n_tokens = nll.n;
  r.n_chunks = rolling.n_chunks;
  r.context_size = options.context_size;
  r.text_tokens = rolling.text_tokens;
  r.seconds = seconds;
  r.tokens_per_second = seconds > 0 ? static_cast<double>(rolling.n_chunks) * options.context_size / seconds : 0;
  return r;
}

}  // namespace qualm
