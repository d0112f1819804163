#pragma once
// What make_plan checks of an experiment's files and settings before anything runs (SPEC S8:
// bad input is exit 2, found up front): every GGUF a cell would load (header, tensor sizes
// against the file size, weights present), the embedding model, the KV-cache types each llama
// backend asks of each model, names and paths that records and manifests hold (UTF-8), and
// that the matrix evaluates something at all.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backend/llama/gguf_file.h"
#include "config/experiment.h"

namespace qualm {

struct Plan;
struct PlannedTask;

// Each model file of the experiment read once: its header, or why it cannot be loaded. Files
// that do not exist are left out: the experiment reader (or the command) names them.
struct ModelFiles {
  std::map<std::filesystem::path, llama::GgufSummary> read;
  std::map<std::filesystem::path, std::string> problems;

  // The file a variant loads, or derives from (a quantize: variant's source).
  static std::filesystem::path of(const ModelSpec& model, const VariantSpec& variant);
  const llama::GgufSummary* find(const std::filesystem::path& path) const;
};

ModelFiles read_model_files(const Experiment& e);

// Names, paths and task names as records hold them: UTF-8 (a command line or an environment
// variable can hold any bytes).
void check_text_inputs(const Experiment& e, std::vector<ConfigProblem>& problems);

// After the cells are made: the files and engine settings of the cells that run, and a
// matrix that runs nothing.
void check_cells(const Experiment& e, const ModelFiles& files, Plan& plan);

// Tasks that run the model's code (pass@K): the experiment must allow it (code_execution), and
// the machine must have python3 and - unless isolation is none - unprivileged namespaces.
void check_code_execution(const Experiment& e, Plan& plan);

// Tasks under apply_chat_template: each in-process model holds a chat template llama.cpp can
// apply.
void check_chat_templates(const Experiment& e, const ModelFiles& files, Plan& plan);

// Why a server cannot run the task (multiple choice under a chat template: its chat endpoint
// gives no prompt log-probs); nullopt when it can.
std::optional<ConfigProblem> chat_refusal(const BackendSpec& backend, const PlannedTask& t);

}  // namespace qualm
