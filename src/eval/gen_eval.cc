#include "eval/gen_eval.h"

#include <cmath>

#include "core/errors.h"
#include "eval/embedding_scores.h"
#include "metrics/registry.h"
#include "stats/moments.h"
#include "tasks/text_filters.h"

namespace qualm {
namespace {

void score_embeddings(const GenTask& task, GenTaskScores& s, const std::vector<std::string>& wanted,
                      Backend& embedder) {
  std::vector<std::string> candidates, references;
  std::vector<size_t> docs;
  for (size_t i = 0; i < task.docs.size(); ++i) {
    if (!task.docs[i].reference || !s.outcomes[i].generated.ok()) continue;
    docs.push_back(i);
    candidates.push_back(s.outcomes[i].candidate);
    references.push_back(*task.docs[i].reference);
  }
  if (docs.empty()) return;
  for (const std::string& name : wanted) {
    const std::vector<double> values = embedding_scores(embedder, name, candidates, references);
    for (size_t k = 0; k < docs.size(); ++k) s.outcomes[docs[k]].metrics[name] = values[k];
  }
}

}  // namespace

uint64_t sample_key(const std::string& task, int doc_id, int rep) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : task) h = (h ^ c) * 1099511628211ULL;
  return h ^ (static_cast<uint64_t>(doc_id) * 0x9E3779B97F4A7C15ULL) ^ (static_cast<uint64_t>(rep) * 0xD1B54A32D192ED03ULL);
}

bool needs_embeddings(std::span<const GenTask> tasks) {
  for (const GenTask& t : tasks) {
    for (const std::string& name : generation_metrics(t.spec)) {
      if (is_embedding_metric(name)) return true;
    }
  }
  return false;
}

std::vector<GenTaskScores> generate_outputs(Backend& backend, std::span<const GenTask> tasks,
                                           const GenRunOptions& options) {
  std::vector<GenerateRequest> requests;
  for (const GenTask& t : tasks) {
    GenerationOptions o;
    o.max_new_tokens = t.spec.generation.max_new_tokens.value_or(256);
    o.temperature = t.spec.generation.temperature.value_or(options.temperature);
    o.top_p = t.spec.generation.top_p;
    o.top_k = t.spec.generation.top_k;
    o.stop = t.spec.generation.stop;
    o.chat = t.spec.generation.chat;
    o.seed = options.seed;
    for (const GenDoc& d : t.docs) requests.push_back({d.prompt, o, sample_key(t.spec.name, d.doc_id, options.rep)});
  }
  const std::vector<GenerateResult> generated = backend.generate(requests);
  std::vector<GenTaskScores> out;
  size_t next = 0;
  for (const GenTask& t : tasks) {
    GenTaskScores s;
    for (size_t i = 0; i < t.docs.size(); ++i) {
      GenOutcome o{generated[next++], "", {}};
      if (o.generated.ok()) o.candidate = apply_filters(o.generated.text, t.spec.filters, t.spec.generation.stop);
      s.n_truncated += o.generated.truncated ? 1 : 0;
      s.n_errors += o.generated.ok() ? 0 : 1;
      s.unknown_tokens += o.generated.unknown_tokens;
      s.docs_with_unknown += o.generated.unknown_tokens > 0 ? 1 : 0;
      s.outcomes.push_back(std::move(o));
    }
    out.push_back(std::move(s));
  }
  return out;
}

void score_outputs(std::span<const GenTask> tasks, std::span<GenTaskScores> scores, Backend* embedder) {
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    const GenTask& t = tasks[ti];
    GenTaskScores& s = scores[ti];
    std::vector<std::string> embedding_metrics;
    for (const std::string& name : generation_metrics(t.spec)) {
      const metrics::TextMetric* metric = metrics::find_text_metric(name);
      if (metric == nullptr) throw InputError(t.spec.file.string(), "unknown metric '" + name + "'");
      if (metric->score == nullptr) {
        if (embedder != nullptr) embedding_metrics.push_back(name);
        else s.skipped[name] = "needs an embedding model (--embedding-model)";
        continue;
      }
      std::vector<std::string> predictions;
      std::vector<std::vector<std::string>> references;
      std::vector<size_t> docs;
      for (size_t i = 0; i < t.docs.size(); ++i) {
        if (!s.outcomes[i].generated.ok()) continue;
        if (metric->needs_references && !t.docs[i].reference) continue;
        docs.push_back(i);
        predictions.push_back(s.outcomes[i].candidate);
        references.push_back(t.docs[i].reference ? std::vector<std::string>{*t.docs[i].reference}
                                                 : std::vector<std::string>{});
      }
      if (docs.empty()) {
        s.skipped[name] = s.n_errors > 0 ? "no document was generated" : "no document has a reference";
        continue;
      }
      const metrics::MetricReport report = metric->score(metrics::TextCorpus{predictions, references, {}});
      for (size_t k = 0; k < docs.size(); ++k) s.outcomes[docs[k]].metrics[name] = report.per_sample[k];
      MetricSummary m;
      m.n = static_cast<int>(docs.size());
      m.aggregation = metric->aggregation == metrics::Aggregation::kCorpus ? "corpus" : "mean";
      m.value = report.score;
      if (metric->aggregation == metrics::Aggregation::kMean) {
        stats::MomentSums sums;
        for (double v : report.per_sample) sums.add(v);
        m.stderr_ = sums.stderr_of_mean();
      }
      s.summary[name] = m;
    }
    if (!embedding_metrics.empty()) {
      score_embeddings(t, s, embedding_metrics, *embedder);
      for (const std::string& name : embedding_metrics) {
        stats::MomentSums sums;
        for (const GenOutcome& o : s.outcomes) {
          if (auto it = o.metrics.find(name); it != o.metrics.end()) sums.add(it->second);
        }
        if (sums.n == 0) {
          s.skipped[name] = "no document has a reference";
          continue;
        }
        s.summary[name] = MetricSummary{sums.mean(), sums.stderr_of_mean(), static_cast<int>(sums.n), "mean"};
      }
    }
  }
}

}  // namespace qualm
