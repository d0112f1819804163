#include "run/manifest.h"

#include <ctime>
#include <map>
#include <set>

#include "backend/llama/gguf_file.h"
#include "core/build_info.h"
#include "core/errors.h"
#include "core/machine.h"
#include "core/redact.h"
#include "core/sha256.h"
#include "tasks/task_docs.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json gguf_json(const fs::path& path) {
  try {
    const llama::GgufSummary g = llama::read_gguf_summary(path);
    json metadata = json::object();
    for (const auto& [key, value] : g.metadata) {
      if (!value.starts_with("[")) metadata[key] = value;  // arrays (the vocabulary) are left out
    }
    return {{"architecture", g.architecture}, {"name", g.name}, {"file_bytes", g.file_bytes},
            {"tensor_types", g.tensor_type_counts()}, {"metadata", metadata}};
  } catch (const std::exception& e) {
    return {{"error", user_message(e)}};
  }
}

std::string file_sha(const fs::path& path) {
  try {
    return sha256_file_hex(path);
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

namespace {

std::string utc_time(const char* format) {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, format, std::gmtime(&now));
  return buf;
}

}  // namespace

std::string utc_now() { return utc_time("%Y-%m-%dT%H:%M:%SZ"); }
std::string utc_stamp() { return utc_time("%Y%m%dT%H%M%SZ"); }

// What the analyses need to rebuild summary.json from the run directory alone (qualm report).
static json plan_json(const Experiment& e, const Plan& plan) {
  json tasks = json::array();
  for (const PlannedTask& t : plan.tasks) {
    tasks.push_back({{"name", t.name},
                     {"entry", t.entry},
                     {"kind", task_kind_name(t.kind)},
                     {"group", t.mc ? t.mc->group : std::string()},
                     {"repetitions", t.repetitions},
                     {"temperature", t.temperature},
                     {"chat", t.spec().chat.any() ? t.spec().chat.to_json() : json(nullptr)},
                     {"documents", t.n_docs}});
  }
  json costs = json::array();
  for (const CostRow& c : e.costs) {
    costs.push_back({{"model", c.model}, {"variant", c.variant}, {"backend", c.backend},
                     {"usd_per_million_tokens", c.usd_per_million_tokens}});
  }
  json params = json::object();
  for (const ModelSpec& m : e.models) {
    if (m.params) params[m.name] = *m.params;
  }
  json gates = json::array();
  for (const Sourced& g : e.gates) gates.push_back(g.text);
  // The configurations in run order: with the tasks' order, the canonical order of records.
  json configs = json::array();
  std::set<ConfigKey> seen;
  for (const Cell& c : plan.cells) {
    const ConfigKey key{e.models[c.model].name, e.models[c.model].variants[c.variant].name, e.backends[c.backend].name};
    if (seen.insert(key).second) configs.push_back(config_json(key));
  }
  return {{"tasks", tasks},   {"configs", configs},        {"planned", plan.samples()}, {"skipped_cells", plan.skipped_cells()},
          {"costs", costs},   {"params", params},          {"tost_margin", e.tost_margin},
          {"detect_difference", e.detect_difference},
          {"harm_thresholds", {{"max_ppl_delta_pct", e.max_ppl_delta_pct},
                               {"max_category_kld", e.max_category_kld},
                               {"min_same_top", e.min_same_top},
                               {"non_degenerate_repetition", e.non_degenerate_repetition}}},
          {"gates", gates}};
}

json make_manifest(const Experiment& e, const Plan& plan, const std::string& run_id, const ManifestTimes& times,
                   const RunOutcome* outcome, const json& counts) {
  json tasks = json::object(), data = json::object();
  for (const PlannedTask& t : plan.tasks) {
    const TaskSpec& spec = t.spec();
    tasks[t.name] = file_sha(spec.file);
    const std::string rel = t.mc ? t.mc->dataset_file : t.gen ? t.gen->dataset_file : t.rolling->dataset_file;
    if (!data.contains(rel)) data[rel] = file_sha(dataset_file(spec, e.data_dir));
    if (spec.fewshot.dataset && t.mc && t.mc->num_fewshot > 0) {
      TaskSpec shots = spec;
      shots.dataset = *spec.fewshot.dataset;
      data[dataset_relative_path(shots)] = file_sha(dataset_file(shots, e.data_dir));
    }
  }
  json models = json::array(), add_bos = json::object();
  if (outcome != nullptr) {
    for (const VariantRecord& v : outcome->variants) {
      json m = {{"name", v.model}, {"variant", v.variant}, {"path", v.path.string()}, {"derived", v.derived}};
      if (v.derived) m["quantization"] = v.quantization;
      if (!v.path.empty() && fs::exists(v.path)) {
        m["size_bytes"] = fs::file_size(v.path);
        m["sha256"] = file_sha(v.path);
        m["gguf"] = gguf_json(v.path);
      }
      if (!v.error.empty()) m["error"] = v.error;
      m["add_bos"] = v.add_bos ? json(*v.add_bos) : json(nullptr);
      if (v.add_bos) add_bos[v.model + "/" + v.variant] = *v.add_bos;
      if (!v.source_tokenizer.is_null()) m["source_tokenizer"] = v.source_tokenizer;
      models.push_back(m);
    }
  }
  json backends = json::array();
  for (const BackendSpec& b : e.backends) {
    json entry = {{"name", b.name}, {"type", b.type}, {"engine", engine_label(b)}};
    // A remote backend's server and model as it answered: ollama's digest and quantization.
    if (outcome != nullptr && outcome->remote_backends.contains(b.name)) entry["server"] = outcome->remote_backends[b.name];
    backends.push_back(entry);
  }
  json noise = json::array();
  if (outcome != nullptr) {
    for (const NoiseFloor& n : outcome->noise_floors) {
      json floor = config_json(n.config);
      floor.update({{"task", n.task}, {"docs", n.docs}, {"max_abs_dll", n.max_abs_dll},
                    {"max_abs_dll_per_token", n.max_abs_dll_per_token}});
      noise.push_back(std::move(floor));
    }
  }
  json skipped = json::array();
  for (const Cell& c : plan.cells) {
    if (!c.skipped) continue;
    skipped.push_back({{"model", e.models[c.model].name},
                       {"variant", e.models[c.model].variants[c.variant].name},
                       {"backend", e.backends[c.backend].name},
                       {"task", plan.tasks[c.task].name},
                       {"samples", plan.tasks[c.task].samples()},
                       {"why", *c.skipped}});
  }
  json embedding = nullptr;
  if (e.embedding_model && !e.embedding_model->backend.empty()) {
    // Served: the server's pooled sentence vectors (coherence; bertscore is skipped).
    embedding = {{"backend", e.embedding_model->backend}, {"model", e.embedding_model->model}, {"pooling", "mean"}};
    for (const BackendSpec& b : e.backends) {
      if (b.name == e.embedding_model->backend) embedding.update({{"type", b.type}, {"base_url", redact_urls(b.base_url)}});
    }
    // As the server answered: ollama's digest, quantization and family of the embedding model.
    if (outcome != nullptr && !outcome->embedding_server.is_null()) embedding["server"] = outcome->embedding_server;
  } else if (e.embedding_model) {
    embedding = {{"path", e.embedding_model->path.string()},
                 {"layer", e.embedding_model->layer > 0 ? json(e.embedding_model->layer) : json("last")},
                 {"sha256", file_sha(e.embedding_model->path)}};
    if (outcome != nullptr && !outcome->embedding_model.empty()) embedding["file_used"] = outcome->embedding_model.string();
  }
  return {{"qualm_version", build::kVersion},
          {"plan", plan_json(e, plan)},
          {"git_commit", build::kGitCommit},
          {"llama_cpp_commit", build::kLlamaCommit},
          {"run_id", run_id},
          {"experiment", e.name},
          {"config_file", e.file.string()},
          {"config", redact_urls(e.text)},
          {"config_sha256", sha256_hex(e.text)},
          {"data_dir", e.data_dir.string()},
          {"task_sha256", tasks},
          {"data_sha256", data},
          {"models", models},
          {"backends", backends},
          {"embedding_model", embedding},
          {"add_bos", add_bos},
          {"seeds", {{"seed", e.defaults.seed},
                     {"sampler", "each sample's sampler is seeded from (seed, task, sample_id, rep)"},
                     {"bootstrap", e.defaults.seed}}},
          {"defaults", {{"temperature", e.defaults.temperature}, {"max_new_tokens", e.defaults.max_new_tokens},
                        {"warmup", e.defaults.warmup}, {"repetitions", e.defaults.repetitions}}},
          {"started_at", times.started_at},
          {"finished_at", times.finished_at.empty() ? json(nullptr) : json(times.finished_at)},
          {"machine", machine_info()},
          {"counts", counts},
          {"noise_floor", noise},
          {"skipped", skipped},
          {"errors", outcome != nullptr ? json(outcome->errors) : json::array()}};
}

}  // namespace qualm
