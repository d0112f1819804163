#include "stats/power_law.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "stats/goldens_test_util.h"

namespace qualm::stats {
namespace {

using testing::expect_close;
using testing::goldens;
using testing::numbers;

TEST(PowerLaw, MatchesScipyLinregressOnLogs) {
  for (const auto& c : goldens()["power_law"]) {
    const std::string name = c["name"];
    const std::vector<double> x = numbers(c["x"]), y = numbers(c["y"]);
    const PowerLawFit f = fit_power_law(x, y);
    EXPECT_EQ(f.n, c["n"].get<size_t>()) << name;
    expect_close(f.a, c["a"], name + " a", 1e-9);
    expect_close(f.b, c["b"], name + " b", 1e-9);
    expect_close(f.r2, c["r2"], name + " r2", 1e-9);
    if (f.n == 2) {
      // SciPy reports stderr 0 and p 0 for two points; a two-point fit carries no uncertainty.
      EXPECT_TRUE(std::isnan(f.b_stderr)) << name;
      EXPECT_TRUE(std::isnan(f.b_p)) << name;
    } else {
      // The exact case's stderr is rounding on either side, so an absolute tolerance.
      expect_close(f.b_stderr, c["stderr"], name + " stderr", 1e-8, 1e-12);
      expect_close(f.b_p, c["p"], name + " p", 1e-7, 1e-14);
    }
  }
}

TEST(PowerLaw, ExactLawRecoversConstants) {
  const std::vector<double> x = {1, 2, 4, 8, 16};
  std::vector<double> y;
  for (double v : x) y.push_back(0.5 * std::pow(v, 0.25));
  const PowerLawFit f = fit_power_law(x, y);
  EXPECT_NEAR(f.a, 0.5, 1e-12);
  EXPECT_NEAR(f.b, 0.25, 1e-12);
  EXPECT_NEAR(f.r2, 1.0, 1e-12);
}

TEST(PowerLaw, DegenerateInput) {
  const std::vector<double> same_x = {3, 3, 3}, y = {1, 2, 3};
  const PowerLawFit f = fit_power_law(same_x, y);
  EXPECT_TRUE(std::isnan(f.b));
  EXPECT_TRUE(std::isnan(f.a));
  EXPECT_EQ(f.n, 3u);
  const std::vector<double> x = {1, 2, 4}, flat = {0.5, 0.5, 0.5};
  const PowerLawFit g = fit_power_law(x, flat);
  EXPECT_EQ(g.b, 0.0);
  EXPECT_DOUBLE_EQ(g.a, 0.5);
  EXPECT_EQ(g.b_p, 1.0);
  const std::vector<double> one = {1}, zero = {0, 1}, neg = {-1, 1}, two = {1, 2};
  EXPECT_THROW(fit_power_law(one, one), std::invalid_argument);
  EXPECT_THROW(fit_power_law(zero, two), std::invalid_argument);
  EXPECT_THROW(fit_power_law(two, neg), std::invalid_argument);
  EXPECT_THROW(fit_power_law(two, y), std::invalid_argument);
}

}  // namespace
}  // namespace qualm::stats
