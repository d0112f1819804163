#include "metrics/model_metrics.h"

#include <limits>

namespace qualm::metrics::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::optional<Range> kNoRange = std::nullopt;
constexpr Range kUnit{0, 1}, kSignedUnit{-1, 1}, kNonNegative{0, kInf}, kPerplexity{1, kInf};
constexpr bool kLower = true, kHigher = false;
constexpr bool kDefault = true, kOnRequest = false;
constexpr Writer kRoll = Writer::kRolling, kKld = Writer::kKld;
using enum Aggregation;

// clang-format off
constexpr ModelMetric kMetrics[] = {
    // name                writer  range             direction aggregation         default
    {kWordPerplexity,      kRoll,  kPerplexity,      kLower,   kRolling,           kDefault},
    {kBytePerplexity,      kRoll,  kPerplexity,      kLower,   kRolling,           kDefault},
    {kBitsPerByte,         kRoll,  kNonNegative,     kLower,   kRolling,           kDefault},
    {kTokenPerplexity,     kRoll,  kPerplexity,      kLower,   kRolling,           kDefault},
    {kLoglikelihood,       kRoll,  Range{-kInf, 0},  kHigher,  kMean,              kOnRequest},
    {kNTokens,             kRoll,  kNoRange,         kHigher,  kMean,              kOnRequest},
    {kWords,               kRoll,  kNoRange,         kHigher,  kMean,              kOnRequest},
    {kBytes,               kRoll,  kNoRange,         kHigher,  kMean,              kOnRequest},

    {kKldMean,             kKld,   kNonNegative,     kLower,   kTokenWeighted,     kDefault},
    {kKldStderr,           kKld,   kNoRange,         kLower,   kMean,              kOnRequest},
    {kKldMedian,           kKld,   kNonNegative,     kLower,   kMean,              kOnRequest},
    {kKldP99,              kKld,   kNonNegative,     kLower,   kMean,              kDefault},
    {kKldP95,              kKld,   kNonNegative,     kLower,   kMean,              kOnRequest},
    {kKldP90,              kKld,   kNonNegative,     kLower,   kMean,              kOnRequest},
    {kKldMax,              kKld,   kNonNegative,     kLower,   kMean,              kOnRequest},
    {kSameTop,             kKld,   kUnit,            kHigher,  kTokenWeighted,     kDefault},
    {kSameTopStderr,       kKld,   kNoRange,         kHigher,  kMean,              kOnRequest},
    {kDpMean,              kKld,   kSignedUnit,      kHigher,  kTokenWeighted,     kOnRequest},
    {kDpStderr,            kKld,   kNoRange,         kLower,   kMean,              kOnRequest},
    {kRmsDp,               kKld,   kUnit,            kLower,   kTokenWeightedRms,  kDefault},
    {kPplBase,             kKld,   kNoRange,         kHigher,  kPplPair,           kOnRequest},
    {kPplModel,            kKld,   kNoRange,         kHigher,  kPplPair,           kOnRequest},
    {kPplRatio,            kKld,   kNonNegative,     kLower,   kPplPair,           kDefault},
    {kLnPplRatio,          kKld,   kNoRange,         kLower,   kTokenWeighted,     kOnRequest},
    {kPplDiff,             kKld,   kNoRange,         kLower,   kPplPair,           kOnRequest},
    {kLogprobCorrelation,  kKld,   kSignedUnit,      kHigher,  kMean,              kOnRequest},
    {kNTokens,             kKld,   kNoRange,         kHigher,  kMean,              kOnRequest},
};
// clang-format on

std::vector<std::string> names_of(Writer writer, bool defaults_only) {
  std::vector<std::string> out;
  for (const ModelMetric& m : kMetrics) {
    if (m.writer == writer && (m.task_default || !defaults_only)) out.emplace_back(m.name);
  }
  return out;
}

}  // namespace

std::span<const ModelMetric> model_metrics() { return kMetrics; }

const ModelMetric* find_model_metric(std::string_view name) {
  for (const ModelMetric& m : kMetrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<std::string> metric_names(Writer writer) { return names_of(writer, false); }

std::vector<std::string> default_metric_names(Writer writer) { return names_of(writer, true); }

}  // namespace qualm::metrics::model
