#include "config/experiment.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include "config/experiment_reader.h"
#include "config/gate.h"
#include "core/data_dir.h"
#include "core/did_you_mean.h"
#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTopKeys = {"experiment", "data_dir", "defaults",        "models", "backends",
                                           "tasks",      "skip",     "embedding_model", "cost",   "gates",
                                           "analysis"};
const std::vector<std::string> kAnalysisKeys = {"tost_margin", "detect_difference", "max_ppl_delta_pct",
                                                 "max_category_kld", "min_same_top", "non_degenerate_repetition"};
const std::vector<std::string> kDefaultsKeys = {"temperature", "max_new_tokens", "seed", "warmup", "repetitions"};
const std::vector<std::string> kModelKeys = {"name", "path", "variants", "params", "remote"};
const std::vector<std::string> kVariantKeys = {"name", "path", "quantize", "imatrix"};
const std::vector<std::string> kTaskKeys = {"name", "limit", "num_fewshot", "temperature", "max_new_tokens",
                                            "repetitions"};
const std::vector<std::string> kSkipKeys = {"model", "variant", "backend", "task", "why"};
const std::vector<std::string> kEmbeddingKeys = {"path", "layer"};
const std::vector<std::string> kQuantizeTypes = {"F32",    "F16",    "BF16",   "Q8_0",   "Q6_K",   "Q5_K_M", "Q5_K_S",
                                                 "Q5_0",   "Q5_1",   "Q4_K_M", "Q4_K_S", "Q4_0",   "Q4_1",   "Q3_K_M",
                                                 "Q3_K_S", "Q3_K_L", "Q2_K",   "IQ4_NL", "IQ4_XS"};
const std::vector<std::string> kBackendTypes = {"llama", "openai", "ollama"};
const std::vector<std::string> kDevices = {"cpu", "cuda"};

int as_int(long long v) { return static_cast<int>(v); }

// Problems for a name used twice in one list; `names` holds those read so far.
void check_unique(const std::string& name, std::vector<std::string>& names, const YAML::Node& at,
                  const std::string& what, ExperimentReader& r) {
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    r.add(at, what + " '" + name + "' appears twice", "give each " + what + " its own name");
  }
  names.push_back(name);
}

void read_defaults(const YAML::Node& node, ExperimentReader& r, RunDefaults& d) {
  if (!r.is_map(node, "defaults", "defaults: {temperature: 0.0, max_new_tokens: 256}")) return;
  r.check_keys(node, kDefaultsKeys, "defaults");
  if (node["temperature"]) {
    if (auto v = r.number(node["temperature"], "defaults.temperature", 0, 100)) d.temperature = *v;
  }
  if (node["max_new_tokens"]) {
    if (auto v = r.integer(node["max_new_tokens"], "defaults.max_new_tokens", 1, 1 << 30)) d.max_new_tokens = as_int(*v);
  }
  if (node["seed"]) {
    if (auto v = r.integer(node["seed"], "defaults.seed", 0, kNoMax)) d.seed = static_cast<uint64_t>(*v);
  }
  if (node["warmup"]) {
    if (auto v = r.integer(node["warmup"], "defaults.warmup", 0, 1 << 20)) d.warmup = as_int(*v);
  }
  if (node["repetitions"]) {
    if (auto v = r.integer(node["repetitions"], "defaults.repetitions", 1, 1 << 20)) d.repetitions = as_int(*v);
  }
}

