#pragma once
// The one table of model metrics: the per-document figures that loglikelihood_rolling tasks
// (eval/rolling_eval.h) and kld tasks (eval/kld_eval.h) write into records, with each one's
// range, direction, aggregation over documents and whether a task shows it by default.
// Everything else (task metric lists, metric_info, metric_aggregation, the readers of kld
// records) derives from it.
//
// The names are char arrays so they convert to std::string (record and map keys) and to
// std::string_view alike; compare them as strings, never as pointers.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qualm::metrics::model {

// loglikelihood_rolling tasks (lm-eval's names).
inline constexpr char kWordPerplexity[] = "word_perplexity";
inline constexpr char kBytePerplexity[] = "byte_perplexity";
inline constexpr char kBitsPerByte[] = "bits_per_byte";
inline constexpr char kTokenPerplexity[] = "token_perplexity";
inline constexpr char kLoglikelihood[] = "loglikelihood";
inline constexpr char kWords[] = "words";
inline constexpr char kBytes[] = "bytes";

// Both kinds: the tokens scored.
inline constexpr char kNTokens[] = "n_tokens";

// kld tasks (qualm kld's names).
inline constexpr char kKldMean[] = "kld_mean";
inline constexpr char kKldStderr[] = "kld_stderr";
inline constexpr char kKldMedian[] = "kld_median";
inline constexpr char kKldP99[] = "kld_p99";
inline constexpr char kKldP95[] = "kld_p95";
inline constexpr char kKldP90[] = "kld_p90";
inline constexpr char kKldMax[] = "kld_max";
inline constexpr char kSameTop[] = "same_top";
inline constexpr char kSameTopStderr[] = "same_top_stderr";
inline constexpr char kDpMean[] = "dp_mean";
inline constexpr char kDpStderr[] = "dp_stderr";
inline constexpr char kRmsDp[] = "rms_dp";
inline constexpr char kPplBase[] = "ppl_base";
inline constexpr char kPplModel[] = "ppl_model";
inline constexpr char kPplRatio[] = "ppl_ratio";
inline constexpr char kLnPplRatio[] = "ln_ppl_ratio";
inline constexpr char kPplDiff[] = "ppl_diff";
inline constexpr char kLogprobCorrelation[] = "logprob_correlation";

enum class Writer { kRolling, kKld };

// How per-document values become one value over documents (records/metric_aggregation.h).
enum class Aggregation {
  kMean,              // the plain mean of the documents' values
  kRolling,           // lm-eval's: from summed loglikelihood, n_tokens, words and bytes
  kTokenWeighted,     // the mean weighted by each document's n_tokens
  kTokenWeightedRms,  // the root of the n_tokens-weighted mean of squares
  kPplPair,           // from n_tokens-weighted mean log ppl_base and ppl_model
};

struct Range {
  double lo = 0;
  double hi = 0;
};

struct ModelMetric {
  std::string_view name;
  Writer writer = Writer::kRolling;
  std::optional<Range> range;  // nullopt for counts, sums and unbounded differences
  bool lower_is_better = false;
  Aggregation aggregation = Aggregation::kMean;
  bool task_default = false;  // shown when a task names no metrics
};

// Every metric each writer writes, in the order tasks list them (error messages, suggestions,
// defaults). A metric both kinds write (n_tokens) has one entry per writer.
std::span<const ModelMetric> model_metrics();

// The first entry of that name; null for any other metric.
const ModelMetric* find_model_metric(std::string_view name);

// The names `writer` writes, and those of them shown by default, in table order.
std::vector<std::string> metric_names(Writer writer);
std::vector<std::string> default_metric_names(Writer writer);

}  // namespace qualm::metrics::model
