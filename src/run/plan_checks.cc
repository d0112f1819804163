#include "run/plan_checks.h"

#include <set>

#include "backend/llama/model.h"
#include "core/errors.h"
#include "core/utf8.h"
#include "eval/gen_eval.h"
#include "exec/sandbox.h"
#include "run/plan.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

// A file that does not exist is left out: the experiment reader names it, where it was written.
void read_one(const fs::path& path, ModelFiles& files) {
  std::error_code ec;
  if (path.empty() || !fs::exists(path, ec) || files.read.count(path) > 0 || files.problems.count(path) > 0) return;
  try {
    files.read.emplace(path, llama::read_model_file(path));
  } catch (const InputError& err) {
    files.problems.emplace(path, err.what());
  }
}

void require_utf8(const std::string& text, const std::string& where, const std::string& what,
                  std::vector<ConfigProblem>& problems) {
  if (const auto bad = find_invalid_utf8(text)) {
    problems.push_back({where, what + " '" + utf8_replacing_invalid(text) + "' is not valid UTF-8 (byte " +
                                   std::to_string(bad->byte) + ")",
                        "rename it with UTF-8 characters only"});
  }
}

}  // namespace

fs::path ModelFiles::of(const ModelSpec& model, const VariantSpec& variant) {
  return variant.quantize || variant.path.empty() ? model.path : variant.path;
}

const llama::GgufSummary* ModelFiles::find(const fs::path& path) const {
  const auto it = read.find(path);
  return it == read.end() ? nullptr : &it->second;
}

ModelFiles read_model_files(const Experiment& e) {
  ModelFiles files;
  for (const ModelSpec& m : e.models) {
    if (m.remote) continue;
    for (const VariantSpec& v : m.variants) read_one(ModelFiles::of(m, v), files);
  }
  if (e.embedding_model && e.embedding_model->backend.empty()) read_one(e.embedding_model->path, files);
  return files;
}

void check_text_inputs(const Experiment& e, std::vector<ConfigProblem>& problems) {
  require_utf8(e.name, e.file.string(), "experiment name", problems);
  require_utf8(e.data_dir.string(), e.file.string(), "data directory", problems);
  for (const ModelSpec& m : e.models) {
    require_utf8(m.name, m.where, "model name", problems);
    require_utf8(m.path.string(), m.where, "model path", problems);
    for (const VariantSpec& v : m.variants) {
      require_utf8(v.name, v.where, "variant name", problems);
      if (!v.path.empty() && v.path != m.path) require_utf8(v.path.string(), v.where, "variant path", problems);
    }
  }
  for (const BackendSpec& b : e.backends) require_utf8(b.name, b.where, "backend name", problems);
  for (const TaskEntry& t : e.tasks) require_utf8(t.name, t.where, "task", problems);
  if (e.embedding_model) require_utf8(e.embedding_model->path.string(), e.embedding_model->where, "embedding model path", problems);
}

void check_cells(const Experiment& e, const ModelFiles& files, Plan& plan) {
  std::set<std::pair<size_t, size_t>> loaded;  // (model, variant) a llama backend loads
  std::set<std::tuple<size_t, size_t, size_t>> engines;  // (model, variant, backend)
  for (const Cell& c : plan.cells) {
    if (c.skipped || e.backends[c.backend].remote()) continue;
    loaded.insert({c.model, c.variant});
    engines.insert({c.model, c.variant, c.backend});
    if (plan.tasks[c.task].kind == TaskKind::kKld) loaded.insert({c.model, 0});  // the base it compares with
  }
  // Problems elsewhere (a task that cannot be read) leave cells out: every local model file is
  // checked then, so that the first run's list of problems is the whole list.
  if (!plan.problems.empty() || plan.cells.empty()) {
    for (size_t m = 0; m < e.models.size(); ++m) {
      if (e.models[m].remote) continue;
      for (size_t v = 0; v < e.models[m].variants.size(); ++v) loaded.insert({m, v});
    }
  }
  std::set<fs::path> reported;
  for (const auto& [m, v] : loaded) {
    const ModelSpec& model = e.models[m];
    const VariantSpec& variant = model.variants[v];
    const fs::path path = ModelFiles::of(model, variant);
    const auto problem = files.problems.find(path);
    if (problem == files.problems.end() || !reported.insert(path).second) continue;
    const std::string what = variant.quantize ? "the model file " + variant.name + " is derived from" : "model file";
    plan.problems.push_back({variant.quantize ? model.where : variant.where, what + ": " + problem->second, ""});
  }
  std::set<std::pair<fs::path, size_t>> engine_reported;
  for (const auto& [m, v, b] : engines) {
    const ModelSpec& model = e.models[m];
    const llama::GgufSummary* gguf = files.find(ModelFiles::of(model, model.variants[v]));
    const BackendSpec& backend = e.backends[b];
    if (gguf == nullptr || !engine_reported.insert({gguf->path, b}).second) continue;
    const EngineSettings& engine = backend.engine;
    for (const llama::CacheTypeProblem& p : llama::cache_type_problems(*gguf, engine.cache_type_k,
                                                                      engine.cache_type_v, resolved_flash_attn(engine))) {
      plan.problems.push_back({backend.where, "backend " + backend.name + " cannot run model " + model.name + ": " + p.problem,
                               p.fix});
    }
  }
  if (e.embedding_model && e.embedding_model->backend.empty()) {
    if (const auto p = files.problems.find(e.embedding_model->path); p != files.problems.end()) {
      plan.problems.push_back({e.embedding_model->where, "embedding model: " + p->second, ""});
    }
  }
  if (plan.problems.empty() && !e.models.empty() && !e.tasks.empty() && plan.samples() == 0) {
    plan.problems.push_back({e.file.string(), "the experiment evaluates nothing: every cell is skipped",
                             "drop the skip rules that cover every cell, or add models, backends or tasks that run"});
  }
}