// A variant written as a mapping: {quantize: TYPE, name?, imatrix?} or {name: N, path: FILE}.
std::optional<VariantSpec> read_variant_map(const YAML::Node& item, ExperimentReader& r, const ExperimentPaths& paths) {
  r.check_keys(item, kVariantKeys, "a variant");
  VariantSpec v;
  v.where = r.where(item);
  std::optional<std::string> name;
  if (item["name"]) name = r.text(item["name"], "variant name");
  if (item["quantize"] && item["path"]) {
    r.add(item, "a variant is either {quantize: TYPE} or {name: N, path: FILE}, not both", "drop one of them");
    return std::nullopt;
  }
  if (item["quantize"]) {
    const auto written = r.text(item["quantize"], "quantize");
    if (!written) return std::nullopt;
    v.quantize = r.one_of(item["quantize"], *written, "quantize", kQuantizeTypes);
    if (!v.quantize) return std::nullopt;
    v.name = name.value_or(*written);
    if (item["imatrix"]) {
      if (const auto file = r.text(item["imatrix"], "imatrix")) {
        if (const auto resolved = paths.resolve(*file, item["imatrix"], r)) {
          v.imatrix = *resolved;
          require_file(v.imatrix, item["imatrix"], "imatrix file", r);
        }
      }
    }
    return v;
  }
  if (item["imatrix"]) r.add(item["imatrix"], "imatrix: is for {quantize: TYPE} variants", "drop it");
  if (!item["path"]) {
    r.add(item, "a variant mapping needs quantize: or path:", "write {quantize: Q8_0} or {name: q4, path: models/m-q4.gguf}");
    return std::nullopt;
  }
  if (!item["name"]) {
    r.add(item, "a variant with path: needs a name:", "write {name: q4, path: ...}");
    return std::nullopt;
  }
  const auto file = r.text(item["path"], "variant path");
  if (!name || !file) return std::nullopt;
  v.name = *name;
  if (const auto resolved = paths.resolve(*file, item["path"], r)) {
    v.path = *resolved;
    require_file(v.path, item["path"], "model file", r);
  }
  return v;
}

// Reads variants:, or makes the one variant "base". Sets `uses_model_path` when some variant
// is the model's own file or derived from it.
std::vector<VariantSpec> read_variants(const YAML::Node& model, ExperimentReader& r, const ExperimentPaths& paths,
                                       const fs::path& model_path, bool& uses_model_path) {
  std::vector<VariantSpec> out;
  const YAML::Node node = model["variants"];
  if (!node) {
    uses_model_path = true;
    out.push_back({"base", model_path, std::nullopt, {}, r.where(model)});
    return out;
  }
  if (!r.is_list(node, "variants", "variants: [f32, {quantize: Q8_0}]")) return out;
  if (node.size() == 0) r.add(node, "variants: is empty", "list variants, or drop the key for one variant named base");
  std::vector<std::string> names;
  for (const auto& item : node) {
    std::optional<VariantSpec> v;
    if (item.IsScalar()) {
      // The model's own file, named as the user wrote its precision (f32, f16, ...).
      uses_model_path = true;
      if (const auto name = r.text(item, "variant")) v = VariantSpec{*name, model_path, std::nullopt, {}, r.where(item)};
    } else if (item.IsMap()) {
      v = read_variant_map(item, r, paths);
      if (item["quantize"]) uses_model_path = true;
    } else {
      r.add(item, "a variant is a name or a mapping", "write f32, {quantize: Q8_0} or {name: N, path: FILE}");
    }
    if (!v) continue;
    check_unique(v->name, names, item, "variant", r);
    out.push_back(*v);
  }
  return out;
}

void read_models(const YAML::Node& node, ExperimentReader& r, const ExperimentPaths& paths, Experiment& e) {
  if (!r.is_list(node, "models", "models: [{name: m, path: models/m.gguf}]")) return;
  if (node.size() == 0) r.add(node, "models: is empty", "list at least one model");
  std::vector<std::string> names;
  for (const auto& item : node) {
    if (!r.is_map(item, "models", "- {name: m, path: models/m.gguf}")) continue;
    r.check_keys(item, kModelKeys, "a model");
    ModelSpec m;
    m.where = r.where(item);
    if (!item["name"]) r.add(item, "a model needs a name", "write name: m");
    else if (const auto name = r.text(item["name"], "model name")) m.name = *name;
    if (item["remote"]) {
      if (const auto v = r.boolean(item["remote"], "remote")) m.remote = *v;
    }
    if (m.remote) {  // a model only a server has: no file, one variant
      for (const char* key : {"path", "variants"}) {
        if (item[key]) r.add(item[key], std::string(key) + ": a remote model has no file", "drop it, or drop remote: true");
      }
      m.variants.push_back(VariantSpec{"remote", {}, std::nullopt, {}, m.where});
      if (!m.name.empty()) check_unique(m.name, names, item["name"], "model", r);
      e.models.push_back(m);
      continue;
    }
    if (item["path"]) {
      if (const auto written = r.text(item["path"], "model path")) {
        if (const auto resolved = paths.resolve(*written, item["path"], r)) {
          m.path = *resolved;
          require_file(m.path, item["path"], "model file", r);
        }
      }
    }
    bool uses_model_path = false;
    m.variants = read_variants(item, r, paths, m.path, uses_model_path);
    if (uses_model_path && !item["path"]) {
      r.add(item, "model '" + m.name + "' has no path", "write path: models/" + m.name + ".gguf");
    }
    if (item["params"]) m.params = r.number(item["params"], "params", 1, kNoMaxNumber);
    if (!m.name.empty()) check_unique(m.name, names, item["name"], "model", r);
    e.models.push_back(m);
  }
}

