#include "eval/gen_eval.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "eval/embedding_scores.h"
#include "metrics/pass_at_k.h"
#include "metrics/registry.h"
#include "stats/moments.h"
#include "core/python_regex.h"
#include "tasks/choice_answer.h"
#include "tasks/filter_pipeline.h"
#include "tasks/text_filters.h"

namespace qualm {
namespace {

// One reported metric: the base metric on the output of a pipeline ("" for the candidate).
struct Reported {
  std::string name, base, pipeline;
};

std::vector<Reported> reported(const TaskSpec& spec) {
  std::vector<Reported> out;
  for (const std::string& m : generation_metrics(spec)) {
    if (spec.filter_list.empty()) out.push_back({m, m, ""});
    for (const FilterPipeline& p : spec.filter_list) out.push_back({metrics::pipeline_metric(m, p.name), m, p.name});
  }
  return out;
}

const std::string& prediction(const GenOutcome& o, const std::string& pipeline) {
  return pipeline.empty() ? o.candidate : o.filtered.at(pipeline);
}

// The options a task's metric_list gives a metric: exact_match as lm-eval's.
metrics::ScoreOptions score_options(const TaskSpec& spec, const std::string& metric) {
  metrics::ScoreOptions o;
  const auto it = spec.metric_options.find(metric);
  if (it == spec.metric_options.end() || metric != "exact_match") return o;
  metrics::ExactMatchOptions em = metrics::lm_eval_exact_match_options();
  em.ignore_case = it->second.ignore_case;
  em.ignore_punctuation = it->second.ignore_punctuation;
  em.ignore_numbers = it->second.ignore_numbers;
  for (const Sourced& r : it->second.regexes_to_ignore) {
    PythonRegex::Compiled c = PythonRegex::compile(r.text);
    if (!c.regex) throw InputError(r.where, "regexes_to_ignore: pattern '" + r.text + "' cannot run: " + c.problem, c.fix);
    em.regexes_to_ignore.push_back(std::move(*c.regex));
  }
  o.exact_match = std::move(em);
  return o;
}

void score_embeddings(const GenTask& task, GenTaskScores& s, const std::vector<Reported>& wanted, Backend& embedder) {
  for (const Reported& m : wanted) {
    std::vector<std::string> candidates, references;
    std::vector<size_t> docs;
    for (size_t i = 0; i < task.docs.size(); ++i) {
      if (!task.docs[i].reference || !s.outcomes[i].generated.ok()) continue;
      docs.push_back(i);
      candidates.push_back(prediction(s.outcomes[i], m.pipeline));
      references.push_back(*task.docs[i].reference);
    }
    if (docs.empty()) continue;
    const std::vector<double> values = embedding_scores(embedder, m.base, candidates, references);
    for (size_t k = 0; k < docs.size(); ++k) s.outcomes[docs[k]].metrics[m.name] = values[k];
  }
}

// Records name the samples of a task without filter_list "none", as lm-eval names its filter.
std::string results_key(const std::string& pipeline) { return pipeline.empty() ? "none" : pipeline; }

// pass@K of every pass@K metric in `wanted` (one pipeline each): each document's samples run
// once per pipeline, with the reference's tests appended (HF code_eval's candidate + "\n" + test).
void score_code(const GenTask& task, GenTaskScores& s, const std::vector<Reported>& wanted, const exec::Policy& policy) {
  std::map<std::string, std::vector<size_t>> docs_of;  // pipeline -> documents whose samples ran
  for (const Reported& m : wanted) {
    if (docs_of.count(m.pipeline) != 0) continue;
    std::vector<std::string> programs;
    std::vector<size_t>& docs = docs_of[m.pipeline];
    for (size_t i = 0; i < task.docs.size(); ++i) {
      if (!task.docs[i].reference || !s.outcomes[i].generated.ok()) continue;
      docs.push_back(i);
      for (const std::string& sample : s.outcomes[i].samples.at(results_key(m.pipeline))) {
        programs.push_back(sample + "\n" + *task.docs[i].reference);
      }
    }
    const std::vector<exec::Outcome> ran = exec::run_all(programs, policy);
    size_t next = 0;
    for (size_t i : docs) {
      std::vector<std::string>& results = s.outcomes[i].code_results[results_key(m.pipeline)];
      for (size_t k = 0; k < s.outcomes[i].samples.at(results_key(m.pipeline)).size(); ++k) {
        results.push_back(ran[next++].detail);
      }
    }
  }
  for (const Reported& m : wanted) {
    const int k = *metrics::pass_at_k_of(m.base);
    stats::MomentSums sums;
    for (size_t i : docs_of[m.pipeline]) {
      const std::vector<std::string>& results = s.outcomes[i].code_results.at(results_key(m.pipeline));
      const int n = static_cast<int>(results.size());
      const int c = static_cast<int>(std::count(results.begin(), results.end(), exec::kPassed));
      const double value = metrics::pass_at_k(n, c, k);
      s.outcomes[i].metrics[m.name] = value;
      sums.add(value);
    }
    if (sums.n == 0) {
      s.skipped[m.name] = s.n_errors > 0 ? "no document was generated" : "no document has a reference";
      continue;
    }
    s.summary[m.name] = MetricSummary{sums.mean(), sums.stderr_of_mean(), static_cast<int>(sums.n), "mean"};
  }
}

}  // namespace

bool runs_code(const TaskSpec& spec) {
  for (const std::string& m : generation_metrics(spec)) {
    if (metrics::pass_at_k_of(m)) return true;
  }
  return false;
}

std::vector<std::string> reported_metrics(const TaskSpec& spec) {
  std::vector<std::string> out;
  for (const Reported& r : reported(spec)) out.push_back(r.name);
  return out;
}

uint64_t sample_key(const std::string& task, int doc_id, int rep, int repeat) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : task) h = (h ^ c) * 1099511628211ULL;
  h ^= (static_cast<uint64_t>(doc_id) * 0x9E3779B97F4A7C15ULL) ^ (static_cast<uint64_t>(rep) * 0xD1B54A32D192ED03ULL);
  return repeat == 0 ? h : h ^ (static_cast<uint64_t>(repeat) * 0x8CB92BA72F3D8DD7ULL);
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
    o.seed = options.seed;
    o.top_logprobs = o.temperature <= 0 ? kStepTopTokens : 0;
    for (const GenDoc& d : t.docs) {
      for (int k = 0; k < t.spec.repeats; ++k) {
        requests.push_back({d.prompt, o, sample_key(t.spec.name, d.doc_id, options.rep, k), d.messages});
      }
    }
  }
  const std::vector<GenerateResult> generated = backend.generate(requests);
  std::vector<GenTaskScores> out;
  size_t next = 0;
  for (const GenTask& t : tasks) {
    GenTaskScores s;
    std::vector<PipelineRunner> pipelines;
    for (const FilterPipeline& p : t.spec.filter_list) pipelines.emplace_back(p);
    const bool keep_samples = runs_code(t.spec);
    for (size_t i = 0; i < t.docs.size(); ++i) {
      GenOutcome o;
      o.generated = generated[next++];
      for (int k = 1; k < t.spec.repeats; ++k) o.more.push_back(generated[next++]);
      for (const GenerateResult& r : o.more) {  // a document is scored on all its samples or not at all
        if (o.generated.ok() && !r.ok()) o.generated.error = r.error;
      }
      if (o.generated.ok()) {
        std::vector<std::string> outputs{apply_filters(o.generated.text, t.spec.filters, t.spec.generation.stop)};
        for (const GenerateResult& r : o.more) outputs.push_back(apply_filters(r.text, t.spec.filters, t.spec.generation.stop));
        o.candidate = outputs[0];
        if (!t.docs[i].choices.empty()) {  // mc_mode generate: the letter the reply names, "" for none
          const auto named = extract_choice(o.candidate, t.docs[i].choices);
          o.candidate = named ? choice_letter(*named) : "";
        }
        for (const PipelineRunner& p : pipelines) {
          std::vector<std::string> left = p.run(outputs, "document " + t.docs[i].where, t.docs[i].prompt);
          o.filtered[p.name()] = left.empty() ? "" : left[0];
          if (keep_samples) o.samples[p.name()] = std::move(left);
        }
        if (keep_samples && pipelines.empty()) o.samples[results_key("")] = std::move(outputs);
      }
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

void score_outputs(std::span<const GenTask> tasks, std::span<GenTaskScores> scores, Backend* embedder,
                   const exec::Policy* code) {
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    const GenTask& t = tasks[ti];
    GenTaskScores& s = scores[ti];
    std::vector<Reported> embedding_metrics, code_metrics;
    for (const Reported& r : reported(t.spec)) {
      const metrics::TextMetric* metric = metrics::find_text_metric(r.base);
      if (metric == nullptr) throw InputError(t.spec.file.string(), "unknown metric '" + r.base + "'");
      if (metric->runs_code) {
        if (code != nullptr) code_metrics.push_back(r);
        else s.skipped[r.name] = "runs the model's code, which this run does not allow (--allow-code-execution)";
        continue;
      }
      if (metric->score == nullptr) {
        if (embedder != nullptr) embedding_metrics.push_back(r);
        else s.skipped[r.name] = "needs an embedding model (--embedding-model)";
        continue;
      }
      std::vector<std::string> predictions;
      std::vector<std::vector<std::string>> references;
      std::vector<size_t> docs;
      for (size_t i = 0; i < t.docs.size(); ++i) {
        if (!s.outcomes[i].generated.ok()) continue;
        if (metric->needs_references && !t.docs[i].reference) continue;
        docs.push_back(i);
        predictions.push_back(prediction(s.outcomes[i], r.pipeline));
        references.push_back(t.docs[i].reference ? std::vector<std::string>{*t.docs[i].reference}
                                                 : std::vector<std::string>{});
      }
      if (docs.empty()) {
        s.skipped[r.name] = s.n_errors > 0 ? "no document was generated" : "no document has a reference";
        continue;
      }
      const metrics::MetricReport report =
          metric->score(metrics::TextCorpus{predictions, references, score_options(t.spec, r.base)});
      for (size_t k = 0; k < docs.size(); ++k) s.outcomes[docs[k]].metrics[r.name] = report.per_sample[k];
      MetricSummary m;
      m.n = static_cast<int>(docs.size());
      m.aggregation = metric->aggregation == metrics::Aggregation::kCorpus ? "corpus" : "mean";
      m.value = report.score;
      if (metric->aggregation == metrics::Aggregation::kMean) {
        stats::MomentSums sums;  // over the documents with a value (repetition: null under 8 words)
        for (double v : report.per_sample) {
          if (!std::isnan(v)) sums.add(v);
        }
        m.n = static_cast<int>(sums.n);
        m.stderr_ = sums.stderr_of_mean();
      }
      if (m.n == 0) {
        s.skipped[r.name] = "no document has a value (" + std::string(metric->summary) + ")";
        continue;
      }
      s.summary[r.name] = m;
    }
    if (!code_metrics.empty()) score_code(t, s, code_metrics, *code);
    if (!embedding_metrics.empty()) {
      score_embeddings(t, s, embedding_metrics, *embedder);
      for (const Reported& r : embedding_metrics) {
        stats::MomentSums sums;
        for (const GenOutcome& o : s.outcomes) {
          if (auto it = o.metrics.find(r.name); it != o.metrics.end()) sums.add(it->second);
        }
        if (sums.n == 0) {
          s.skipped[r.name] = "no document has a reference";
          continue;
        }
        s.summary[r.name] = MetricSummary{sums.mean(), sums.stderr_of_mean(), static_cast<int>(sums.n), "mean"};
      }
    }
  }
}

}  // namespace qualm
