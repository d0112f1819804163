// models: (with their variants) and embedding_model:.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "config/bounds.h"
#include "config/experiment_sections.h"
#include "core/did_you_mean.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kModelKeys = {"name", "path", "variants", "params", "remote"};
const std::vector<std::string> kVariantKeys = {"name", "path", "quantize", "imatrix"};
const std::vector<std::string> kEmbeddingKeys = {"path", "layer"};
const std::vector<std::string> kQuantizeTypes = {"F32",    "F16",    "BF16",   "Q8_0",   "Q6_K",   "Q5_K_M", "Q5_K_S",
                                                 "Q5_0",   "Q5_1",   "Q4_K_M", "Q4_K_S", "Q4_0",   "Q4_1",   "Q3_K_M",
                                                 "Q3_K_S", "Q3_K_L", "Q2_K",   "IQ4_NL", "IQ4_XS"};

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
    check_name(v->name, names, item, "variant", r);
    out.push_back(*v);
  }
  return out;
}

}  // namespace

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
      if (!m.name.empty()) check_name(m.name, names, item["name"], "model", r);
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
    if (!m.name.empty()) check_name(m.name, names, item["name"], "model", r);
    e.models.push_back(m);
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
  if (!node["backend"] && node["layer"]) {
    const auto v = r.integer(node["layer"], "embedding_model.layer", bounds::kEmbeddingLayer.min, bounds::kEmbeddingLayer.max);
    if (v) m.layer = as_int(*v);
  }
  e.embedding_model = m;
}

}  // namespace qualm