// The engine options of config/engine_options.h that an experiment's llama backend takes.
void read_engine(const YAML::Node& item, ExperimentReader& r, EngineSettings& engine) {
  if (item["gpu_layers"] && item["n_gpu_layers"]) {
    r.add(item["n_gpu_layers"], "gpu_layers and n_gpu_layers are the same setting", "keep gpu_layers");
  }
  for (const EngineOption& o : engine_options()) {
    if ((o.uses & kExperiments) == 0) continue;
    for (auto key = o.keys.rbegin(); key != o.keys.rend(); ++key) {  // the first key wins over its aliases
      const YAML::Node node = item[*key];
      if (!node) continue;
      if (o.number != nullptr) {
        if (const auto v = r.integer(node, *key, o.min, o.max)) engine.*o.number = as_int(*v);
        continue;
      }
      const auto text = r.text(node, *key);
      if (!text) continue;
      const auto word = engine_word(o, *text);
      if (!word) {
        std::string allowed;
        for (const std::string& w : o.words) allowed += (allowed.empty() ? "" : ", ") + w;
        r.add(node, *key + ": unknown value '" + *text + "'", "use one of " + allowed);
        continue;
      }
      engine.*o.text = *word;
      if (o.text2 != nullptr) engine.*o.text2 = *word;
    }
  }
}

void read_int(const YAML::Node& map, const std::string& key, long long min, ExperimentReader& r, int& out) {
  if (!map[key]) return;
  if (const auto v = r.integer(map[key], key, min, 1 << 30)) out = as_int(*v);
}

// The keys only a llama backend takes: device and the engine options.
std::vector<std::string> llama_only_keys() {
  std::vector<std::string> keys = {"device"};
  for (const EngineOption& o : engine_options()) {
    if (o.uses & kExperiments) keys.insert(keys.end(), o.keys.begin(), o.keys.end());
  }
  return keys;
}
const std::vector<std::string> kRemoteKeys = {"base_url", "model", "api_key_env", "chat", "concurrency", "timeout_s",
                                              "retries"};

// The keys of openai and ollama backends; each type's keys are a problem on the others.
void read_remote(const YAML::Node& item, ExperimentReader& r, BackendSpec& b) {
  const std::vector<std::string> foreign = b.remote() ? llama_only_keys() : kRemoteKeys;
  for (const std::string& key : foreign) {
    if (item[key]) r.add(item[key], key + ": is not a key of " + b.type + " backends", "drop it");
  }
  if (!b.remote()) return;
  if (b.type == "ollama") {
    for (const char* key : {"api_key_env", "chat"}) {
      if (item[key]) r.add(item[key], std::string(key) + ": is not a key of ollama backends", "drop it");
    }
  }
  if (!item["base_url"]) r.add(item, "a backend of type " + b.type + " needs base_url", "write base_url: http://127.0.0.1:8080");
  else if (const auto v = r.text(item["base_url"], "base_url")) {
    if (!v->starts_with("http://") && !v->starts_with("https://")) {
      r.add(item["base_url"], "base_url: '" + *v + "' is not an http:// or https:// URL", "write http://host:port");
    }
    b.base_url = *v;
  }
  if (!item["model"]) r.add(item, "a backend of type " + b.type + " needs model (the name the server serves)", "write model: NAME");
  else if (const auto v = r.text(item["model"], "model")) b.model = *v;
  if (item["api_key_env"]) {
    if (const auto v = r.text(item["api_key_env"], "api_key_env")) b.api_key_env = *v;
  }
  if (item["chat"]) {
    if (const auto v = r.boolean(item["chat"], "chat")) b.chat = *v;
  }
  read_int(item, "concurrency", 1, r, b.concurrency);
  read_int(item, "retries", 0, r, b.retries);
  if (item["timeout_s"]) {
    if (const auto v = r.number(item["timeout_s"], "timeout_s", 0.001, 86400)) b.timeout_s = *v;
  }
}

