#include "run/runner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>

#include "core/errors.h"
#include "core/progress.h"
#include "core/redact.h"
#include "eval/gen_eval.h"
#include "eval/mc_eval.h"
#include "records/error_record.h"
#include "records/gen_results.h"
#include "records/mc_results.h"
#include "records/rolling_results.h"
#include "run/backend_factory.h"
#include "run/pending_embeddings.h"
#include "run/shards.h"
#include "run/variants.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kWarmupTokens = 32;

SampleRecord error_record(const std::string& run_id, const ConfigKey& config, const PlannedTask& t, size_t doc, int rep,
                          const std::string& why) {
  const std::string& type = t.spec().task_type;
  return error_sample_record(run_id, config,
                             {t.name, type.empty() ? task_kind_name(t.kind) : type, t.sample_id(doc), rep, t.text(doc),
                              t.kind == TaskKind::kGenerate ? std::optional(t.temperature) : std::nullopt},
                             why);
}

McTask slice(const McTask& t, size_t begin, size_t end) {
  McTask s = t;
  s.docs.assign(t.docs.begin() + begin, t.docs.begin() + end);
  s.doc_ids.assign(t.doc_ids.begin() + begin, t.doc_ids.begin() + end);
  s.wheres.assign(t.wheres.begin() + begin, t.wheres.begin() + end);
  return s;
}

template <typename Task>
Task slice(const Task& t, size_t begin, size_t end) {
  Task s = t;
  s.docs.assign(t.docs.begin() + begin, t.docs.begin() + end);
  return s;
}

// One (model, variant, backend): its cells run on one loaded model.
class CellRunner {
 public:
  using BaseFn = std::function<Backend&()>;  // the kld base, loaded when first asked for

  CellRunner(const Experiment& e, const RunContext& ctx, ConfigKey config, std::string engine, ProgressLine& progress,
             int64_t& done, int64_t total, BaseFn base, std::string base_name)
      : e_(e), ctx_(ctx), config_(std::move(config)), engine_(std::move(engine)), progress_(progress), done_(done),
        total_(total), base_(std::move(base)), base_name_(std::move(base_name)) {}

  bool logged(const std::string& task, int64_t sample_id, int rep) const {
    const RecordKey key{config_, task, sample_id, rep};
    return ctx_.samples->has(key) || (ctx_.pending != nullptr && ctx_.pending->has(key));
  }

  // Whether this run computes the chunk of cell's documents starting at begin (a shard runs some).
  bool mine(size_t cell, int rep, size_t begin) const { return ctx_.shard == nullptr || ctx_.shard->owns(cell, rep, begin); }

  // Calls f(rep, begin, end) for every chunk of the cell's task this run computes.
  template <typename F>
  void for_each_chunk(size_t cell, const PlannedTask& t, F f) const {
    const size_t chunk = chunk_documents(t.kind);
    for (int rep = 0; rep < t.repetitions; ++rep) {
      for (size_t begin = 0; begin < t.n_docs; begin += chunk) {
        if (mine(cell, rep, begin)) f(rep, begin, std::min(t.n_docs, begin + chunk));
      }
    }
  }

  // The samples of the cell this run computes.
  int64_t samples(size_t cell, const PlannedTask& t) const {
    int64_t n = 0;
    for_each_chunk(cell, t, [&](int, size_t begin, size_t end) { n += static_cast<int64_t>(end - begin); });
    return n;
  }

  // Whether any of documents [begin, end) of t lacks a record.
  bool missing(const PlannedTask& t, size_t begin, size_t end, int rep) const {
    for (size_t d = begin; d < end; ++d) {
      if (!logged(t.name, t.sample_id(d), rep)) return true;
    }
    return false;
  }

  bool has_missing(size_t cell, const PlannedTask& t) const {
    bool any = false;
    for_each_chunk(cell, t, [&](int rep, size_t begin, size_t end) { any = any || missing(t, begin, end, rep); });
    return any;
  }

  // Error records for every sample of the cell this run computes and has not logged.
  void fail(size_t cell, const PlannedTask& t, const std::string& why) {
    std::vector<SampleRecord> records;
    for_each_chunk(cell, t, [&](int rep, size_t begin, size_t end) {
      for (size_t d = begin; d < end; ++d) {
        if (!logged(t.name, t.sample_id(d), rep)) records.push_back(error_record(ctx_.run_id, config_, t, d, rep, why));
      }
    });
    log(*ctx_.samples, records);
  }

