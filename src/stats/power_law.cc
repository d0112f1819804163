#include "stats/power_law.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "stats/distributions.h"

namespace qualm::stats {

PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) throw std::invalid_argument("fit_power_law: x and y differ in length");
  const size_t n = x.size();
  if (n < 2) throw std::invalid_argument("fit_power_law: needs at least 2 points");
  std::vector<double> lx(n), ly(n);
  for (size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(x[i]) && x[i] > 0 && std::isfinite(y[i]) && y[i] > 0)) {
      throw std::invalid_argument("fit_power_law: values must be finite and positive");
    }
    lx[i] = std::log(x[i]);
    ly[i] = std::log(y[i]);
  }
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += lx[i];
    my += ly[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (lx[i] - mx) * (lx[i] - mx);
    syy += (ly[i] - my) * (ly[i] - my);
    sxy += (lx[i] - mx) * (ly[i] - my);
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  PowerLawFit f{kNaN, kNaN, kNaN, n, kNaN, kNaN};
  if (sxx == 0) return f;
  f.b = sxy / sxx;
  f.a = std::exp(my - f.b * mx);
  // Constant y: a flat line fits exactly and explains none of a variance that is not there;
  // SciPy's convention, r = 0.
  const double r = syy == 0 ? 0.0 : std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
  f.r2 = r * r;
  if (n == 2) return f;
  const double df = static_cast<double>(n - 2);
  // SSE = Syy (1 - r^2), the form SciPy uses; clamped at 0 against rounding.
  const double sse = std::max(0.0, syy * (1 - f.r2));
  f.b_stderr = std::sqrt(sse / df / sxx);
  f.b_p = f.b == 0 ? 1.0 : t_two_sided_p(f.b / f.b_stderr, df);
  return f;
}

}  // namespace qualm::stats
