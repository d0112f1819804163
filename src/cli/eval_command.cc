#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "backend/llama/layer_cut.h"
#include "backend/llama/llama_backend.h"
#include "backend/llama/quantize.h"
#include "backend/llama/source_tokenizer_check.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "core/atomic_file.h"
#include "core/build_info.h"
#include "core/data_dir.h"
#include "core/errors.h"
#include "eval/gen_eval.h"
#include "eval/kld_eval.h"
#include "eval/mc_eval.h"
#include "eval/rolling_eval.h"
#include "records/error_record.h"
#include "records/gen_results.h"
#include "records/mc_results.h"
#include "records/rolling_results.h"
#include "run/backend_factory.h"
#include "run/runner.h"
#include "tasks/task_registry.h"

namespace qualm::cli {
namespace {

namespace fs = std::filesystem;

struct EvalFlags {
  std::string model;  // a GGUF path, or with --backend the name the server serves
  ServerFlags server;
  std::string base;  // kld tasks compare the model against it
  std::string tasks;
  int limit = -1;
  int num_fewshot = -1;
  bool json = false;
  std::string out;
  bool log_tokens = false;
  std::string embedding_model;
  int embedding_layer = 0;
  uint64_t seed = 42;
  double temperature = 0.0;
  EngineSettings engine;
};

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) names.push_back(name);
  }
  if (names.empty()) throw InputError("--tasks", "no task named", "e.g. --tasks hellaswag,arc_easy (see qualm tasks)");
  return names;
}

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
  return buf;
}

std::vector<McGroupResult> groups_of(const std::vector<McTask>& tasks, const std::vector<McTaskScores>& scores) {
  std::vector<McGroupResult> groups;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].group.empty()) continue;
    if (groups.empty() || groups.back().name != tasks[i].group) groups.push_back({tasks[i].group, {}, {}});
    groups.back().members.push_back(i);
  }
  for (McGroupResult& g : groups) {
    std::vector<McMetrics> members;
    for (size_t m : g.members) members.push_back(scores[m].metrics);
    g.metrics = aggregate_group(members);
  }
  return groups;
}

// A task whose scoring failed as a whole (not one of its samples): its documents become
// error records and the other tasks are kept.
struct FailedTask {
  std::string name, type;
  std::vector<std::pair<int64_t, std::string>> samples;  // sample id, prompt
  std::string why;
};

FailedTask failed_task(const McTask& t, const std::string& why) {
  FailedTask f{t.spec.name, t.spec.task_type.empty() ? "multiple_choice" : t.spec.task_type, {}, why};
  for (size_t d = 0; d < t.docs.size(); ++d) f.samples.emplace_back(t.doc_ids[d], t.docs[d].context);
  return f;
}

FailedTask failed_task(const GenTask& t, const std::string& why) {
  FailedTask f{t.spec.name, t.spec.task_type.empty() ? "generate" : t.spec.task_type, {}, why};
  for (const GenDoc& d : t.docs) f.samples.emplace_back(d.doc_id, d.prompt);
  return f;
}

FailedTask failed_task(const RollingTask& t, const std::string& why) {
  FailedTask f{t.spec.name, t.spec.task_type.empty() ? t.spec.output_type.text : t.spec.task_type, {}, why};
  for (const RollingDoc& d : t.docs) f.samples.emplace_back(d.doc_id, d.text);
  return f;
}

// Scores a kind's tasks in one call (prefix sharing works across them); where that call fails
// as a whole, task by task, so that a failing task fails alone and the others are scored.
// Bad input (InputError: found before anything was scored) still ends the command.
template <typename Task, typename Score>
std::vector<Score> score_each(std::vector<Task>& tasks, const std::function<std::vector<Score>(std::span<const Task>)>& score,
                              std::vector<FailedTask>& failed) {
  if (tasks.empty()) return {};
  try {
    return score(tasks);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception&) {
    // below: task by task
  }
  std::vector<Task> kept;
  std::vector<Score> out;
  for (Task& t : tasks) {
    try {
      std::vector<Score> s = score(std::span<const Task>(&t, 1));
      out.push_back(std::move(s.front()));
      kept.push_back(std::move(t));
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      failed.push_back(failed_task(t, user_message(e)));
    }
  }
  tasks = std::move(kept);
  return out;
}

