#include "metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.h"
#include "metrics/chrf.h"
#include "metrics/exact_match.h"
#include "metrics/output_length.h"
#include "metrics/pass_at_k.h"
#include "metrics/repetition.h"
#include "metrics/rouge.h"
#include "metrics/sacrebleu.h"

namespace qualm::metrics {
namespace {

const std::vector<std::string>& refs_of(const TextCorpus& c, size_t i) {
  static const std::vector<std::string> kNone;
  return i < c.references.size() ? c.references[i] : kNone;
}

// Over the samples that have a value (NaN: none, e.g. repetition of a short output).
double mean(const std::vector<double>& xs) {
  double sum = 0;
  size_t n = 0;
  for (double x : xs) {
    if (std::isnan(x)) continue;
    sum += x;
    ++n;
  }
  if (xs.empty()) return 0.0;
  return n == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(n);
}

// Per sample, the best reference by F1, the first on ties (rouge-score's score_multi); samples on
// every core, summed in order.
template <typename Rouge>
MetricReport score_rouge(const TextCorpus& c, Rouge rouge) {
  std::vector<PrfScore> best(c.predictions.size());
  parallel_for(best.size(), default_worker_count(), [&](unsigned, size_t i) {
    bool first = true;
    for (const std::string& ref : refs_of(c, i)) {
      const PrfScore s = rouge(c.predictions[i], ref, c.options.use_stemmer);
      if (first || s.f1 > best[i].f1) best[i] = s;
      first = false;
    }
  });
  MetricReport r;
  PrfScore sum;
  for (const PrfScore& b : best) {
    sum.precision += b.precision;
    sum.recall += b.recall;
    sum.f1 += b.f1;
    r.per_sample.push_back(b.f1);
  }
  const double n = c.predictions.empty() ? 1.0 : static_cast<double>(c.predictions.size());
  r.prf = PrfScore{sum.precision / n, sum.recall / n, sum.f1 / n};
  r.score = r.prf->f1;
  return r;
}

MetricReport score_rouge_l(const TextCorpus& c) { return score_rouge(c, rouge_l); }
MetricReport score_rouge_lsum(const TextCorpus& c) { return score_rouge(c, rouge_lsum); }

template <typename StatsFn, typename FromStats>
MetricReport score_bleu_like(const TextCorpus& c, StatsFn stats_of, FromStats from_stats) {
  MetricReport r;
  std::vector<BleuStats> stats(c.predictions.size());  // per sample, on every core; summed in order
  parallel_for(stats.size(), default_worker_count(),
               [&](unsigned, size_t i) { stats[i] = stats_of(c.predictions[i], refs_of(c, i)); });
  BleuStats total;
  for (const BleuStats& s : stats) {
    r.per_sample.push_back(from_stats(s).score);
    total += s;
  }
  r.bleu = from_stats(total);
  r.score = r.bleu->score;
  return r;
}

MetricReport score_bleu(const TextCorpus& c) { return score_bleu_like(c, bleu_text_stats, bleu_from_stats); }

MetricReport score_sacrebleu(const TextCorpus& c) { return score_bleu_like(c, sacrebleu_stats, sacrebleu_from_stats); }

MetricReport score_chrf(const TextCorpus& c) {
  MetricReport r;
  std::vector<ChrfStats> stats(c.predictions.size());  // per sample, on every core; summed in order
  parallel_for(stats.size(), default_worker_count(),
               [&](unsigned, size_t i) { stats[i] = chrf_stats(c.predictions[i], refs_of(c, i)); });
  ChrfStats total;
  for (const ChrfStats& s : stats) {
    r.per_sample.push_back(chrf_from_stats(s));
    total += s;
  }
  r.score = chrf_from_stats(total);
  return r;
}

// Mean over samples of the best value over a sample's references.
template <typename PairFn>
MetricReport score_best_reference_mean(const TextCorpus& c, PairFn pair) {
  MetricReport r;
  for (size_t i = 0; i < c.predictions.size(); ++i) {
    double best = 0;
    for (const std::string& ref : refs_of(c, i)) best = std::max(best, pair(c.predictions[i], ref, c.options));
    r.per_sample.push_back(best);
  }
  r.score = mean(r.per_sample);
  return r;
}

MetricReport score_exact_match(const TextCorpus& c) {
  return score_best_reference_mean(c, [](std::string_view p, std::string_view ref, const ScoreOptions& o) {
    if (o.exact_match) return exact_match(p, ref, *o.exact_match);
    return exact_match(p, ref, ExactMatchOptions{.ignore_punctuation = o.ignore_punctuation});
  });
}

MetricReport score_output_length(const TextCorpus& c) {
  return score_best_reference_mean(
      c, [](std::string_view p, std::string_view ref, const ScoreOptions&) { return output_length(p, ref); });
}

MetricReport score_repetition(const TextCorpus& c) {
  MetricReport r;
  for (const std::string& p : c.predictions) {
    r.per_sample.push_back(repetition(p).value_or(std::numeric_limits<double>::quiet_NaN()));
  }
  r.score = mean(r.per_sample);
  return r;
}

// mc_mode generate: the candidate is the letter read from the reply, "" when it named no option
// (tasks/choice_answer.h), and the reference the gold letter.
MetricReport score_acc_generate(const TextCorpus& c) {
  MetricReport r;
  for (size_t i = 0; i < c.predictions.size(); ++i) {
    const bool named = !c.predictions[i].empty();
    const bool gold = std::find(c.references[i].begin(), c.references[i].end(), c.predictions[i]) != c.references[i].end();
    r.per_sample.push_back(named && gold ? 1.0 : 0.0);
  }
  r.score = mean(r.per_sample);
  return r;
}

MetricReport score_refused(const TextCorpus& c) {
  MetricReport r;
  for (const std::string& p : c.predictions) r.per_sample.push_back(p.empty() ? 1.0 : 0.0);
  r.score = mean(r.per_sample);
  return r;
}

std::vector<double> flatten(const BleuStats& s) {
  std::vector<double> out;
  for (long m : s.matches) out.push_back(static_cast<double>(m));
  for (long p : s.possible) out.push_back(static_cast<double>(p));
  out.push_back(static_cast<double>(s.translation_length));
  out.push_back(static_cast<double>(s.reference_length));
  return out;
}

BleuStats unflatten_bleu(std::span<const double> v) {
  BleuStats s;
  for (int k = 0; k < kBleuMaxOrder; ++k) {
    s.matches[k] = std::lround(v[k]);
    s.possible[k] = std::lround(v[kBleuMaxOrder + k]);
  }
  s.translation_length = std::lround(v[2 * kBleuMaxOrder]);
  s.reference_length = std::lround(v[2 * kBleuMaxOrder + 1]);
  return s;
}

std::vector<double> bleu_corpus_stats(std::string_view p, const std::vector<std::string>& refs) {
  return flatten(bleu_text_stats(p, refs));
}
double bleu_from_corpus_stats(std::span<const double> v) { return bleu_from_stats(unflatten_bleu(v)).score; }
std::vector<double> sacrebleu_corpus_stats(std::string_view p, const std::vector<std::string>& refs) {
  return flatten(sacrebleu_stats(p, refs));
}
double sacrebleu_from_corpus_stats(std::span<const double> v) { return sacrebleu_from_stats(unflatten_bleu(v)).score; }
std::vector<double> chrf_corpus_stats(std::string_view p, const std::vector<std::string>& refs) {
  const ChrfStats s = chrf_stats(p, refs);
  return std::vector<double>(s.counts.begin(), s.counts.end());
}
double chrf_from_corpus_stats(std::span<const double> v) {
  ChrfStats s;
  for (size_t k = 0; k < s.counts.size() && k < v.size(); ++k) s.counts[k] = std::lround(v[k]);
  return chrf_from_stats(s);
}

}  // namespace

std::string_view aggregation_name(Aggregation a) { return a == Aggregation::kCorpus ? "corpus" : "mean"; }

const std::vector<TextMetric>& text_metrics() {
  using A = Aggregation;
  static const std::vector<TextMetric> kMetrics = {
      {"rouge_l", 0, 1, true, A::kMean, true, 1, "rouge-score's ROUGE-L F1 (LCS of words)", score_rouge_l},
      {"rouge_lsum", 0, 1, true, A::kMean, true, 1, "rouge-score's ROUGE-Lsum F1 (sentences = lines)",
       score_rouge_lsum},
      {"bleu", 0, 1, true, A::kCorpus, true, 1, "HF evaluate's BLEU (13a, no smoothing, shortest reference)",
       score_bleu, bleu_corpus_stats, bleu_from_corpus_stats},
      {"sacrebleu", 0, 1, true, A::kCorpus, true, 100, "sacrebleu's BLEU (13a, exp smoothing, closest reference)",
       score_sacrebleu, sacrebleu_corpus_stats, sacrebleu_from_corpus_stats},
      {"chrf", 0, 1, true, A::kCorpus, true, 100, "sacrebleu's chrF (character 6-grams, beta 2)", score_chrf,
       chrf_corpus_stats, chrf_from_corpus_stats},
      {"exact_match", 0, 1, true, A::kMean, true, 1, "1 if equal after strip and case folding", score_exact_match},
      {"output_length", 0, 1, true, A::kMean, true, 1, "min/max of the word counts", score_output_length},
      {"repetition", 0, 1, true, A::kMean, false, 1,
       "distinct / all word 4-grams of the prediction (null under 8 words)", score_repetition},
      {"acc_generate", 0, 1, true, A::kMean, true, 1,
       "multiple choice answered by generation (mc_mode generate): the reply named the gold option", score_acc_generate},
      {"refused", 0, 1, false, A::kMean, false, 1,
       "multiple choice answered by generation: the reply named no option (a refusal)", score_refused},
      {"bertscore", -1, 1, true, A::kMean, true, 1, "greedy cosine matching of token embeddings (F1)", nullptr},
      {"coherence", -1, 1, true, A::kMean, true, 1, "cosine of sentence embeddings (SemScore)", nullptr},
      {"pass@k", 0, 1, true, A::kMean, true, 1,
       "the code passes the reference's tests (pass@K or pass_at_K: of a document's samples, unbiased)", nullptr,
       nullptr, nullptr, true},
  };
  return kMetrics;
}

const TextMetric* find_text_metric(std::string_view name) {
  if (pass_at_k_of(name)) name = "pass@k";
  for (const TextMetric& m : text_metrics()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

PipelineMetricName split_pipeline_metric(std::string_view name) {
  const size_t comma = name.find(',');
  if (comma == std::string_view::npos) return {name, {}};
  return {name.substr(0, comma), name.substr(comma + 1)};
}

std::string pipeline_metric(std::string_view base, std::string_view pipeline) {
  return std::string(base) + "," + std::string(pipeline);
}

std::vector<std::string> text_metric_names() {
  std::vector<std::string> names;
  for (const TextMetric& m : text_metrics()) names.emplace_back(m.name);
  return names;
}

}  // namespace qualm::metrics
