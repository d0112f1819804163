#pragma once
// qualm merge DIR: the shards of one experiment (DIR/shards/I-of-N, written by
// qualm run --shard) checked and combined into what an unsharded run of it writes (SPEC S5).
// Every problem is named at once: a missing shard and its index, a shard of another
// experiment, partition, data set or build, a partial shard, a duplicated record.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "records/sample_record.h"

namespace qualm {

struct MergedShards {
  std::vector<std::string> problems;  // empty: the merge is whole
  nlohmann::json manifest;            // the unsharded run's manifest, plus "shards": who ran what
  std::vector<SampleRecord> records;  // every shard's, in shard order
};

MergedShards merge_shards(const std::filesystem::path& dir);

}  // namespace qualm
