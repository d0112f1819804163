#pragma once
// Runs a planned experiment (SPEC S5): for each model variant and backend, the model loads
// once and its cells run; then each embedding metric's model loads once, after every
// generating model is freed, and finishes the generate records that need it. Work goes in
// fixed chunks of documents so that a resumed run computes exactly what an uninterrupted one
// would: a chunk with any record missing is recomputed whole and only the missing records
// are appended.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "run/plan.h"
#include "run/sample_log.h"
#include "run/shards.h"

namespace qualm {

struct RunContext {
  std::string run_id;
  std::filesystem::path cache_dir;  // derived variants and cut embedding models
  SampleLog* samples = nullptr;     // final records
  SampleLog* pending = nullptr;     // generate records waiting for embedding metrics
  bool log_tokens = false;          // records also hold the token ids and log-probs scored
  const ShardFilter* shard = nullptr;  // the work units this run computes; null: all
};

struct VariantRecord {  // for the manifest
  std::string model, variant;
  std::filesystem::path path;
  bool derived = false;
  nlohmann::json quantization;  // derived: the report
  std::optional<bool> add_bos;  // known once loaded
  nlohmann::json described;     // Backend::describe() of the in-process model, once loaded
  nlohmann::json source_tokenizer;  // Backend::check_tokenizer() on the texts of its tasks
  std::string error;            // why it could not be made or loaded
};

// The engine's own packing noise on one configuration: the first documents of its first
// multiple-choice task scored together and each alone; the largest |loglikelihood| change.
struct NoiseFloor {
  ConfigKey config;
  std::string task;
  int docs = 0;
  double max_abs_dll = 0;            // per choice
  double max_abs_dll_per_token = 0;  // per choice, divided by its token count
};

// A task that failed as a whole in one cell: its samples are error records saying why.
struct FailedCell {
  ConfigKey config;
  std::string task, why;
};

struct RunOutcome {
  std::vector<VariantRecord> variants;
  std::vector<NoiseFloor> noise_floors;
  std::vector<std::string> errors;  // one line per failed cell, or failed embedding model
  std::vector<FailedCell> failed_cells;
  std::filesystem::path embedding_model;  // the file used (cut to its layer), when one ran
  nlohmann::json remote_backends = nlohmann::json::object();  // name -> describe_remote(), for the manifest
  nlohmann::json embedding_server;  // describe_remote() of a served embedding model, when one ran
};

RunOutcome run_experiment(const Experiment& experiment, const Plan& plan, const RunContext& context);

// "llama cpu t2 fa=auto kv=f16/f16 b2048 ub512": the engine options of a backend, in every record.
std::string engine_label(const BackendSpec& backend);

}  // namespace qualm
