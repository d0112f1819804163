#include "run/pending_embeddings.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/progress.h"
#include "eval/embedding_scores.h"
#include "eval/gen_eval.h"
#include "run/backend_factory.h"

namespace qualm {
namespace {

constexpr size_t kEmbedChunk = 32;

// The position of every generate record in the plan, so that embedding chunks are the same
// in every run whatever order a resumed run logged them in.
std::map<RecordKey, size_t> plan_order(const Experiment& e, const Plan& plan) {
  std::map<RecordKey, size_t> order;
  for (const Cell& c : plan.cells) {
    const PlannedTask& t = plan.tasks[c.task];
    if (c.skipped || t.kind != TaskKind::kGenerate) continue;
    const ConfigKey config{e.models[c.model].name, e.models[c.model].variants[c.variant].name, e.backends[c.backend].name};
    for (int rep = 0; rep < t.repetitions; ++rep) {
      for (size_t d = 0; d < t.n_docs; ++d) order.emplace(RecordKey{config, t.name, t.sample_id(d), rep}, order.size());
    }
  }
  return order;
}

constexpr const char* kPooledOnly =
    "needs per-token vectors; the served embedding model gives one pooled vector per text "
    "(embedding_model: {path: E.gguf} computes it)";

// The experiment's embedding model (make_embedder); out records what the server says of a
// served one, or the file used (cut to its layer) for a GGUF.
std::unique_ptr<Backend> load_embedder(const EmbeddingModelSpec& m, const Experiment& e, const RunContext& ctx,
                                       RunOutcome& out) {
  std::unique_ptr<Backend> backend = make_embedder(m, e.backends, ctx.cache_dir, &out.embedding_model);
  if (!m.backend.empty()) {
    const auto b = std::find_if(e.backends.begin(), e.backends.end(),
                                [&](const BackendSpec& s) { return s.name == m.backend; });
    BackendSpec spec = *b;
    spec.model = m.model;
    out.embedding_server = describe_remote(spec, *backend);  // the served model's digest
  }
  return backend;
}

}  // namespace

void finish_pending(const Experiment& e, const Plan& plan, const RunContext& ctx, RunOutcome& out) {
  if (ctx.pending == nullptr) return;
  std::vector<SampleRecord> records = read_samples(ctx.pending->path());
  const std::map<RecordKey, size_t> order = plan_order(e, plan);
  std::erase_if(records, [&](const SampleRecord& r) { return order.count(r.key()) == 0; });
  std::sort(records.begin(), records.end(),
            [&](const SampleRecord& a, const SampleRecord& b) { return order.at(a.key()) < order.at(b.key()); });
  int64_t missing = 0;
  for (const SampleRecord& r : records) missing += ctx.samples->has(r.key()) ? 0 : 1;
  if (missing == 0) return;

  std::map<std::string, std::vector<std::string>> wanted;  // task -> its embedding metrics
  for (const PlannedTask& t : plan.tasks) {
    if (t.kind != TaskKind::kGenerate) continue;
    for (const std::string& m : generation_metrics(t.gen->spec)) {
      if (is_embedding_metric(m)) wanted[t.name].push_back(m);
    }
  }
  const bool served = !e.embedding_model->backend.empty();
  std::unique_ptr<Backend> embedder;
  std::string failure;
  try {
    embedder = load_embedder(*e.embedding_model, e, ctx, out);
  } catch (const std::exception& err) {
    failure = "embedding model: " + user_message(err);
    out.errors.push_back(failure);
  }
  ProgressLine progress("embed", "samples");
  int64_t done = 0;
  for (size_t begin = 0; begin < records.size(); begin += kEmbedChunk) {
    const size_t end = std::min(records.size(), begin + kEmbedChunk);
    bool chunk_missing = false;
    for (size_t i = begin; i < end; ++i) chunk_missing = chunk_missing || !ctx.samples->has(records[i].key());
    if (!chunk_missing) continue;
    std::map<std::string, std::vector<size_t>> by_metric;
    for (size_t i = begin; i < end; ++i) {
      if (!records[i].reference || !records[i].candidate) continue;  // no text to embed: failed generation
      for (const std::string& m : wanted[records[i].task_name]) by_metric[m].push_back(i);
    }
    for (const auto& [metric, rows] : by_metric) {
      if (!failure.empty()) break;
      if (served && needs_token_vectors(metric)) {
        for (size_t i : rows) records[i].metrics_skipped[metric] = kPooledOnly;
        continue;
      }
      std::vector<std::string> candidates, references;
      for (size_t i : rows) {
        candidates.push_back(*records[i].candidate);
        references.push_back(*records[i].reference);
      }
      std::vector<double> values;
      try {
        values = embedding_scores(*embedder, metric, candidates, references);
      } catch (const std::exception& err) {  // a served embedder's server failed: the rest become error records
        failure = "embedding model: " + user_message(err);
        out.errors.push_back(failure);
        break;
      }
      for (size_t k = 0; k < rows.size(); ++k) {
        SampleRecord& r = records[rows[k]];
        r.metrics[metric] = values[k];
        r.metrics_skipped.erase(metric);
      }
    }
    std::vector<SampleRecord> finished;
    for (size_t i = begin; i < end; ++i) {
      if (ctx.samples->has(records[i].key())) continue;
      if (!failure.empty()) records[i].error = failure;
      finished.push_back(records[i]);
    }
    ctx.samples->append(finished);
    done += static_cast<int64_t>(finished.size());
    progress.update(done, missing);
  }
}

}  // namespace qualm
