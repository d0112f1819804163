// qualm eval: a one-cell experiment. It builds an Experiment from its flags, plans it and runs
// it with qualm run's runner, then renders results.json and its table from the records.

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "backend/llama/gguf_file.h"
#include "backend/llama/layer_cut.h"
#include "backend/llama/quantize.h"
#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "config/bounds.h"
#include "core/atomic_file.h"
#include "core/build_info.h"
#include "core/data_dir.h"
#include "core/errors.h"
#include "core/redact.h"
#include "records/results_json.h"
#include "run/manifest.h"
#include "run/plan.h"
#include "run/runner.h"
#include "run/sample_log.h"

namespace qualm::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct EvalFlags {
  std::string model;  // a GGUF path, or with --backend the name the server serves
  ServerFlags server;
  std::string base;  // kld tasks compare the model with it
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
  std::optional<int> max_new_tokens;  // over every generate task's own
  EngineSettings engine;
  bool allow_code_execution = false;
  std::string code_isolation = exec::isolation_name(exec::Isolation::kNamespaces);
  double code_timeout_s = exec::Limits{}.timeout_s;
  bool apply_chat_template = false, fewshot_as_multiturn = false;
  std::optional<std::string> system_prompt, gen_prefix;
  std::string mc_mode;
  // The chat keys the flags set, over every task's own (config/chat_settings.h).
  ChatOverrides chat() const {
    ChatOverrides c;
    if (apply_chat_template) c.apply_chat_template = true;
    if (fewshot_as_multiturn) c.fewshot_as_multiturn = true;
    c.system_prompt = system_prompt;
    c.gen_prefix = gen_prefix;
    if (!mc_mode.empty()) c.mc_mode = parse_mc_mode(mc_mode);
    return c;
  }
};

constexpr const char* kBaseVariant = "base";

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) names.push_back(name);
  }
  if (names.empty()) throw InputError("--tasks", "no task named", "e.g. --tasks hellaswag,arc_easy (see qualm tasks)");
  return names;
}

// The experiment the flags describe: one model (with --base, two variants: the base first,
// which runs only as kld's reference), one backend, the tasks.
Experiment eval_experiment(const EvalFlags& f, const fs::path& data_dir) {
  Experiment e;
  e.name = "eval";
  e.file = "qualm eval";
  e.data_dir = data_dir;
  e.defaults.temperature = f.temperature;
  e.defaults.seed = f.seed;
  e.defaults.warmup = 0;
  BackendSpec backend = server_spec(f.server, f.model);
  if (!backend.remote()) backend = llama_backend_spec(f.engine);
  backend.where = "--backend";
  e.backends.push_back(backend);
  ModelSpec model;
  model.where = "--model";
  if (backend.remote()) {
    if (!f.base.empty()) {
      throw InputError("--base", "kld compares two in-process GGUFs, and --backend is " + backend.type,
                       "drop --base, or evaluate a GGUF with --model");
    }
    model.name = f.model;
    model.remote = true;
    model.variants.push_back({"remote", {}, std::nullopt, {}, "--model"});
  } else {
    model.name = fs::path(f.model).stem().string();
    model.path = f.model;
    if (!f.base.empty()) {
      (void)llama::read_gguf_summary(f.base);  // a file that is not a GGUF: exit 2 before anything runs
      model.variants.push_back({kBaseVariant, f.base, std::nullopt, {}, "--base"});
      e.skip.push_back({std::nullopt, kBaseVariant, std::nullopt, std::nullopt,
                        "the base model (--base): kld tasks compare the model with it", "--base"});
    }
    model.variants.push_back({llama::file_type_name(llama::read_gguf_summary(f.model)), f.model, std::nullopt, {}, "--model"});
  }
  e.models.push_back(model);
  for (const std::string& name : split_names(f.tasks)) {
    TaskEntry entry{name, f.limit, std::nullopt, std::nullopt, f.max_new_tokens, std::nullopt, "--tasks", {}};
    if (f.num_fewshot >= 0) entry.num_fewshot = f.num_fewshot;
    entry.chat = f.chat();
    e.tasks.push_back(entry);
  }
  if (f.allow_code_execution) {
    exec::Policy code;
    code.isolation = exec::parse_isolation(f.code_isolation).value_or(exec::Isolation::kNamespaces);
    code.limits.timeout_s = f.code_timeout_s;
    e.code_execution = code;
    e.code_execution_where = "--allow-code-execution";
  }
  if (!f.embedding_model.empty()) {
    (void)llama::read_model_file(f.embedding_model);  // missing, not a GGUF, no weights: exit 2 now
    e.embedding_model = EmbeddingModelSpec{f.embedding_model, f.embedding_layer, "", "", "--embedding-model"};
  }
  return e;
}