// Up to n texts of the tasks, as the model reads them: a document's context with its first
// choice, a prompt, a text.
std::vector<std::string> probe_texts(const std::vector<McTask>& mc, const std::vector<GenTask>& gen,
                                     const std::vector<RollingTask>& rolling, size_t n) {
  std::vector<std::string> out;
  for (const McTask& t : mc) {
    for (const McDoc& d : t.docs) {
      if (out.size() < n && !d.choices.empty()) out.push_back(d.context + t.spec.target_delimiter + d.choices[0]);
    }
  }
  for (const GenTask& t : gen) {
    for (const GenDoc& d : t.docs) {
      if (out.size() < n) out.push_back(d.prompt);
    }
  }
  for (const RollingTask& t : rolling) {
    for (const RollingDoc& d : t.docs) {
      if (out.size() < n) out.push_back(d.text.substr(0, 2000));
    }
  }
  return out;
}

// --backend openai|ollama: the server's backend, refusing (exit 2) before anything runs
// where a task kind in use needs a capability the server lacks.
struct KindUse {
  bool used;
  Capability need;
  const char* kind;
};

std::unique_ptr<Backend> remote_backend(const BackendSpec& spec, const std::vector<KindUse>& uses) {
  bool probe = false;
  for (const KindUse& u : uses) probe = probe || (u.used && u.need == Capability::kLoglikelihood);
  std::unique_ptr<Backend> backend = make_backend(spec, {}, probe);
  const Capabilities caps = backend->capabilities();
  for (const KindUse& u : uses) {
    if (u.used && !caps.supports(u.need)) {
      throw UnsupportedError("--backend " + spec.type,
                             std::string(u.kind) + " tasks need " + std::string(capability_name(u.need)) + ", and " +
                                 caps.why_not(u.need),
                             "drop those tasks or use a GGUF with --model");
    }
  }
  return backend;
}