void check_code_execution(const Experiment& e, Plan& plan) {
  std::string first;  // the first task that runs code
  for (const PlannedTask& t : plan.tasks) {
    if (!t.gen || !runs_code(t.gen->spec)) continue;
    if (first.empty()) first = t.name;
    if (!e.code_execution) {
      plan.problems.push_back({e.file.string(), "task " + t.name + " runs the model's code against its tests (pass@k), and "
                                                "the experiment does not allow that",
                               "add code_execution: {allow: true} to the experiment (qualm eval: --allow-code-execution); "
                               "each program runs in its own process with no network, rlimits and a timeout"});
    }
  }
  if (first.empty() || !e.code_execution) return;
  if (!exec::python_interpreter()) {
    plan.problems.push_back({e.code_execution_where, "task " + first + " runs Python and there is no python3 (QUALM_PYTHON, /usr/bin/python3 or PATH)",
                             "install python3 (apt-get install python3)"});
  }
  if (e.code_execution->isolation == exec::Isolation::kNamespaces) {
    if (const auto why = exec::isolation_problem()) {
      plan.problems.push_back(
          {e.code_execution_where, "this machine does not let qualm cut the model's code off the network: " + *why,
           "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu also "
           "kernel.apparmor_restrict_unprivileged_userns=0), or run it with the network reachable: isolation: none "
           "(qualm eval: --code-isolation none)"});
    }
  }
}

std::optional<ConfigProblem> chat_refusal(const BackendSpec& backend, const PlannedTask& t) {
  if (!backend.remote() || t.kind != TaskKind::kMultipleChoice || !t.spec().chat.apply_chat_template) return std::nullopt;
  return ConfigProblem{t.spec().chat_where,
                       "task " + t.entry + " scores choices under a chat template, and backend " + backend.name +
                           " is a server: its chat endpoint gives no prompt log-probs",
                       "score this task in-process (a llama backend), or without apply_chat_template"};
}

void check_chat_templates(const Experiment& e, const ModelFiles& files, Plan& plan) {
  std::set<std::pair<fs::path, std::string>> reported;  // (model file, problem)
  for (const Cell& c : plan.cells) {
    const PlannedTask& t = plan.tasks[c.task];
    if (c.skipped || !t.spec().chat.apply_chat_template) continue;
    const ModelSpec& model = e.models[c.model];
    const BackendSpec& backend = e.backends[c.backend];
    if (backend.remote()) continue;  // chat_refusal
    const llama::GgufSummary* gguf = files.find(ModelFiles::of(model, model.variants[c.variant]));
    if (gguf == nullptr) continue;
    const auto it = gguf->metadata.find("tokenizer.chat_template");
    std::string problem;
    if (it == gguf->metadata.end()) {
      problem = "has no chat template (tokenizer.chat_template)";
    } else {
      const llama_chat_message probe{"user", "x"};
      char buf[1];
      if (llama_chat_apply_template(it->second.c_str(), &probe, 1, true, buf, 0) < 0) {
        problem = "holds a chat template llama.cpp cannot apply";
      }
    }
    if (problem.empty() || !reported.insert({gguf->path, t.name}).second) continue;
    plan.problems.push_back({t.spec().chat_where,
                             "task " + t.name + " applies the model's chat template, and " + gguf->path.string() + " " + problem,
                             "use an instruct model whose GGUF holds tokenizer.chat_template (one of llama.cpp's known "
                             "templates), or drop apply_chat_template"});
  }
}

}  // namespace qualm