  void run(Backend& backend, size_t cell, const PlannedTask& t) {
    for_each_chunk(cell, t, [&](int rep, size_t begin, size_t end) {
      if (!missing(t, begin, end, rep)) return;
      switch (t.kind) {
        case TaskKind::kMultipleChoice: return run_mc(backend, t, begin, end);
        case TaskKind::kGenerate: return run_gen(backend, t, rep, begin, end);
        case TaskKind::kRolling: return run_rolling(backend, t, begin, end);
        case TaskKind::kKld: return run_kld(backend, t, begin, end);
      }
    });
  }

  // The packing noise of this configuration on t's first documents: as the run scores them,
  // together with the rest of their chunk, against each alone. 0 for a batch-invariant backend,
  // whatever the documents. The chunk's scores are this run's, or (a resumed run that did not
  // score that chunk) the chunk scored again the same way.
  std::optional<NoiseFloor> noise_floor(Backend& backend, const PlannedTask& t) const {
    constexpr size_t kDocs = 8;
    const McTask sub = slice(*t.mc, 0, std::min(kDocs, t.mc->docs.size()));
    std::optional<McTaskScores> rescored;
    if (!first_chunk_ || first_chunk_->first != t.name) {
      const McTask chunk = slice(*t.mc, 0, std::min(t.n_docs, chunk_documents(t.kind)));
      rescored = std::move(score_mc_tasks(backend, std::span(&chunk, 1))[0]);
    }
    const McTaskScores& together = rescored ? *rescored : first_chunk_->second;
    NoiseFloor floor{config_, t.name, static_cast<int>(sub.docs.size()), 0, 0};
    for (size_t d = 0; d < sub.docs.size(); ++d) {
      const McTask one = slice(sub, d, d + 1);
      const McTaskScores alone = score_mc_tasks(backend, std::span(&one, 1))[0];
      if (!together.scores[d].error.empty() || !alone.scores[0].error.empty()) continue;
      for (size_t c = 0; c < alone.choices[0].size(); ++c) {
        const double dll = std::fabs(together.choices[d][c].loglikelihood - alone.choices[0][c].loglikelihood);
        floor.max_abs_dll = std::max(floor.max_abs_dll, dll);
        floor.max_abs_dll_per_token =
            std::max(floor.max_abs_dll_per_token, dll / std::max(1, alone.choices[0][c].n_tokens));
      }
    }
    return floor;
  }

  void warm_up(Backend& backend, const PlannedTask& t) {
    if (warmed_ || e_.defaults.warmup <= 0 || t.kind != TaskKind::kGenerate || t.gen->docs.empty()) return;
    warmed_ = true;
    GenerateRequest r;
    r.prompt = t.gen->docs[0].prompt;
    r.options.max_new_tokens = std::min(t.max_new_tokens, kWarmupTokens);
    for (int i = 0; i < e_.defaults.warmup; ++i) backend.generate(std::span(&r, 1));
  }

 private:
  void log(SampleLog& to, std::vector<SampleRecord>& records) {
    for (SampleRecord& r : records) {
      if (!r.engine) r.engine = engine_;
    }
    to.append(records);
    done_ += static_cast<int64_t>(records.size());
    progress_.update(done_, total_);
  }

  void run_mc(Backend& backend, const PlannedTask& t, size_t begin, size_t end) {
    const McTask sub = slice(*t.mc, begin, end);
    std::vector<McTaskScores> scores = score_mc_tasks(backend, std::span(&sub, 1));
    std::vector<SampleRecord> records;
    for (size_t i = 0; i < sub.docs.size(); ++i) {
      if (logged(t.name, sub.doc_ids[i], 0)) continue;
      records.push_back(mc_sample_record(ctx_.run_id, config_, sub, scores[0], i, ctx_.log_tokens));
    }
    log(*ctx_.samples, records);
    if (begin == 0 && !first_chunk_) first_chunk_.emplace(t.name, std::move(scores[0]));  // noise_floor's "together"
  }

  void run_gen(Backend& backend, const PlannedTask& t, int rep, size_t begin, size_t end) {
    const GenTask& task = *t.gen;
    const bool wait_for_embeddings = ctx_.pending != nullptr && needs_embeddings(std::span(&task, 1));
    warm_up(backend, t);
    const GenTask sub = slice(task, begin, end);
    std::vector<GenTaskScores> scores =
        generate_outputs(backend, std::span(&sub, 1), GenRunOptions{e_.defaults.seed, t.temperature, rep});
    score_outputs(std::span(&sub, 1), scores, nullptr, e_.code_execution ? &*e_.code_execution : nullptr);
    std::vector<SampleRecord> records;
    for (size_t i = 0; i < sub.docs.size(); ++i) {
      if (logged(t.name, sub.docs[i].doc_id, rep)) continue;
      SampleRecord r = gen_sample_record(ctx_.run_id, config_, sub, scores[0], i, e_.defaults.seed, t.temperature, rep,
                                         ctx_.log_tokens);
      r.metrics_skipped = scores[0].skipped;
      records.push_back(std::move(r));
    }
    log(wait_for_embeddings ? *ctx_.pending : *ctx_.samples, records);
  }

