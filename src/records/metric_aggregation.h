#pragma once
// How a metric's per-sample values become one value over a set of samples, declared once per
// metric and used by everything that aggregates records: aggregate.csv, summary.json's task
// rows, gates and qualm compare.
//
// - mean: the mean of the per-sample values (acc, rouge_l, exact_match, ...);
// - corpus: sufficient statistics summed over the samples, then one score (bleu, sacrebleu,
//   chrf, as HF evaluate and sacrebleu define them); each record keeps its sentence-level value;
// - weighted: over the samples' summed log-likelihoods and counts: lm-eval's word_perplexity
//   = exp(-Σ loglikelihood / Σ words), byte_perplexity, bits_per_byte, token_perplexity, and
//   KL-divergence figures weighted by each document's scored tokens (kld_mean, same_top, ...),
//   and lm-eval's loglikelihood perplexity = exp(-mean loglikelihood) over the documents.
//
// Each sample contributes a state (a few sums); the value finishes the sum of the states, so a
// bootstrap over samples recomputes it exactly on every resample.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "records/sample_record.h"

namespace qualm {

enum class AggregationKind { kMean, kCorpus, kWeighted };
std::string_view aggregation_name(AggregationKind kind);

struct MetricAggregation {
  AggregationKind kind = AggregationKind::kMean;
  // A sample's state from its record; nullopt: the sample does not count for this metric.
  std::function<std::optional<std::vector<double>>(const SampleRecord& record)> state;
  // The value of summed states.
  std::function<double(std::span<const double> summed)> finish;
};

// The metric's aggregation: kMean for any metric not declared otherwise.
const MetricAggregation& metric_aggregation(const std::string& metric);

// The value over states[i] for every i of `indices` (every state when indices is empty).
double aggregate_states(const MetricAggregation& aggregation, std::span<const std::vector<double>> states,
                        std::span<const size_t> indices = {});

}  // namespace qualm