void read_backends(const YAML::Node& node, ExperimentReader& r, Experiment& e) {
  if (!r.is_list(node, "backends", "backends: [{name: cpu, type: llama}]")) return;
  if (node.size() == 0) r.add(node, "backends: is empty", "list a backend, or drop the key for the default cpu");
  std::vector<std::string> names;
  for (const auto& item : node) {
    if (!r.is_map(item, "backends", "- {name: cpu, type: llama}")) continue;
    std::vector<std::string> keys = {"name", "type"};
    for (const auto& k : llama_only_keys()) keys.push_back(k);
    keys.insert(keys.end(), kRemoteKeys.begin(), kRemoteKeys.end());
    r.check_keys(item, keys, "a backend");
    BackendSpec b;
    b.where = r.where(item);
    if (!item["name"]) r.add(item, "a backend needs a name", "write name: cpu");
    else if (const auto name = r.text(item["name"], "backend name")) b.name = *name;
    if (item["type"]) {
      if (const auto type = r.text(item["type"], "type")) {
        if (const auto t = r.one_of(item["type"], *type, "type", kBackendTypes)) {
          b.type = *t;
        }
      }
    }
    if (item["device"]) {
      if (const auto s = r.text(item["device"], "device")) {
        if (const auto d = r.one_of(item["device"], *s, "device", kDevices)) b.device = *d;
      }
    }
    if (!b.remote()) read_engine(item, r, b.engine);
    read_remote(item, r, b);
    if (!b.name.empty()) check_unique(b.name, names, item["name"], "backend", r);
    e.backends.push_back(b);
  }
}

void read_tasks(const YAML::Node& node, ExperimentReader& r, Experiment& e) {
  if (!r.is_list(node, "tasks", "tasks: [summarization, {name: mmlu, limit: 5}]")) return;
  if (node.size() == 0) r.add(node, "tasks: is empty", "list at least one task");
  std::vector<std::string> names;
  for (const auto& item : node) {
    TaskEntry t;
    t.where = r.where(item);
    if (item.IsScalar()) {
      if (const auto name = r.text(item, "task")) t.name = *name;
    } else if (item.IsMap()) {
      r.check_keys(item, kTaskKeys, "a task");
      if (!item["name"]) r.add(item, "a task mapping needs a name", "write {name: mmlu, limit: 5}");
      else if (const auto name = r.text(item["name"], "task name")) t.name = *name;
      read_int(item, "limit", 1, r, t.limit);
      if (item["num_fewshot"]) {
        if (const auto v = r.integer(item["num_fewshot"], "num_fewshot", 0, 1 << 20)) t.num_fewshot = as_int(*v);
      }
      if (item["temperature"]) t.temperature = r.number(item["temperature"], "temperature", 0, 100);
      if (item["max_new_tokens"]) {
        if (const auto v = r.integer(item["max_new_tokens"], "max_new_tokens", 1, 1 << 30)) t.max_new_tokens = as_int(*v);
      }
      if (item["repetitions"]) {
        if (const auto v = r.integer(item["repetitions"], "repetitions", 1, 1 << 20)) t.repetitions = as_int(*v);
      }
    } else {
      r.add(item, "a task is a name or a mapping", "write summarization or {name: mmlu, limit: 5}");
      continue;
    }
    if (t.name.empty()) continue;
    check_unique(t.name, names, item, "task", r);
    e.tasks.push_back(t);
  }
}