Plan eval_plan(const Experiment& e, const EvalFlags& f) {
  Plan plan = make_plan(e, -1);
  // First: without --base, a kld task's cells are all skipped, which the plan reports as such.
  for (const PlannedTask& t : plan.tasks) {
    if (t.kind == TaskKind::kKld && f.base.empty()) {
      throw InputError("--tasks", "task " + t.name + " compares the model with a base model",
                       "add --base BASE.gguf (e.g. the F32 or F16 model the candidate was quantized from)");
    }
  }
  if (plan.problems.size() == 1) throw InputError(plan.problems[0].where, plan.problems[0].problem, plan.problems[0].fix);
  for (const ConfigProblem& p : plan.problems) std::cerr << "qualm: error: " << p.message() << "\n";
  if (!plan.problems.empty()) {
    throw InputError("qualm eval", std::to_string(plan.problems.size()) + " problems in its tasks or backend", "see above");
  }
  return plan;
}

// Where the run writes its records: a fresh folder in --out (renamed into place when done),
// else in the temporary directory; removed with what is left in it, unless keep() was called
// (the records could not be moved into place and are all that is left of the work).
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& parent) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    std::string pattern = (parent / ".qualm-eval-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw RunError("cannot make a folder in " + parent.string() + ": " + std::strerror(errno));
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    if (keep_) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  fs::path path_;
  bool keep_ = false;
};

json eval_config(const EvalFlags& f, const Experiment& e, const RunOutcome& outcome) {
  const BackendSpec& backend = e.backends[0];
  const VariantRecord* model = outcome.variants.empty() ? nullptr : &outcome.variants.back();
  const json described = model != nullptr ? model->described : json();
  json noise = json::array();
  for (const NoiseFloor& n : outcome.noise_floors) {
    noise.push_back({{"task", n.task}, {"docs", n.docs}, {"max_abs_dll", n.max_abs_dll},
                     {"max_abs_dll_per_token", n.max_abs_dll_per_token}});
  }
  const auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"model", f.model},
          {"base", or_null(f.base)},
          {"model_description", backend.remote() ? backend.type + " server " + redact_urls(backend.base_url)
                                                 : described.value("description", "")},
          {"tasks", f.tasks},
          {"limit", f.limit},
          {"num_fewshot", f.num_fewshot < 0 ? json(nullptr) : json(f.num_fewshot)},
          {"apply_chat_template", f.apply_chat_template},
          {"system_prompt", f.system_prompt ? json(*f.system_prompt) : json(nullptr)},
          {"fewshot_as_multiturn", f.fewshot_as_multiturn},
          {"gen_prefix", f.gen_prefix ? json(*f.gen_prefix) : json(nullptr)},
          {"mc_mode", f.mc_mode.empty() ? json(nullptr) : json(f.mc_mode)},
          {"seed", f.seed},
          {"temperature", f.temperature},
          {"max_new_tokens", f.max_new_tokens ? json(*f.max_new_tokens) : json(nullptr)},
          {"embedding_model", or_null(f.embedding_model)},
          {"embedding_layer", f.embedding_layer > 0 ? json(f.embedding_layer) : json("last")},
          {"code_execution", f.allow_code_execution ? json{{"isolation", f.code_isolation}, {"timeout_s", f.code_timeout_s}}
                                                    : json(nullptr)},
          {"add_bos", model != nullptr && model->add_bos ? json(*model->add_bos) : json(nullptr)},
          {"source_tokenizer", model != nullptr ? model->source_tokenizer : json()},
          {"engine", engine_json(f.engine, kRequestCommands)},
          {"engine_label", engine_label(backend)},
          {"noise_floor", noise},
          {"backend", backend.type},
          {"server", outcome.remote_backends.value(backend.name, json())},
          {"data_dir", e.data_dir.string()},
          {"qualm_version", build::kVersion},
          {"git_commit", build::kGitCommit},
          {"llama_cpp_commit", build::kLlamaCommit}};
}