int run_eval(const EvalFlags& f) {
  const auto data_dir = find_data_dir();
  if (!data_dir) throw InputError("data directory", "not found", "set QUALM_DATA_DIR to the folder holding datasets/");
  const TaskIndex index = index_tasks(find_tasks_dir());
  BuildOptions build;
  build.limit = f.limit;
  if (f.num_fewshot >= 0) build.num_fewshot = f.num_fewshot;
  std::vector<McTask> tasks;
  std::vector<GenTask> gen_tasks;
  std::vector<RollingTask> rolling_tasks;
  std::vector<KldTask> kld_tasks;
  for (const SelectedTask& s : select_tasks(split_names(f.tasks), index)) {
    const std::string& type = s.spec.output_type.text;
    if (type == "generate") gen_tasks.push_back(build_gen_task(s.spec, s.group, *data_dir, f.limit));
    else if (type == "loglikelihood_rolling") rolling_tasks.push_back(build_rolling_task(s.spec, s.group, *data_dir, f.limit));
    else if (type == "kld") kld_tasks.push_back(build_rolling_task(s.spec, s.group, *data_dir, f.limit));
    else tasks.push_back(build_mc_task(s.spec, s.group, *data_dir, build));
  }
  if (!kld_tasks.empty() && f.base.empty()) {
    throw InputError("--tasks", "task " + kld_tasks[0].spec.name + " compares the model with a base model",
                     "add --base BASE.gguf (e.g. the F32 or F16 model the candidate was quantized from)");
  }

  const BackendSpec spec = server_spec(f.server, f.model);
  std::unique_ptr<Backend> backend;
  llama::LlamaBackend* local = nullptr;
  if (!spec.remote()) {
    auto l = std::make_unique<llama::LlamaBackend>(backend_options(f.model, f.engine));
    local = l.get();
    backend = std::move(l);
  } else {
    backend = remote_backend(spec, {{!tasks.empty(), Capability::kLoglikelihood, "multiple-choice"},
                                    {!rolling_tasks.empty(), Capability::kLoglikelihoodRolling, "loglikelihood_rolling"},
                                    {!kld_tasks.empty(), Capability::kDistributions, "kld"}});
  }
  // A GGUF whose tokenizer.json came with it: does llama.cpp tokenize as the source does?
  nlohmann::json source_tokenizer = nullptr;
  if (local) {
    std::vector<RollingTask> texts = rolling_tasks;
    texts.insert(texts.end(), kld_tasks.begin(), kld_tasks.end());
    if (const auto a = llama::check_source_tokenizer(local->model(), probe_texts(tasks, gen_tasks, texts, 20))) {
      source_tokenizer = {{"path", a->source.string()}, {"texts", a->texts}, {"differing", a->differing}};
      if (a->differing > 0) {
        std::cerr << "qualm: warning: llama.cpp tokenizes this GGUF differently from its source tokenizer ("
                  << a->source.string() << "): " << a->differing << " of " << a->texts << " texts differ, e.g. "
                  << a->example << ". Its scores are not the ones transformers computes on the same weights.\n";
      }
    }
  }
  size_t n_docs = 0;
  for (const McTask& t : tasks) n_docs += t.docs.size();
  for (const GenTask& t : gen_tasks) n_docs += t.docs.size();
  for (const RollingTask& t : rolling_tasks) n_docs += t.docs.size();
  for (const KldTask& t : kld_tasks) n_docs += t.docs.size();
  const auto start = std::chrono::steady_clock::now();
  std::vector<FailedTask> failed;
  std::vector<McTaskScores> scores;
  if (!tasks.empty()) {
    ProgressLine progress("eval", "requests");
    backend->set_progress(progress.callback());
    scores = score_each<McTask, McTaskScores>(
        tasks, [&](std::span<const McTask> t) { return score_mc_tasks(*backend, t); }, failed);
  }
  std::vector<RollingTaskScores> rolling_scores;
  if (!rolling_tasks.empty()) {
    ProgressLine progress("rolling", "windows");
    backend->set_progress(progress.callback());
    rolling_scores = score_each<RollingTask, RollingTaskScores>(
        rolling_tasks, [&](std::span<const RollingTask> t) { return score_rolling_tasks(*backend, t); }, failed);
  }
  std::vector<KldTaskScores> kld_scores;
  if (!kld_tasks.empty()) {
    llama::LlamaBackend base(backend_options(f.base, f.engine));
    ProgressLine progress("kld", "windows");
    kld_scores = score_each<KldTask, KldTaskScores>(
        kld_tasks, [&](std::span<const KldTask> t) { return score_kld_tasks(base, *backend, t, progress.callback()); },
        failed);
  }
  std::vector<GenTaskScores> gen_scores;
  if (!gen_tasks.empty()) {
    ProgressLine progress("generate", "prompts");
    backend->set_progress(progress.callback());
    gen_scores = score_each<GenTask, GenTaskScores>(
        gen_tasks, [&](std::span<const GenTask> t) { return generate_outputs(*backend, t, GenRunOptions{f.seed, f.temperature}); },
        failed);
  }
  const std::string description = local ? local->model().description() : spec.type + " server " + spec.base_url;
  const nlohmann::json add_bos = local ? nlohmann::json(local->model().add_bos()) : nlohmann::json(nullptr);
  const std::string variant = local ? llama::file_type_name(local->model().gguf()) : "remote";
  const std::string backend_name = backend->name();
  const nlohmann::json server = local ? nlohmann::json(nullptr) : describe_remote(spec, *backend);
  backend.reset();  // the embedding model never sits beside the model under test (SPEC S4)
  std::unique_ptr<Backend> embedder;
  if (!f.embedding_model.empty() && needs_embeddings(gen_tasks)) {
    embedder = make_embedder({f.embedding_model, f.embedding_layer, "", "", ""}, {}, llama::model_cache_dir(), nullptr);
  }
  score_outputs(gen_tasks, gen_scores, embedder.get());
  embedder.reset();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::vector<McGroupResult> groups = groups_of(tasks, scores);

  nlohmann::json results = mc_results_json(tasks, scores, groups);
  add_gen_results(results, gen_tasks, gen_scores);
  add_rolling_results(results, rolling_tasks, rolling_scores);
  add_kld_results(results, kld_tasks, kld_scores, f.base);
  results["config"] = {{"model", f.model},
                       {"base", f.base.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.base)},
                       {"model_description", description},
                       {"tasks", f.tasks},
                       {"limit", f.limit},
                       {"num_fewshot", f.num_fewshot < 0 ? nlohmann::json(nullptr) : nlohmann::json(f.num_fewshot)},
                       {"seed", f.seed},
                       {"temperature", f.temperature},
                       {"embedding_model", f.embedding_model.empty() ? nlohmann::json(nullptr)
                                                                     : nlohmann::json(f.embedding_model)},
                       {"embedding_layer", f.embedding_layer > 0 ? nlohmann::json(f.embedding_layer) : nlohmann::json("last")},
                       {"add_bos", add_bos},
                       {"source_tokenizer", source_tokenizer},
                       {"engine", engine_json(f.engine, kRequestCommands)},
                       {"backend", spec.type},
                       {"server", server},
                       {"data_dir", data_dir->string()},
                       {"qualm_version", build::kVersion},
                       {"git_commit", build::kGitCommit},
                       {"llama_cpp_commit", build::kLlamaCommit}};
  results["timing"] = {{"seconds", seconds}, {"documents", n_docs},
                       {"documents_per_second", seconds > 0 ? n_docs / seconds : 0.0}};
  // Samples that failed alone, and tasks that failed as a whole.
  int sample_errors = 0, unknown_tokens = 0, docs_with_unknown = 0;
  std::string first_error;
  const auto count = [&](int errors, int unknown, int with_unknown, const std::string& task) {
    sample_errors += errors;
    unknown_tokens += unknown;
    docs_with_unknown += with_unknown;
    if (errors > 0 && first_error.empty()) first_error = task;
  };
  for (size_t i = 0; i < tasks.size(); ++i) count(scores[i].n_errors, scores[i].unknown_tokens, scores[i].docs_with_unknown, tasks[i].spec.name);
  for (size_t i = 0; i < gen_tasks.size(); ++i) count(gen_scores[i].n_errors, gen_scores[i].unknown_tokens, gen_scores[i].docs_with_unknown, gen_tasks[i].spec.name);
  for (size_t i = 0; i < rolling_tasks.size(); ++i) count(rolling_scores[i].n_errors, rolling_scores[i].unknown_tokens, rolling_scores[i].docs_with_unknown, rolling_tasks[i].spec.name);
  for (size_t i = 0; i < kld_tasks.size(); ++i) count(kld_scores[i].n_errors, kld_scores[i].unknown_tokens, kld_scores[i].docs_with_unknown, kld_tasks[i].spec.name);
  nlohmann::json failed_json = nlohmann::json::object();
  for (const FailedTask& t : failed) {
    failed_json[t.name] = t.why;
    sample_errors += static_cast<int>(t.samples.size());
  }
  results["errors"] = {{"samples", sample_errors}, {"failed_tasks", failed_json}};
  results["unknown_tokens"] = {{"tokens", unknown_tokens}, {"samples", docs_with_unknown}};

  if (!f.out.empty()) {
    fs::create_directories(f.out);
    const std::string model_label = local ? fs::path(f.model).stem().string() : f.model;
    const RunLabels labels{"eval-" + utc_stamp(), model_label, variant, backend_name};
    // Every record names the engine options that made it, as qualm run's do.
    const std::string engine = engine_label(spec.remote() ? spec : llama_backend_spec(f.engine));
    std::string samples;
    const auto add = [&](nlohmann::json record) {
      record["engine"] = engine;
      samples += record.dump() + "\n";
    };
    for (size_t t = 0; t < tasks.size(); ++t) {
      for (size_t d = 0; d < tasks[t].docs.size(); ++d) add(mc_sample_record(labels, tasks[t], scores[t], d, f.log_tokens));
    }
    for (size_t t = 0; t < gen_tasks.size(); ++t) {
      for (size_t d = 0; d < gen_tasks[t].docs.size(); ++d) {
        add(gen_sample_record(labels, gen_tasks[t], gen_scores[t], d, f.seed, f.temperature));
      }
    }
    for (size_t t = 0; t < rolling_tasks.size(); ++t) {
      for (size_t d = 0; d < rolling_tasks[t].docs.size(); ++d) {
        add(rolling_sample_record(labels, rolling_tasks[t], rolling_scores[t], d, f.log_tokens));
      }
    }
    for (size_t t = 0; t < kld_tasks.size(); ++t) {
      for (size_t d = 0; d < kld_tasks[t].docs.size(); ++d) {
        add(kld_sample_record(labels, kld_tasks[t], kld_scores[t], d, f.base));
      }
    }
    for (const FailedTask& t : failed) {
      for (const auto& [id, prompt] : t.samples) add(error_sample_record(labels, {t.name, t.type, id, 0, prompt}, t.why));
    }
    write_atomically(fs::path(f.out) / "samples.jsonl", samples);
    write_atomically(fs::path(f.out) / "results.json", results.dump(2) + "\n");
  }
  if (f.json) {
    std::cout << results.dump(2) << "\n";
  } else {
    std::cout << "model: " << f.model << " (" << description << ")\n";
    print_mc_table(std::cout, tasks, scores, groups);
    print_gen_table(std::cout, gen_tasks, gen_scores);
    print_rolling_table(std::cout, rolling_tasks, rolling_scores);
    print_kld_table(std::cout, kld_tasks, kld_scores);
    int truncated = 0;
    for (const McTaskScores& s : scores) truncated += s.n_truncated;
    for (const GenTaskScores& s : gen_scores) truncated += s.n_truncated;
    std::printf("%zu documents in %.2f s (%.1f/s); %d prompts truncated from the left\n", n_docs, seconds,
                seconds > 0 ? n_docs / seconds : 0.0, truncated);
    if (docs_with_unknown > 0) {
      std::printf("%d documents hold characters the model's vocabulary cannot encode: %d unknown tokens stand for "
                  "them (unknown_tokens in samples.jsonl)\n",
                  docs_with_unknown, unknown_tokens);
    }
  }
  for (const FailedTask& t : failed) std::cerr << "qualm: task " << t.name << " failed: " << t.why << "\n";
  if (sample_errors > 0) {
    std::cerr << "qualm: " << sample_errors << " samples failed and were left out of the results"
              << (f.out.empty() ? "" : " (their records in " + (fs::path(f.out) / "samples.jsonl").string() + " say why)")
              << (first_error.empty() ? "" : "; first in task " + first_error) << "\n";
    return static_cast<int>(ExitCode::kRunFailed);
  }
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* cmd = app.add_subcommand("eval", "benchmark tasks: multiple choice by log-likelihood (as lm-evaluation-harness), generation with text metrics");
  cmd->add_option("-m,--model", flags->model, "GGUF model, or with --backend the model the server serves")->required();
  add_server_flags(*cmd, flags->server);
  cmd->add_flag("--chat", flags->server.spec.chat, "openai: /v1/chat/completions instead of /v1/completions");
  cmd->add_option("--base", flags->base, "base GGUF that kld tasks compare the model with (the model is the candidate)");
  cmd->add_option("--tasks", flags->tasks, "comma-separated task or group names, or task file paths (qualm tasks)")
      ->required();
  cmd->add_option("--limit", flags->limit, "first N documents of each task (of each subject for mmlu)")
      ->check(CLI::Range(1, 1 << 30));
  cmd->add_option("--num-fewshot", flags->num_fewshot, "few-shot examples per prompt (default: the task file's)")
      ->check(CLI::Range(0, 1000));
  cmd->add_flag("--json", flags->json, "print results.json to stdout");
  cmd->add_option("--out", flags->out, "also write samples.jsonl and results.json here");
  cmd->add_flag("--log-tokens", flags->log_tokens,
                "samples.jsonl also holds the token ids fed and each scored token's log-prob (multiple choice: "
                "per choice `sequence`, `token_logprobs`; loglikelihood_rolling: `tokens`, `token_logprobs`)");
  cmd->add_option("--embedding-model", flags->embedding_model,
                  "embedding GGUF for bertscore and coherence in generate tasks (BERT family)");
  cmd->add_option("--embedding-layer", flags->embedding_layer,
                  "bertscore and coherence read this layer (the model cut to its first L blocks; 0 = the last)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", flags->seed, "sampling seed of generate tasks")->capture_default_str();
  cmd->add_option("--temperature", flags->temperature, "generate tasks whose file sets none (0 = greedy)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  add_engine_flags(*cmd, flags->engine, kRequestCommands);
  cmd->callback([flags, &run] { run = [flags] { return run_eval(*flags); }; });
}

}  // namespace qualm::cli
