#include "metrics/pass_at_k.h"

namespace qualm::metrics {

double pass_at_k(int n, int c, int k) {
  if (n - c < k) return 1.0;
  double none_pass = 1.0;  // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
  for (int i = n - c + 1; i <= n; ++i) none_pass *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - none_pass;
}

}  // namespace qualm::metrics