  void run_rolling(Backend& backend, const PlannedTask& t, size_t begin, size_t end) {
    const RollingTask sub = slice(*t.rolling, begin, end);
    const std::vector<RollingTaskScores> scores = score_rolling_tasks(backend, std::span(&sub, 1));
    std::vector<SampleRecord> records;
    for (size_t i = 0; i < sub.docs.size(); ++i) {
      if (!logged(t.name, sub.docs[i].doc_id, 0)) {
        records.push_back(rolling_sample_record(ctx_.run_id, config_, sub, scores[0], i, ctx_.log_tokens));
      }
    }
    log(*ctx_.samples, records);
  }

  void run_kld(Backend& backend, const PlannedTask& t, size_t begin, size_t end) {
    const KldTask sub = slice(*t.rolling, begin, end);
    const std::vector<KldTaskScores> scores = score_kld_tasks(base_(), backend, std::span(&sub, 1));
    std::vector<SampleRecord> records;
    for (size_t i = 0; i < sub.docs.size(); ++i) {
      if (!logged(t.name, sub.docs[i].doc_id, 0)) {
        records.push_back(kld_sample_record(ctx_.run_id, config_, sub, scores[0], i, base_name_));
      }
    }
    log(*ctx_.samples, records);
  }

  const Experiment& e_;
  const RunContext& ctx_;
  ConfigKey config_;
  std::string engine_;
  ProgressLine& progress_;
  int64_t& done_;
  int64_t total_;
  bool warmed_ = false;
  BaseFn base_;
  std::string base_name_;
  std::optional<std::pair<std::string, McTaskScores>> first_chunk_;  // a task's chunk from its first document
};

// What the loaded model says of itself, and whether llama.cpp tokenizes the texts of its tasks
// as the model's source tokenizer does; a warning where it does not.
void check_variant(const Backend& backend, const std::vector<const PlannedTask*>& tasks, VariantRecord& vr) {
  constexpr size_t kTexts = 20;
  vr.described = backend.describe();
  vr.add_bos = vr.described.value("add_bos", false);
  std::vector<std::string> texts;
  for (const PlannedTask* t : tasks) {
    for (size_t d = 0; d < t->n_docs && texts.size() < kTexts; ++d) {
      if (t->mc && !t->mc->docs[d].choices.empty()) {
        texts.push_back(t->mc->docs[d].context + continuation_delimiter(t->spec()) + t->mc->docs[d].choices[0]);
      } else {
        texts.push_back(t->text(d).substr(0, 2000));
      }
    }
  }
  vr.source_tokenizer = backend.check_tokenizer(texts);
  if (vr.source_tokenizer.is_object() && vr.source_tokenizer.value("differing", 0) > 0) {
    const json& a = vr.source_tokenizer;
    std::fprintf(stderr,
                 "qualm: warning: llama.cpp tokenizes %s/%s differently from its source tokenizer (%s): %d of %d texts "
                 "differ, e.g. %s. Its scores are not the ones transformers computes on the same weights.\n",
                 vr.model.c_str(), vr.variant.c_str(), a.value("path", "").c_str(), a.value("differing", 0),
                 a.value("texts", 0), a.value("example", "").c_str());
  }
}

}  // namespace

std::string engine_label(const BackendSpec& b) {
  if (b.remote()) return b.type + " " + b.servers_text() + " model=" + b.model + (b.chat ? " chat" : "");
  return b.type + " " + b.device + " " + engine_label(b.engine);
}