// A skip rule's name must be one the file defines, else it would silently skip nothing.
void check_named(const YAML::Node& node, const std::string& name, const std::vector<std::string>& known,
                 const std::string& what, ExperimentReader& r) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  const auto close = closest_match(name, known);
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  r.add(node, "skip names " + what + " '" + name + "', which this experiment does not define",
        close ? "did you mean '" + *close + "'?" : "the " + what + "s are: " + list);
}

void read_skip(const YAML::Node& node, ExperimentReader& r, Experiment& e) {
  if (!r.is_list(node, "skip", "skip: [{backend: cpu-fa, why: \"...\"}]")) return;
  std::vector<std::string> models, backends;
  for (const auto& m : e.models) models.push_back(m.name);
  for (const auto& b : e.backends) backends.push_back(b.name);
  for (const auto& item : node) {
    if (!r.is_map(item, "skip", "- {model: m, backend: b, why: \"...\"}")) continue;
    r.check_keys(item, kSkipKeys, "a skip rule");
    SkipRule s;
    s.where = r.where(item);
    if (item["model"]) s.model = r.text(item["model"], "skip.model");
    if (item["variant"]) s.variant = r.text(item["variant"], "skip.variant");
    if (item["backend"]) s.backend = r.text(item["backend"], "skip.backend");
    if (item["task"]) s.task = r.text(item["task"], "skip.task");
    if (!item["why"]) r.add(item, "a skip rule needs why:", "say why the cells are skipped: why: \"...\"");
    else if (const auto why = r.text(item["why"], "skip.why")) s.why = *why;
    if (!item["model"] && !item["variant"] && !item["backend"] && !item["task"]) {
      r.add(item, "a skip rule must name a model, variant, backend or task", "it would skip every cell");
    }
    if (s.model) check_named(item["model"], *s.model, models, "model", r);
    if (s.backend) check_named(item["backend"], *s.backend, backends, "backend", r);
    if (s.variant) {
      std::vector<std::string> variants;
      for (const auto& m : e.models) {
        if (s.model && m.name != *s.model) continue;
        for (const auto& v : m.variants) {
          if (std::find(variants.begin(), variants.end(), v.name) == variants.end()) variants.push_back(v.name);
        }
      }
      check_named(item["variant"], *s.variant, variants, "variant", r);
    }
    e.skip.push_back(s);
  }
}

