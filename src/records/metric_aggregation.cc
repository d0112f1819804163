#include "records/metric_aggregation.h"

#include <cmath>
#include <map>
#include <utility>

#include "eval/rolling_eval.h"
#include "metrics/model_metrics.h"
#include "metrics/registry.h"

namespace qualm {
namespace {

// A record's value of a metric; nullopt for absent, NaN or infinite.
std::optional<double> value_of(const SampleRecord& record, const std::string& metric) {
  const auto x = record.metric(metric);
  return x && std::isfinite(*x) ? x : std::nullopt;
}

MetricAggregation mean_of(const std::string& metric) {
  return {AggregationKind::kMean,
          [metric](const SampleRecord& r) -> std::optional<std::vector<double>> {
            const auto v = value_of(r, metric);
            return v ? std::optional<std::vector<double>>({*v, 1.0}) : std::nullopt;
          },
          [](std::span<const double> s) -> double { return s[1] > 0 ? s[0] / s[1] : NAN; }};
}

// A text metric over its corpus: the generate record's candidate (or, for "METRIC,PIPELINE", the
// pipeline's output) against its reference.
MetricAggregation corpus_of(const metrics::TextMetric& m, const std::string& pipeline = "") {
  const metrics::TextMetric* metric = &m;
  const std::string name = pipeline.empty() ? std::string(m.name) : metrics::pipeline_metric(m.name, pipeline);
  return {AggregationKind::kCorpus,
          [metric, name, pipeline](const SampleRecord& r) -> std::optional<std::vector<double>> {
            if (!value_of(r, name)) return std::nullopt;  // not scored: not counted
            if (!r.reference) return std::nullopt;
            if (pipeline.empty()) {
              if (!r.candidate) return std::nullopt;
              return metric->corpus_stats(*r.candidate, {*r.reference});
            }
            if (!r.filtered || !r.filtered->contains(pipeline)) return std::nullopt;
            return metric->corpus_stats(r.filtered->at(pipeline), {*r.reference});
          },
          [metric](std::span<const double> s) { return metric->from_corpus_stats(s); }};
}

// lm-eval's loglikelihood_rolling figures over summed [loglikelihood, tokens, words, bytes].
MetricAggregation rolling_of(const std::string& metric) {
  return {AggregationKind::kWeighted,
          [](const SampleRecord& r) -> std::optional<std::vector<double>> {
            const auto ll = value_of(r, metrics::model::kLoglikelihood), tokens = value_of(r, metrics::model::kNTokens),
                       words = value_of(r, metrics::model::kWords), bytes = value_of(r, metrics::model::kBytes);
            if (!ll || !tokens || !words || !bytes) return std::nullopt;
            return std::vector<double>{*ll, *tokens, *words, *bytes};
          },
          [metric](std::span<const double> s) -> double {
            const auto m = rolling_metrics(s[0], std::llround(s[1]), std::llround(s[2]), std::llround(s[3]));
            const auto it = m.find(metric);
            return it != m.end() ? it->second : NAN;
          }};
}

// A KL-divergence figure weighted by each document's scored tokens: the mean over every token of
// the documents, as one pass over all of them computes it. `transform` maps a document's value
// to what averages linearly (a perplexity's log, an RMS's square) and `back` maps the mean back.
MetricAggregation token_weighted(const std::string& metric, double (*transform)(double), double (*back)(double)) {
  return {AggregationKind::kWeighted,
          [metric, transform](const SampleRecord& r) -> std::optional<std::vector<double>> {
            const auto v = value_of(r, metric), n = value_of(r, metrics::model::kNTokens);
            if (!v || !n || *n <= 0) return std::nullopt;
            return std::vector<double>{transform(*v) * *n, *n};
          },
          [back](std::span<const double> s) -> double { return s[1] > 0 ? back(s[0] / s[1]) : NAN; }};
}

// lm-eval's perplexity aggregation (loglikelihood tasks: lambada_openai): exp(-mean ll) over the
// documents, from each record's exp(-ll).
MetricAggregation perplexity_of() {
  return {AggregationKind::kWeighted,
          [](const SampleRecord& r) -> std::optional<std::vector<double>> {
            const auto v = value_of(r, "perplexity");
            if (!v || *v <= 0) return std::nullopt;
            return std::vector<double>{std::log(*v), 1.0};
          },
          [](std::span<const double> s) -> double { return s[1] > 0 ? std::exp(s[0] / s[1]) : NAN; }};
}

double identity(double x) { return x; }
double square(double x) { return x * x; }
double root(double x) { return std::sqrt(x); }

// ppl_base, ppl_model and their ratio and difference from token-weighted mean log-perplexities.
MetricAggregation ppl_pair(const std::string& metric) {
  return {AggregationKind::kWeighted,
          [](const SampleRecord& r) -> std::optional<std::vector<double>> {
            const auto b = value_of(r, metrics::model::kPplBase), m = value_of(r, metrics::model::kPplModel),
                       n = value_of(r, metrics::model::kNTokens);
            if (!b || !m || !n || *n <= 0 || *b <= 0 || *m <= 0) return std::nullopt;
            return std::vector<double>{std::log(*b) * *n, std::log(*m) * *n, *n};
          },
          [metric](std::span<const double> s) -> double {
            if (s[2] <= 0) return NAN;
            const double base = std::exp(s[0] / s[2]), model = std::exp(s[1] / s[2]);
            if (metric == metrics::model::kPplRatio) return model / base;
            if (metric == metrics::model::kPplDiff) return model - base;
            return metric == metrics::model::kPplBase ? base : model;
          }};
}

// A rolling or kld metric's declared aggregation; nullopt for those that are plain means.
std::optional<MetricAggregation> model_aggregation(const metrics::model::ModelMetric& d) {
  const std::string name(d.name);
  switch (d.aggregation) {
    case metrics::model::Aggregation::kMean:
      return std::nullopt;
    case metrics::model::Aggregation::kRolling:
      return rolling_of(name);
    case metrics::model::Aggregation::kTokenWeighted:
      return token_weighted(name, identity, identity);
    case metrics::model::Aggregation::kTokenWeightedRms:
      return token_weighted(name, square, root);
    case metrics::model::Aggregation::kPplPair:
      return ppl_pair(name);
  }
  return std::nullopt;
}

}  // namespace

std::string_view aggregation_name(AggregationKind kind) {
  switch (kind) {
    case AggregationKind::kMean: return "mean";
    case AggregationKind::kCorpus: return "corpus";
    case AggregationKind::kWeighted: return "weighted";
  }
  return "mean";
}

const MetricAggregation& metric_aggregation(const std::string& metric) {
  static const std::map<std::string, MetricAggregation> kDeclared = [] {
    std::map<std::string, MetricAggregation> m;
    for (const metrics::TextMetric& t : metrics::text_metrics()) {
      if (t.aggregation == metrics::Aggregation::kCorpus && t.corpus_stats != nullptr) m[std::string(t.name)] = corpus_of(t);
    }
    for (const metrics::model::ModelMetric& d : metrics::model::model_metrics()) {
      if (auto a = model_aggregation(d)) m[std::string(d.name)] = std::move(*a);
    }
    m["perplexity"] = perplexity_of();
    return m;
  }();
  static thread_local std::map<std::string, MetricAggregation> derived;
  if (const auto it = kDeclared.find(metric); it != kDeclared.end()) return it->second;
  auto it = derived.find(metric);
  if (it == derived.end()) {
    // "METRIC,PIPELINE" aggregates as METRIC does, over the pipeline's outputs.
    const auto [base, pipeline] = metrics::split_pipeline_metric(metric);
    const metrics::TextMetric* t = pipeline.empty() ? nullptr : metrics::find_text_metric(base);
    const bool corpus = t != nullptr && t->aggregation == metrics::Aggregation::kCorpus && t->corpus_stats != nullptr;
    it = derived.emplace(metric, corpus ? corpus_of(*t, std::string(pipeline)) : mean_of(metric)).first;
  }
  return it->second;
}

double aggregate_states(const MetricAggregation& aggregation, std::span<const std::vector<double>> states,
                        std::span<const size_t> indices) {
  if (states.empty()) return NAN;
  std::vector<double> sum(states[0].size(), 0.0);
  const auto add = [&](const std::vector<double>& s) {
    for (size_t k = 0; k < sum.size() && k < s.size(); ++k) sum[k] += s[k];
  };
  if (indices.empty()) {
    for (const auto& s : states) add(s);
  } else {
    for (size_t i : indices) add(states[i]);
  }
  return aggregation.finish(sum);
}

}  // namespace qualm
