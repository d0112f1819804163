#pragma once
// The ranges qualm accepts for the numbers and names of experiments and commands, declared
// once: the experiment reader and the command-line flags use these, and README's "Limits" table
// lists them (tests/e2e/test_bad_experiment.py checks that it does). The engine options' ranges sit with their declarations in
// config/engine_options.cc.

#include <string_view>
#include <vector>

namespace qualm::bounds {

struct Range {
  std::string_view what;  // as README's table names it
  long long min, max;
};

inline constexpr Range kLimit{"limit (documents per task)", 1, 1 << 30};
inline constexpr Range kRepetitions{"repetitions", 1, 1000};
inline constexpr Range kWarmup{"warmup", 0, 100};
inline constexpr Range kMaxNewTokens{"max_new_tokens", 1, 1 << 16};
inline constexpr Range kNumFewshot{"num_fewshot", 0, 1000};
inline constexpr Range kEmbeddingLayer{"embedding layer", 0, 1000};
inline constexpr Range kConcurrency{"concurrency (requests in flight, per server)", 1, 256};
inline constexpr Range kRetries{"retries", 0, 100};
inline constexpr Range kNameBytes{"names of experiments, models, variants, backends (bytes)", 1, 128};
inline constexpr double kTemperatureMax = 100;
inline constexpr double kTimeoutMin = 0.001, kTimeoutMax = 86400;  // timeout_s, seconds

inline const std::vector<Range>& all() {
  static const std::vector<Range> kAll = {kLimit,          kRepetitions,  kWarmup,  kMaxNewTokens, kNumFewshot,
                                          kEmbeddingLayer, kConcurrency, kRetries, kNameBytes};
  return kAll;
}

}  // namespace qualm::bounds