// {path: E.gguf, layer: L}, or {backend: NAME, model: M}: M served by the ollama backend NAME.
void read_embedding_model(const YAML::Node& node, ExperimentReader& r, const ExperimentPaths& paths, Experiment& e) {
  if (!r.is_map(node, "embedding_model",
                "embedding_model: {path: models/e.gguf, layer: 17} or {backend: ol, model: nomic-embed-text}")) {
    return;
  }
  std::vector<std::string> keys = kEmbeddingKeys;
  keys.insert(keys.end(), {"backend", "model"});
  r.check_keys(node, keys, "embedding_model");
  EmbeddingModelSpec m;
  m.where = r.where(node);
  if (node["path"] && node["backend"]) {
    r.add(node, "embedding_model is a GGUF (path:) or served by a backend (backend:), not both", "drop one of them");
  } else if (node["backend"]) {
    if (const auto name = r.text(node["backend"], "embedding_model.backend")) {
      m.backend = *name;
      const auto b = std::find_if(e.backends.begin(), e.backends.end(),
                                  [&](const BackendSpec& s) { return s.name == *name; });
      std::vector<std::string> ollama;
      for (const BackendSpec& s : e.backends) {
        if (s.type == "ollama") ollama.push_back(s.name);
      }
      if (b == e.backends.end()) {
        const auto close = closest_match(*name, ollama);
        std::string list;
        for (const std::string& o : ollama) list += (list.empty() ? "" : ", ") + o;
        r.add(node["backend"], "embedding_model.backend '" + *name + "' is not a backend of this experiment",
              close          ? "did you mean '" + *close + "'?"
              : list.empty() ? "add an ollama backend to backends: and name it here"
                             : "the ollama backends are: " + list);
      } else if (b->type != "ollama") {
        r.add(node["backend"],
              "embedding_model.backend '" + *name + "' is of type " + b->type +
                  "; only ollama backends serve embeddings (/api/embed)",
              "name an ollama backend, or write path: models/e.gguf");
      }
    }
    if (!node["model"]) {
      r.add(node, "embedding_model with backend: needs model: (the embedding model the server serves)",
            "write model: nomic-embed-text");
    } else if (const auto model = r.text(node["model"], "embedding_model.model")) {
      m.model = *model;
    }
    if (node["layer"]) {
      r.add(node["layer"], "embedding_model.layer cuts a GGUF; a served embedding model cannot be cut",
            "drop layer:, or use path: models/e.gguf");
    }
  } else if (!node["path"]) {
    r.add(node, "embedding_model needs a path or a backend",
          "write path: models/e.gguf, or backend: NAME, model: MODEL for an ollama backend");
  } else {
    if (const auto written = r.text(node["path"], "embedding_model.path")) {
      if (const auto resolved = paths.resolve(*written, node["path"], r)) {
        m.path = *resolved;
        require_file(m.path, node["path"], "embedding model file", r);
      }
    }
    if (node["model"]) {
      r.add(node["model"], "embedding_model.model names a served model and goes with backend:",
            "drop model:, or write backend: NAME (an ollama backend) instead of path:");
    }
  }
  if (!node["backend"]) read_int(node, "layer", 0, r, m.layer);
  e.embedding_model = m;
}

void read_gates(const YAML::Node& node, ExperimentReader& r, Experiment& e) {
  if (!r.is_list(node, "gates", "gates: [\"rouge_l@summarization >= 0.3\"]")) return;
  for (const auto& item : node) {
    const auto gate = r.text(item, "gate");
    if (!gate) continue;
    const GateParse parsed = read_gate(*gate);
    if (!parsed.gate) {
      r.add(item, "gate \"" + *gate + "\": " + parsed.problem.problem, parsed.problem.fix);
      continue;
    }
    e.gates.push_back({*gate, r.where(item)});
  }
}

// data_dir: as written (relative to the experiment's folder), else find_data_dir(); an unset
// ${QUALM_DATA_DIR} means the default rather than a problem.
std::optional<fs::path> read_data_dir(const YAML::Node& node, ExperimentReader& r, const fs::path& file_dir) {
  if (!node) return find_data_dir();
  if (node.IsScalar() && node.Scalar() == "${QUALM_DATA_DIR}") {
    const char* env = std::getenv("QUALM_DATA_DIR");
    if (env == nullptr || *env == '\0') return find_data_dir();
  }
  const auto written = r.text(node, "data_dir");
  if (!written) return std::nullopt;
  const fs::path dir = fs::path(*written).is_absolute() ? fs::path(*written) : (file_dir / *written).lexically_normal();
  if (!fs::is_directory(dir)) {
    r.add(node, "data_dir is not a directory: " + dir.string(), "point it at the folder holding models/ and datasets/");
  }
  return dir;
}

