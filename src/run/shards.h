#pragma once
// Sharding an experiment over a job array (qualm run --shard I/N; SPEC S5): the plan's work
// cut into units, each one (cell, repetition, chunk of documents) exactly as the runner
// batches it, and the units dealt to N shards by estimated cost (tokens x documents), largest
// first to the least-loaded shard, so one big cell does not sit on one shard. Every shard
// computes the same deal from the same plan; `qualm merge` checks it by its hash.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "run/plan.h"

namespace qualm {

// The documents the runner scores together, per task kind: fixed, so that a chunk's
// composition never depends on what an earlier run (or another shard) finished.
size_t chunk_documents(TaskKind kind);

struct WorkUnit {
  size_t cell = 0;  // index into Plan::cells
  int rep = 0;
  size_t begin = 0, end = 0;  // documents [begin, end) of the cell's task
  int64_t cost = 0;           // estimated tokens x documents
  int64_t samples() const { return static_cast<int64_t>(end - begin); }
};

// Every unit of the cells that run, in plan order.
std::vector<WorkUnit> work_units(const Plan& plan);

struct ShardSpec {
  int index = 0, count = 1;  // count 1: unsharded
  bool sharded() const { return count > 1 || index > 0; }
  std::string dir_name() const;  // "2-of-4"
};

// "I/N", 0 <= I < N; nullopt for anything else.
std::optional<ShardSpec> parse_shard(const std::string& text);

// The shard a job-array task runs: --shard I/N as given; or, for --shard env or --shard-count
// N, the index from Slurm (SLURM_ARRAY_TASK_ID less SLURM_ARRAY_TASK_MIN) or a Kubernetes
// Indexed Job (JOB_COMPLETION_INDEX), and the count from --shard-count else
// SLURM_ARRAY_TASK_COUNT. nullopt: unsharded (neither flag). Throws InputError saying what is
// missing or wrong. getenv is injectable for tests.
using Getenv = std::function<const char*(const char*)>;
std::optional<ShardSpec> resolve_shard(const std::string& shard_flag, int shard_count_flag, Getenv getenv);

// Which units shard `spec` runs, and a hash of the whole deal (every shard's units).
struct ShardDeal {
  std::vector<bool> owned;    // per work_units() entry
  std::vector<int> shard_of;  // per work_units() entry
  std::string sha256;
  int64_t samples = 0;  // in the owned units
  size_t units = 0;     // owned
};
ShardDeal deal_units(const std::vector<WorkUnit>& units, const ShardSpec& spec);

// The runner's question: does this run compute unit (cell, rep, chunk starting at begin)?
class ShardFilter {
 public:
  ShardFilter() = default;  // everything
  ShardFilter(const std::vector<WorkUnit>& units, const ShardDeal& deal);
  bool owns(size_t cell, int rep, size_t begin) const;
  bool everything() const { return all_; }
  // The samples of the owned units (ShardDeal::samples); for everything, the caller's plan's.
  int64_t samples(const Plan& plan) const { return all_ ? plan.samples() : samples_; }

 private:
  bool all_ = true;
  int64_t samples_ = 0;
  std::vector<std::tuple<size_t, int, size_t>> owned_;  // sorted
};

}  // namespace qualm