int run_eval(const EvalFlags& f) {
  const auto data_dir = find_data_dir();
  if (!data_dir) throw InputError("data directory", "not found", "set QUALM_DATA_DIR to the folder holding datasets/");
  if (!f.out.empty()) {
    if (const auto why = output_dir_problem(f.out)) throw InputError("--out " + f.out, *why, "name a folder qualm can write to");
  }
  const Experiment e = eval_experiment(f, *data_dir);
  const Plan plan = eval_plan(e, f);

  ScratchDir scratch(f.out.empty() ? fs::temp_directory_path() : fs::path(f.out));
  RunOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  try {
    SampleLog samples(scratch.path() / "samples.jsonl", false);
    std::unique_ptr<SampleLog> pending;
    if (e.embedding_model) pending = std::make_unique<SampleLog>(scratch.path() / "pending.jsonl", false);
    outcome = run_experiment(e, plan, RunContext{"eval-" + utc_stamp(), llama::model_cache_dir(), &samples,
                                                 pending.get(), f.log_tokens});
  } catch (const RunError& err) {  // a full disk: what was written stays, with --out
    if (f.out.empty()) throw;
    scratch.keep();
    throw RunError(std::string(err.what()) + "; the records written so far are kept in " + scratch.path().string());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::vector<SampleRecord> records = read_samples(scratch.path() / "samples.jsonl");

  std::vector<TaskOutline> outlines;
  for (const PlannedTask& t : plan.tasks) outlines.push_back(t.outline(f.base));
  const EvalResults r = results_from_records(outlines, records);
  json results = results_json(r);
  results["config"] = eval_config(f, e, outcome);
  const int64_t n_docs = static_cast<int64_t>(records.size());
  results["timing"] = {{"seconds", seconds}, {"documents", n_docs},
                       {"documents_per_second", seconds > 0 ? n_docs / seconds : 0.0}};
  int64_t sample_errors = 0, unknown_tokens = 0, docs_with_unknown = 0, truncated = 0;
  std::string first_error;
  for (const TaskResult& t : r.tasks) {
    sample_errors += t.errors;
    unknown_tokens += t.unknown_tokens;
    docs_with_unknown += t.docs_with_unknown;
    truncated += t.truncated;
    if (t.errors > 0 && first_error.empty()) first_error = t.outline->name;
  }
  json failed = json::object();
  for (const FailedCell& c : outcome.failed_cells) failed[c.task] = c.why;
  results["errors"] = {{"samples", sample_errors}, {"failed_tasks", failed}};
  results["unknown_tokens"] = {{"tokens", unknown_tokens}, {"samples", docs_with_unknown}};

  if (!f.out.empty()) {
    try {
      write_atomically(scratch.path() / "results.json", results.dump(2) + "\n");
      for (const char* name : {"results.json", "samples.jsonl"}) {
        if (::rename((scratch.path() / name).c_str(), (fs::path(f.out) / name).c_str()) != 0) {
          throw RunError("cannot move " + std::string(name) + " into " + f.out + ": " + std::strerror(errno));
        }
      }
    } catch (const RunError& err) {
      scratch.keep();  // every computed record is in it: never lose them
      throw RunError(std::string(err.what()) + "; the records are kept in " + scratch.path().string());
    }
  }
  if (f.json) {
    std::cout << results.dump(2) << "\n";
  } else {
    std::cout << "model: " << f.model << " (" << results["config"]["model_description"].get<std::string>() << ")\n";
    print_results_table(std::cout, r);
    std::printf("%lld documents in %.2f s (%.1f/s); %lld prompts truncated from the left\n",
                static_cast<long long>(n_docs), seconds, seconds > 0 ? n_docs / seconds : 0.0,
                static_cast<long long>(truncated));
    if (docs_with_unknown > 0) {
      std::printf("%lld documents hold characters the model's vocabulary cannot encode: %lld unknown tokens stand "
                  "for them (unknown_tokens in samples.jsonl)\n",
                  static_cast<long long>(docs_with_unknown), static_cast<long long>(unknown_tokens));
    }
  }
  for (const FailedCell& c : outcome.failed_cells) std::cerr << "qualm: task " << c.task << " failed: " << c.why << "\n";
  for (const std::string& e : outcome.errors) {
    if (e.starts_with("embedding model")) std::cerr << "qualm: error: " << e << "\n";
  }
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
      ->check(CLI::Range(bounds::kLimit.min, bounds::kLimit.max));
  cmd->add_option("--num-fewshot", flags->num_fewshot, "few-shot examples per prompt (default: the task file's)")
      ->check(CLI::Range(bounds::kNumFewshot.min, bounds::kNumFewshot.max));
  cmd->add_flag("--apply-chat-template", flags->apply_chat_template,
                "prompts as chat turns under the GGUF's tokenizer.chat_template (a server: its chat endpoint); "
                "multiple choice then scores each choice right after the assistant prompt");
  cmd->add_option("--system-prompt", flags->system_prompt,
                  "a system prompt before every prompt (a system turn under --apply-chat-template)");
  cmd->add_flag("--fewshot-as-multiturn", flags->fewshot_as_multiturn,
                "with --apply-chat-template: each few-shot example as a user turn and its answer as an assistant turn");
  cmd->add_option("--mc-mode", flags->mc_mode,
                  "multiple-choice tasks: loglikelihood (each choice scored, the default) or generate (the question "
                  "with lettered options answered by generation, for chat APIs without prompt log-probs: metrics "
                  "acc_generate and refused)")
      ->check(CLI::IsMember({"loglikelihood", "generate"}));
  cmd->add_option("--gen-prefix", flags->gen_prefix,
                  "text the answer starts with (a template over the document): after the assistant prompt, and before "
                  "each shot's answer");
  add_json_flag(*cmd, flags->json, "print results.json to stdout");
  cmd->add_option("--out", flags->out, "also write samples.jsonl and results.json here");
  cmd->add_flag("--log-tokens", flags->log_tokens,
                "samples.jsonl also holds the token ids fed and each scored token's log-prob (multiple choice: "
                "per choice `sequence`, `token_logprobs`; loglikelihood_rolling: `tokens`, `token_logprobs`; "
                "greedy generation: `tokens`, the prompt's then the generated ones)");
  cmd->add_option("--embedding-model", flags->embedding_model,
                  "embedding GGUF for bertscore and coherence in generate tasks (BERT family)");
  cmd->add_option("--embedding-layer", flags->embedding_layer,
                  "bertscore and coherence read this layer (the model cut to its first L blocks; 0 = the last)")
      ->check(CLI::Range(bounds::kEmbeddingLayer.min, bounds::kEmbeddingLayer.max));
  cmd->add_option("--seed", flags->seed, "sampling seed of generate tasks")->capture_default_str();
  cmd->add_option("-n,--max-new-tokens", flags->max_new_tokens, "generate tasks: the most tokens generated, over the "
                  "task file's (lm-eval's --gen_kwargs max_gen_toks)")
      ->check(CLI::Range(bounds::kMaxNewTokens.min, bounds::kMaxNewTokens.max));
  cmd->add_option("--temperature", flags->temperature, "generate tasks whose file sets none (0 = greedy)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, bounds::kTemperatureMax));
  cmd->add_flag("--allow-code-execution", flags->allow_code_execution,
                "run the model's code against the task's tests (humaneval, mbpp: pass@k), each program in its own "
                "process with no network, rlimits and a timeout");
  cmd->add_option("--code-isolation", flags->code_isolation,
                  "namespaces (no network; needs unprivileged user namespaces) or none (rlimits and timeout only)")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {exec::isolation_name(exec::Isolation::kNamespaces), exec::isolation_name(exec::Isolation::kNone)}));
  cmd->add_option("--code-timeout", flags->code_timeout_s, "seconds each program may run (HF code_eval's 3)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  add_engine_flags(*cmd, flags->engine, kRequestCommands);
  cmd->callback([flags, &run] { run = [flags] { return run_eval(*flags); }; });
}

}  // namespace qualm::cli
