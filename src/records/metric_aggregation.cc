#include "records/metric_aggregation.h"

#include <cmath>
#include <map>

#include "eval/rolling_eval.h"
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
            const auto ll = value_of(r, "loglikelihood"), tokens = value_of(r, "n_tokens"), words = value_of(r, "words"),
                       bytes = value_of(r, "bytes");
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
            const auto v = value_of(r, metric), n = value_of(r, "n_tokens");
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

// ppl_base, ppl_model and their ratio and difference from token-weighted mean log-perplexities.
MetricAggregation ppl_pair(const std::string& metric) {
  return {AggregationKind::kWeighted,
          [](const SampleRecord& r) -> std::optional<std::vector<double>> {
            const auto b = value_of(r, "ppl_base"), m = value_of(r, "ppl_model"), n = value_of(r, "n_tokens");
            if (!b || !m || !n || *n <= 0 || *b <= 0 || *m <= 0) return std::nullopt;
            return std::vector<double>{std::log(*b) * *n, std::log(*m) * *n, *n};
          },
          [metric](std::span<const double> s) -> double {
            if (s[2] <= 0) return NAN;
            const double base = std::exp(s[0] / s[2]), model = std::exp(s[1] / s[2]);
            if (metric == "ppl_ratio") return model / base;
            if (metric == "ppl_diff") return model - base;
            return metric == "ppl_base" ? base : model;
          }};
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
    for (const char* r : {"word_perplexity", "byte_perplexity", "bits_per_byte", "token_perplexity"}) m[r] = rolling_of(r);
    for (const char* k : {"kld_mean", "same_top", "dp_mean", "ln_ppl_ratio"}) m[k] = token_weighted(k, identity, identity);
    m["rms_dp"] = token_weighted("rms_dp", square, [](double x) { return std::sqrt(x); });
    for (const char* p : {"ppl_base", "ppl_model", "ppl_ratio", "ppl_diff"}) m[p] = ppl_pair(p);
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