void read_experiment(const YAML::Node& root, ExperimentReader& r, Experiment& e) {
  r.check_keys(root, kTopKeys, "the experiment file");
  if (!root["experiment"]) {
    r.add(r.file(), "missing key 'experiment'", "name the experiment: experiment: my-experiment");
  } else if (const auto name = r.text(root["experiment"], "experiment")) {
    e.name = *name;
    if (e.name.empty() || e.name.find_first_of("/\\") != std::string::npos) {
      r.add(root["experiment"], "experiment: '" + e.name + "' cannot name a run folder", "use letters, digits and -");
    }
  }
  ExperimentPaths paths;
  paths.file_dir = fs::absolute(e.file).parent_path();
  paths.data_dir = read_data_dir(root["data_dir"], r, paths.file_dir);
  if (paths.data_dir) e.data_dir = *paths.data_dir;
  if (root["defaults"]) read_defaults(root["defaults"], r, e.defaults);

  if (!root["models"]) r.add(r.file(), "missing key 'models'", "list the models: models: [{name: m, path: models/m.gguf}]");
  else read_models(root["models"], r, paths, e);
  if (root["backends"]) read_backends(root["backends"], r, e);
  else {
    BackendSpec cpu;  // the in-process default
    cpu.name = "cpu";
    cpu.where = r.file();
    e.backends.push_back(cpu);
  }
  if (!root["tasks"]) r.add(r.file(), "missing key 'tasks'", "list the tasks: tasks: [summarization, qa]");
  else read_tasks(root["tasks"], r, e);

  if (root["embedding_model"]) read_embedding_model(root["embedding_model"], r, paths, e);
  if (root["skip"]) read_skip(root["skip"], r, e);
  if (root["cost"]) {
    if (const auto written = r.text(root["cost"], "cost")) {
      const fs::path p(*written);
      e.cost_file = p.is_absolute() ? p : (paths.file_dir / p).lexically_normal();
      e.costs = read_cost_csv(e.cost_file, root["cost"], r);
    }
  }
  if (root["gates"]) read_gates(root["gates"], r, e);
  if (const YAML::Node a = root["analysis"]) {
    if (r.is_map(a, "analysis", "analysis: {tost_margin: 0.05}")) {
      r.check_keys(a, kAnalysisKeys, "analysis");
      if (a["tost_margin"]) {
        if (const auto m = r.number(a["tost_margin"], "analysis.tost_margin", 1e-12, 1e12)) e.tost_margin = *m;
      }
      // Quantization harm thresholds (SPEC S6): key, value, largest allowed (fractions up to 1).
      const std::tuple<const char*, double*, double> harm[] = {
          {"max_ppl_delta_pct", &e.max_ppl_delta_pct, 1e12},
          {"max_category_kld", &e.max_category_kld, 1e12},
          {"min_same_top", &e.min_same_top, 1},
          {"non_degenerate_repetition", &e.non_degenerate_repetition, 1}};
      for (const auto& [key, value, max] : harm) {
        if (!a[key]) continue;
        if (const auto m = r.number(a[key], std::string("analysis.") + key, 0, max)) *value = *m;
      }
      if (a["detect_difference"]) {
        if (const auto m = r.number(a["detect_difference"], "analysis.detect_difference", 1e-12, 1e12)) {
          e.detect_difference = *m;
        }
      }
    }
  }
}

}  // namespace

std::string ConfigProblem::message() const { return InputError::compose(where, problem, fix); }

ExperimentLoad load_experiment(const fs::path& file) {
  ExperimentLoad out;
  Experiment& e = out.experiment;
  e.file = file;
  ExperimentReader r(file.string(), e.text, out.problems);
  try {
    if (!fs::is_regular_file(file)) {
      r.add(file.string(), "experiment file not found", "check the path");
      return out;
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    e.text = text.str();
    YAML::Node root;
    try {
      root = YAML::Load(e.text);
    } catch (const YAML::Exception& ex) {
      // Inside [ ] or { }, a plain ${VAR} reads as a YAML mapping: the value needs quotes.
      std::istringstream lines(e.text);
      std::string line;
      for (int i = 0; i <= ex.mark.line && std::getline(lines, line); ++i) {
      }
      const bool braces = line.find("${") != std::string::npos;
      r.add(file.string() + ":" + std::to_string(ex.mark.line + 1), "YAML syntax error: " + ex.msg,
            braces ? "quote values that use ${VAR} inside [ ] or { }: \"models/${NAME}.gguf\""
                   : "fix the YAML at that line");
      return out;
    }
    if (!root.IsMap()) {
      r.add(file.string(), "an experiment file must be a YAML mapping", "write key: value lines, starting with experiment: NAME");
      return out;
    }
    read_experiment(root, r, e);
  } catch (const std::exception& ex) {
    // yaml-cpp or the filesystem failing on something the checks above did not foresee.
    r.add(file.string(), "could not read the experiment: " + user_message(ex));
  }
  return out;
}

}  // namespace qualm
