#include "run/shards.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "core/errors.h"

namespace qualm {
namespace {

// A plan of one generate task (100-byte prompts, 2 repetitions) and one rolling task of
// 20 documents, in two cells each; the second cell of the rolling task is skipped.
Plan two_task_plan() {
  Plan plan;
  PlannedTask gen;
  gen.name = "g";
  gen.kind = TaskKind::kGenerate;
  gen.gen = GenTask{};
  for (int d = 0; d < 40; ++d) gen.gen->docs.push_back({std::string(100, 'x'), std::nullopt, d});
  gen.n_docs = 40;
  gen.repetitions = 2;
  gen.max_new_tokens = 10;
  PlannedTask roll;
  roll.name = "r";
  roll.kind = TaskKind::kRolling;
  roll.rolling = RollingTask{};
  for (int d = 0; d < 20; ++d) roll.rolling->docs.push_back({std::string(4000, 'y'), 0, 4000, d});
  roll.n_docs = 20;
  plan.tasks = {gen, roll};
  plan.cells = {{0, 0, 0, 0, {}}, {0, 0, 0, 1, {}}, {0, 1, 0, 0, {}}, {0, 1, 0, 1, std::string("skipped")}};
  return plan;
}

TEST(Shards, WorkUnitsAreTheRunnersChunks) {
  const std::vector<WorkUnit> units = work_units(two_task_plan());
  // Cells 0 and 2 (generate, chunks of 16): 2 reps x 3 chunks each; cell 1 (rolling, chunks of
  // 8): 3; cell 3: skipped.
  ASSERT_EQ(units.size(), 15u);
  EXPECT_EQ(units[0].cell, 0u);
  EXPECT_EQ(units[0].begin, 0u);
  EXPECT_EQ(units[0].end, 16u);
  EXPECT_EQ(units[2].end, 40u);  // the last chunk is short
  EXPECT_EQ(units[3].rep, 1);
  EXPECT_EQ(units[6].cell, 1u);
  EXPECT_EQ(units[6].end, 8u);
  // Cost by hand: a 100-byte prompt is 26 tokens, plus 4 x 10 for what it generates.
  EXPECT_EQ(units[0].cost, 16 * (26 + 40));
  EXPECT_EQ(units[6].cost, 8 * 1001);  // 4000 bytes: 1001 tokens
  int64_t samples = 0;
  for (const WorkUnit& u : units) samples += u.samples();
  EXPECT_EQ(samples, 80 + 20 + 80);  // the plan's samples in cells that run
}

TEST(Shards, RepeatsCostTheirGenerations) {
  Plan plan = two_task_plan();
  plan.tasks[0].gen->spec.repeats = 3;  // lm-eval's repeats: three generations per document
  EXPECT_EQ(work_units(plan)[0].cost, 3 * 16 * (26 + 40));
}

TEST(Shards, EveryUnitGoesToExactlyOneShardLargestFirst) {
  // Costs 10, 9, 8, 7, 6, 5 over 3 shards, largest first to the least loaded (ties: the lowest):
  // 10->0, 9->1, 8->2, 7->2 (8), 6->1 (9), 5->0 (10): loads 15, 15, 15.
  std::vector<WorkUnit> units;
  for (int c = 0; c < 6; ++c) units.push_back({static_cast<size_t>(c), 0, 0, 2, 10 - c});
  std::map<int, std::set<size_t>> by_shard;
  std::string sha;
  for (int i = 0; i < 3; ++i) {
    const ShardDeal deal = deal_units(units, {i, 3});
    if (i == 0) sha = deal.sha256;
    EXPECT_EQ(deal.sha256, sha) << "every shard computes the same deal";
    for (size_t u = 0; u < units.size(); ++u) {
      if (deal.owned[u]) by_shard[i].insert(u);
    }
    EXPECT_EQ(deal.samples, 4);
  }
  EXPECT_EQ(by_shard[0], (std::set<size_t>{0, 5}));
  EXPECT_EQ(by_shard[1], (std::set<size_t>{1, 4}));
  EXPECT_EQ(by_shard[2], (std::set<size_t>{2, 3}));
  EXPECT_NE(deal_units(units, {0, 2}).sha256, sha);

  const ShardFilter filter(units, deal_units(units, {1, 3}));
  EXPECT_TRUE(filter.owns(1, 0, 0));
  EXPECT_TRUE(filter.owns(4, 0, 0));
  EXPECT_FALSE(filter.owns(0, 0, 0));
  EXPECT_FALSE(filter.owns(1, 1, 0));
  EXPECT_TRUE(ShardFilter().owns(0, 0, 0));
  EXPECT_EQ(filter.samples(Plan{}), 4);  // units 1 and 4, 2 documents each
}

TEST(Shards, OneBigCellIsSpreadOverShards) {
  Plan plan;
  PlannedTask roll;
  roll.name = "r";
  roll.kind = TaskKind::kRolling;
  roll.rolling = RollingTask{};
  for (int d = 0; d < 64; ++d) roll.rolling->docs.push_back({std::string(400, 'y'), 0, 400, d});
  roll.n_docs = 64;
  plan.tasks = {roll};
  plan.cells = {{0, 0, 0, 0, {}}};
  const std::vector<WorkUnit> units = work_units(plan);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(deal_units(units, {i, 4}).samples, 16) << i;
}

TEST(Shards, ParsesIndexOfCount) {
  EXPECT_EQ(parse_shard("0/4")->count, 4);
  EXPECT_EQ(parse_shard("3/4")->index, 3);
  EXPECT_EQ(parse_shard("0/4")->dir_name(), "0-of-4");
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "a/b", "1/4/5", " 1/4", "1/4 "})
    EXPECT_FALSE(parse_shard(bad)) << bad;
}

TEST(Shards, IndexFromTheJobArraysEnvironment) {
  std::map<std::string, std::string> env;
  const Getenv get = [&env](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_FALSE(resolve_shard("", 0, get));
  EXPECT_EQ(resolve_shard("2/5", 0, get)->index, 2);
  EXPECT_THROW(resolve_shard("2/5", 4, get), InputError);
  EXPECT_THROW(resolve_shard("env", 0, get), InputError);  // no index anywhere
  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  auto s = resolve_shard("env", 0, get);
  EXPECT_EQ(s->index, 3);
  EXPECT_EQ(s->count, 4);
  env = {{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_MIN", "5"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  EXPECT_EQ(resolve_shard("", 4, get)->index, 2);  // --array=5-8
  env = {{"JOB_COMPLETION_INDEX", "1"}};
  s = resolve_shard("", 3, get);
  EXPECT_EQ(s->index, 1);
  EXPECT_EQ(s->count, 3);
  EXPECT_THROW(resolve_shard("env", 0, get), InputError);  // Kubernetes gives no count
  env = {{"JOB_COMPLETION_INDEX", "3"}};
  EXPECT_THROW(resolve_shard("", 3, get), InputError);  // index past the count
  env = {{"SLURM_ARRAY_TASK_ID", "x"}};
  EXPECT_THROW(resolve_shard("", 3, get), InputError);
}

}  // namespace
}  // namespace qualm
