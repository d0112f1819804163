#pragma once
// The one table of text metrics (SPEC S4): each metric's name, range, direction and
// aggregation, and how `qualm score` computes it over a file of predictions and references.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/bleu.h"
#include "metrics/exact_match.h"
#include "metrics/prf.h"

namespace qualm::metrics {

// "corpus": statistics summed over the samples, then one score (BLEU, chrF).
// "mean": the mean of per-sample scores.
enum class Aggregation { kCorpus, kMean };
std::string_view aggregation_name(Aggregation a);

struct ScoreOptions {
  bool use_stemmer = false;         // rouge_l, rouge_lsum
  bool ignore_punctuation = false;  // exact_match
  std::optional<ExactMatchOptions> exact_match = {};  // a task's metric_list options: replace ignore_punctuation
};

// predictions[i] against references[i] (one or more texts each; empty for metrics that read
// the prediction alone).
struct TextCorpus {
  const std::vector<std::string>& predictions;
  const std::vector<std::vector<std::string>>& references;
  ScoreOptions options;
};

struct MetricReport {
  double score = 0;                // the corpus value on the metric's own 0-1 scale
  std::vector<double> per_sample;  // sentence-level values, one per prediction
  std::optional<BleuScore> bleu;   // bleu, sacrebleu
  std::optional<PrfScore> prf;     // rouge_l, rouge_lsum: means of P, R and F1
};

struct TextMetric {
  std::string_view name;
  double min = 0;
  double max = 1;
  bool higher_is_better = true;
  Aggregation aggregation = Aggregation::kMean;
  bool needs_references = true;
  double display_scale = 1;  // 100 where the convention prints 0-100 (sacrebleu, chrf)
  std::string_view summary;
  // Null for metrics that need an embedding model (bertscore, coherence): their algebra is in
  // bertscore.h and coherence.h, and the model runs elsewhere.
  MetricReport (*score)(const TextCorpus& corpus) = nullptr;
  // kCorpus: one sample's sufficient statistics, flattened (summing them sums the corpus), and
  // the score of summed statistics, so that a corpus score can be recomputed over any subset
  // of samples (aggregates, bootstrap intervals, comparisons).
  std::vector<double> (*corpus_stats)(std::string_view prediction, const std::vector<std::string>& references) = nullptr;
  double (*from_corpus_stats)(std::span<const double> summed) = nullptr;
  // Runs the prediction with the reference (its tests) appended, in exec/sandbox.h: pass@K and
  // pass_at_K (metrics/pass_at_k.h) name it with their K; scored in eval/code_scores.h.
  bool runs_code = false;
};

const std::vector<TextMetric>& text_metrics();

// Null when no metric has that name. "pass@K" and "pass_at_K" find the entry "pass@k".
const TextMetric* find_text_metric(std::string_view name);

std::vector<std::string> text_metric_names();

// A metric of one of a task's filter pipelines is named "METRIC,PIPELINE" (lm-eval's
// "exact_match,strict-match"); it is the base metric on the pipeline's output, and its range,
// direction and aggregation are the base metric's.
struct PipelineMetricName {
  std::string_view base;
  std::string_view pipeline;  // empty for a plain metric name
};
PipelineMetricName split_pipeline_metric(std::string_view name);
std::string pipeline_metric(std::string_view base, std::string_view pipeline);

}  // namespace qualm::metrics
