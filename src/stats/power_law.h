#pragma once
// Power-law fit y = a * x^b by least squares on (log x, log y), as
// scipy.stats.linregress(np.log(x), np.log(y)) fits it: b is the slope, a = exp(intercept).

#include <cstddef>
#include <span>

namespace qualm::stats {

struct PowerLawFit {
  double a;         // exp(intercept)
  double b;         // exponent (slope in log-log space)
  double r2;        // squared Pearson r of the logs
  size_t n;
  double b_stderr;  // sqrt(SSE / (n - 2) / Sxx); NaN when n = 2
  double b_p;       // two-sided p of b = 0, t with n - 2 df; NaN when n = 2
};

// Throws std::invalid_argument when the sizes differ, n < 2, or a value is not finite and
// positive (its log is undefined). All x equal gives NaN for everything but n.
// Two points fit any power law exactly, so no uncertainty is estimated there: stderr and p are
// NaN where SciPy reports 0 and 0 (or 1).
PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y);

}  // namespace qualm::stats