RunOutcome run_experiment(const Experiment& e, const Plan& plan, const RunContext& ctx) {
  RunOutcome out;
  ProgressLine progress("run", "samples");
  int64_t done = 0;
  const int64_t total = ctx.shard ? ctx.shard->samples(plan) : plan.samples();
  std::map<size_t, fs::path> base_files;  // model -> its first variant's file, for kld
  for (size_t i = 0; i < plan.cells.size();) {
    const Cell& first = plan.cells[i];
    const ModelSpec& model = e.models[first.model];
    const VariantSpec& variant = model.variants[first.variant];
    VariantRecord vr;
    vr.model = model.name;
    vr.variant = variant.name;
    // The file is made (derived variants quantized) only where a llama backend will load it.
    bool needs_file = false;
    for (size_t c = i; c < plan.cells.size() && plan.cells[c].model == first.model &&
                       plan.cells[c].variant == first.variant; ++c) {
      needs_file = needs_file || (!plan.cells[c].skipped && !e.backends[plan.cells[c].backend].remote());
    }
    needs_file = needs_file || (first.variant == 0 && !model.remote);  // the kld base of later variants
    VariantFile file;
    if (needs_file) {
      try {
        file = variant_file(model, variant, ctx.cache_dir, true);
        vr.path = file.path;
        vr.derived = file.derived;
        vr.quantization = file.quantization;
        if (first.variant == 0) base_files[first.model] = file.path;
      } catch (const IoError&) {
        throw;
      } catch (const std::exception& err) {
        vr.error = user_message(err);
      }
    }
    // Every backend of this variant.
    size_t j = i;
    while (j < plan.cells.size() && plan.cells[j].model == first.model && plan.cells[j].variant == first.variant) {
      const size_t b = plan.cells[j].backend;
      size_t k = j;
      while (k < plan.cells.size() && plan.cells[k].model == first.model && plan.cells[k].variant == first.variant &&
             plan.cells[k].backend == b) {
        ++k;
      }
      const ConfigKey config{model.name, variant.name, e.backends[b].name};
      std::unique_ptr<Backend> base;  // beside the candidate only while this cell's kld tasks run
      auto load_base = [&, b]() -> Backend& {
        if (!base) {
          const auto it = base_files.find(first.model);
          if (it == base_files.end()) throw RunError("the base variant " + model.variants[0].name + " could not be made");
          base = make_backend(e.backends[b], it->second, false);
        }
        return *base;
      };
      CellRunner runner(e, ctx, config, engine_label(e.backends[b]), progress, done, total, load_base,
                        model.name + "/" + model.variants[0].name);
      std::vector<size_t> todo;  // cells
      std::optional<size_t> first_mc;  // the cell whose first documents measure the packing noise
      for (size_t c = j; c < k; ++c) {
        if (plan.cells[c].skipped) continue;
        const PlannedTask& t = plan.tasks[plan.cells[c].task];
        if (!first_mc && t.kind == TaskKind::kMultipleChoice && !t.mc->docs.empty()) first_mc = c;
        if (runner.has_missing(c, t)) todo.push_back(c);
        else done += runner.samples(c, t);
      }
      const auto task_of = [&](size_t c) -> const PlannedTask& { return plan.tasks[plan.cells[c].task]; };
      if (!todo.empty()) {
        const BackendSpec& spec = e.backends[b];
        std::unique_ptr<Backend> backend;
        std::string why = spec.remote() ? "" : vr.error;  // a remote backend needs no model file
        if (why.empty()) {
          try {
            bool probe = false;
            std::vector<const PlannedTask*> tasks;
            for (size_t c : todo) {
              tasks.push_back(&task_of(c));
              probe = probe || tasks.back()->kind == TaskKind::kMultipleChoice;
            }
            backend = make_backend(spec, vr.path, probe);
            if (!spec.remote() && vr.described.is_null()) check_variant(*backend, tasks, vr);
            if (spec.remote() && !out.remote_backends.contains(spec.name)) {
              out.remote_backends[spec.name] = describe_remote(spec, *backend);
            }
          } catch (const std::exception& err) {
            why = user_message(err);
          }
        }
        for (size_t c : todo) {
          const PlannedTask* t = &task_of(c);
          std::string failed = why;
          if (backend) {
            try {
              runner.run(*backend, c, *t);
            } catch (const IoError&) {
              throw;  // a full disk: error records could not be written either; --resume continues
            } catch (const std::exception& err) {
              failed = user_message(err);
            }
          }
          if (!failed.empty()) {
            runner.fail(c, *t, failed);
            out.errors.push_back(model.name + "/" + variant.name + "/" + e.backends[b].name + "/" + t->name + ": " + failed);
            out.failed_cells.push_back({config, t->name, failed});
          }
        }
        // The packing noise of in-process backends, on their first multiple-choice task: by the
        // run (or shard) that computes that task's first chunk, so that merged shards hold it once.
        if (backend && !spec.remote() && first_mc && runner.mine(*first_mc, 0, 0)) {
          try {
            if (auto floor = runner.noise_floor(*backend, task_of(*first_mc))) out.noise_floors.push_back(*floor);
          } catch (const std::exception&) {
            // the task's own run reports the failure
          }
        }
        if (backend && spec.remote()) add_endpoint_counts(out.remote_backends[spec.name], *backend);
      }
      j = k;
    }
    out.variants.push_back(std::move(vr));
    i = j;
  }
  if (e.embedding_model) finish_pending(e, plan, ctx, out);
  return out;
}

}  // namespace qualm
