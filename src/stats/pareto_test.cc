#include "stats/pareto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace qualm::stats {
namespace {

using Indices = std::vector<size_t>;

TEST(Pareto, Tr124Table10_1) {
  // TR124 S10.1: cost $/1M tokens, composite. Three on the frontier.
  const std::vector<CostQuality> p = {
      {0.023, 0.290},  // 0 gpt2/GPU
      {0.075, 0.563},  // 1 llama-3.2-1b/GPU
      {0.119, 0.635},  // 2 phi-2/GPU
      {0.129, 0.586},  // 3 qwen2.5-1.5b/GPU
      {0.149, 0.538},  // 4 llama-3.2-3b/GPU
      {0.098, 0.297},  // 5 gpt2/CPU
      {0.517, 0.558},  // 6 llama-3.2-1b/CPU
      {0.697, 0.582},  // 7 qwen2.5-1.5b/CPU
  };
  const ParetoResult r = pareto_frontier(p);
  EXPECT_EQ(r.on_frontier, (std::vector<bool>{true, true, true, false, false, false, false, false}));
  EXPECT_EQ(r.dominated_by[3], (Indices{2}));
  // TR124's table 10.3 leaves out qwen2.5-1.5b/GPU, which also dominates llama-3.2-3b/GPU.
  EXPECT_EQ(r.dominated_by[4], (Indices{1, 2, 3}));
  // gpt2/CPU (0.297) beats gpt2/GPU (0.290) on quality, so only llama-3.2-1b/GPU dominates it,
  // not "its GPU counterpart" as TR124 S10.3 says.
  EXPECT_EQ(r.dominated_by[5], (Indices{1}));
  EXPECT_EQ(r.dominated_by[6], (Indices{1, 2, 3}));
  EXPECT_EQ(r.dominated_by[7], (Indices{2, 3}));
  EXPECT_TRUE(r.dominated_by[0].empty());
}

TEST(Pareto, TiesOnOneAxisDominate) {
  // Same cost, lower quality: dominated. Same quality, higher cost: dominated.
  const std::vector<CostQuality> p = {{1, 0.5}, {1, 0.4}, {2, 0.5}};
  const ParetoResult r = pareto_frontier(p);
  EXPECT_EQ(r.on_frontier, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(r.dominated_by[1], (Indices{0}));
  EXPECT_EQ(r.dominated_by[2], (Indices{0}));
}

TEST(Pareto, EqualPointsDoNotDominateEachOther) {
  const std::vector<CostQuality> p = {{1, 0.5}, {1, 0.5}, {2, 0.4}};
  const ParetoResult r = pareto_frontier(p);
  EXPECT_EQ(r.on_frontier, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(r.dominated_by[2], (Indices{0, 1}));
  EXPECT_FALSE(dominates(p[0], p[1]));
  EXPECT_FALSE(dominates(p[1], p[0]));
}

TEST(Pareto, TradeOffsAllOnFrontier) {
  const std::vector<CostQuality> p = {{3, 0.9}, {1, 0.1}, {2, 0.5}};
  const ParetoResult r = pareto_frontier(p);
  EXPECT_EQ(r.on_frontier, (std::vector<bool>{true, true, true}));
}

TEST(Pareto, EmptyAndInvalid) {
  EXPECT_TRUE(pareto_frontier({}).on_frontier.empty());
  const std::vector<CostQuality> one = {{1, 0.5}};
  EXPECT_EQ(pareto_frontier(one).on_frontier, (std::vector<bool>{true}));
  const std::vector<CostQuality> bad = {{1, NAN}};
  EXPECT_THROW(pareto_frontier(bad), std::invalid_argument);
}

}  // namespace
}  // namespace qualm::stats
