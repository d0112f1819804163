#pragma once
// pass@k for code that runs against tests (Chen et al. 2021, "Evaluating Large Language Models
// Trained on Code"): of n samples of a problem, c pass; pass@k is the chance that at least one
// of k drawn without replacement passes, 1 - C(n-c, k) / C(n, k), the unbiased estimator the
// paper, human-eval and HF evaluate's code_eval compute (as a product, which stays exact for
// large n).

#include <charconv>
#include <optional>
#include <string_view>

namespace qualm::metrics {

// 1 - C(n-c, k) / C(n, k); k <= n, 0 <= c <= n.
double pass_at_k(int n, int c, int k);

// The k of a metric named "pass@K" (lm-eval's humaneval) or "pass_at_K" (lm-eval's mbpp);
// nothing for any other name, or K < 1. Inline: task files are checked with it (config/).
inline std::optional<int> pass_at_k_of(std::string_view name) {
  for (std::string_view prefix : {std::string_view("pass@"), std::string_view("pass_at_")}) {
    if (!name.starts_with(prefix)) continue;
    const std::string_view digits = name.substr(prefix.size());
    int k = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
    if (ec != std::errc() || end != digits.data() + digits.size() || k < 1 || digits[0] == '0') return std::nullopt;
    return k;
  }
  return std::nullopt;
}

}  // namespace qualm::metrics
