#pragma once
// An experiment file (SPEC S5) as written: models and their variants, backends, tasks,
// defaults, skip rules, a cost table and gates. Loading collects every problem it finds,
// each with file:line, the key and a fix, so that `qualm validate` can list them all.
// Tasks stay names here; the planner resolves them against tasks/.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "exec/sandbox.h"

#include "config/chat_settings.h"
#include "config/engine_options.h"
#include "config/task_spec.h"

namespace qualm {

struct RunDefaults {
  double temperature = 0.0;  // TR124's defaults
  int max_new_tokens = 256;
  uint64_t seed = 42;
  int warmup = 2;       // unrecorded generations before each cell's timed work
  int repetitions = 1;  // each sample of a generate task runs this many times (seed varies with rep)
  ChatOverrides chat;   // apply_chat_template, system_prompt, ...: over every task's own
  std::string chat_where;
};

// One precision of a model: an existing GGUF, or a quantization derived from the model's file.
struct VariantSpec {
  std::string name;                      // as it appears in records: "f32", "Q8_0", or the name: given
  std::filesystem::path path;            // an existing file (resolved); empty when derived
  std::optional<std::string> quantize;   // derive with qualm quantize to this type (Q8_0, F16, Q4_K_M ...)
  std::filesystem::path imatrix;         // optional, for derived variants
  std::string where;
};

struct ModelSpec {
  std::string name;
  std::filesystem::path path;  // resolved: absolute, ./ or ../ from the experiment's folder, else data_dir / path
  std::vector<VariantSpec> variants;  // a model without variants: has one, named "base", at path
  std::optional<double> params;       // parameter count, for the quality scaling fit
  bool remote = false;  // remote: true — no file; served by remote backends only, one variant "remote"
  std::string where;
};

struct BackendSpec {
  std::string name;
  std::string type = "llama";   // llama | openai | ollama
  std::string device = "cpu";   // cpu | cuda (gpu_layers: -1 = all on cuda, none on cpu)
  EngineSettings engine;        // llama: the engine options (config/engine_options.h)
  // openai and ollama: the server and the model it serves (README "Remote backends").
  std::string base_url;                // base_urls' first, when several are given
  std::vector<std::string> base_urls;  // several servers of the same model (a fleet); empty: base_url alone
  std::string model;
  std::string api_key_env;      // openai: the NAME of the variable holding the key, never the key
  bool chat = false;            // openai: /v1/chat/completions instead of /v1/completions
  int concurrency = 4;          // requests in flight, per server
  double timeout_s = 120;
  int retries = 3;              // further tries on connection errors, 429, 5xx, bad bodies
  bool remote() const { return type != "llama"; }
  // Every server as given, and as messages and labels show them (credentials redacted, ", " between).
  std::vector<std::string> servers() const;
  std::string servers_text() const;
  std::string where;
};

struct TaskEntry {
  std::string name;  // a task or group name, or a task file path
  int limit = -1;    // -1: every document (or --limit)
  std::optional<int> num_fewshot;
  std::optional<double> temperature;
  std::optional<int> max_new_tokens;
  std::optional<int> repetitions;
  std::string where;
  ChatOverrides chat;  // over the defaults'
};

// A cell (model, variant, backend, task) is skipped when every field the rule sets matches.
struct SkipRule {
  std::optional<std::string> model, variant, backend, task;
  std::string why;
  std::string where;
};

// A GGUF run in-process ({path, layer}), or a model an ollama backend of the experiment
// serves ({backend, model}: pooled vectors from /api/embed, so coherence only).
struct EmbeddingModelSpec {
  std::filesystem::path path;  // resolved like model paths; empty when served
  int layer = 0;               // 0 = the last
  std::string backend;         // the serving backend's name; empty for a GGUF
  std::string model;           // the name that backend's server knows the embedding model by
  std::string where;
};

struct CostRow {
  std::string model, variant, backend;
  double usd_per_million_tokens = 0;
  std::string where;  // costs.csv:LINE
};

struct Experiment {
  std::string name;
  std::filesystem::path file;
  std::string text;  // the file as read, for the manifest and its sha256
  std::filesystem::path data_dir;
  RunDefaults defaults;
  std::vector<ModelSpec> models;
  std::vector<BackendSpec> backends;
  std::vector<TaskEntry> tasks;
  std::optional<EmbeddingModelSpec> embedding_model;
  std::vector<SkipRule> skip;
  std::filesystem::path cost_file;  // empty when none
  std::vector<CostRow> costs;
  std::vector<Sourced> gates;       // parsed by the report layer
  double tost_margin = 0.05;        // analysis: {tost_margin} — TOST's equivalence margin, in metric units
  double detect_difference = 0.05;  // analysis: {detect_difference} — the power analysis' n needed for it
  // analysis: quantization harm thresholds (SPEC S6 defaults)
  double max_ppl_delta_pct = 5;         // |ΔPPL| in percent
  double max_category_kld = 0.05;       // mean KLD in every category
  double min_same_top = 0.9;            // top-1 agreement
  double non_degenerate_repetition = 0.5;  // repetition (distinct/all word 4-grams) at or above: not degenerate
  // code_execution: {allow: true, isolation: namespaces|none, timeout_s, memory_mb}: set only
  // when allowed. Tasks with code metrics (pass@K) run the model's code under it.
  std::optional<exec::Policy> code_execution;
  std::string code_execution_where;  // file:line, or the flag
};

struct ConfigProblem {
  std::string where;    // file:line
  std::string problem;  // names the key
  std::string fix;
  std::string message() const;
};

struct ExperimentLoad {
  Experiment experiment;
  std::vector<ConfigProblem> problems;  // empty when the file is good
};

// Reads an experiment file. ${VAR} expands from the environment; data_dir defaults to
// find_data_dir(). Never throws for problems in the file: they are all returned.
ExperimentLoad load_experiment(const std::filesystem::path& file);

}  // namespace qualm
