#include "config/experiment.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include "config/bounds.h"
#include "config/experiment_reader.h"
#include "config/experiment_sections.h"
#include "config/gate.h"
#include "config/yaml_text.h"
#include "core/data_dir.h"
#include "core/errors.h"
#include "core/redact.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTopKeys = {"experiment", "data_dir", "defaults",        "models", "backends",
                                           "tasks",      "skip",     "embedding_model", "cost",   "gates",
                                           "analysis",   "code_execution"};
const std::vector<std::string> kAnalysisKeys = {"tost_margin", "detect_difference", "max_ppl_delta_pct",
                                                 "max_category_kld", "min_same_top", "non_degenerate_repetition"};

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

// code_execution: {allow: true, isolation: namespaces|none, timeout_s: 3, memory_mb: 2048}.
void read_code_execution(const YAML::Node& node, ExperimentReader& r, Experiment& e) {
  const char* example = "code_execution: {allow: true}";
  if (!r.is_map(node, "code_execution", example)) return;
  r.check_keys(node, {"allow", "isolation", "timeout_s", "memory_mb"}, "code_execution");
  exec::Policy policy;
  if (node["isolation"]) {
    const auto v = r.text(node["isolation"], "code_execution.isolation");
    const auto isolation = v ? exec::parse_isolation(*v) : std::nullopt;
    if (isolation) policy.isolation = *isolation;
    else if (v) {
      r.add(node["isolation"], "code_execution.isolation: '" + *v + "' is not namespaces or none",
            "namespaces (no network, the default) or none (rlimits and a timeout only)");
    }
  }
  if (node["timeout_s"]) {
    if (const auto t = r.number(node["timeout_s"], "code_execution.timeout_s", 0.1, 3600)) policy.limits.timeout_s = *t;
  }
  if (node["memory_mb"]) {
    if (const auto m = r.integer(node["memory_mb"], "code_execution.memory_mb", 64, 1 << 20)) policy.limits.memory_mb = *m;
  }
  const std::optional<bool> allow = node["allow"] ? r.boolean(node["allow"], "code_execution.allow") : std::nullopt;
  if (!node["allow"]) r.add(node, "code_execution: missing allow", "write code_execution: {allow: true} to run the model's code");
  if (allow.value_or(false)) {
    e.code_execution = policy;
    e.code_execution_where = r.where(node);
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
    const bool control = std::any_of(e.name.begin(), e.name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (e.name.empty() || e.name == "." || e.name == ".." || control || e.name.find_first_of("/\\") != std::string::npos) {
      r.add(root["experiment"], "experiment: '" + e.name + "' cannot name a run folder", "use letters, digits and -");
    } else if (e.name.size() > static_cast<size_t>(bounds::kNameBytes.max)) {
      r.add(root["experiment"], "experiment: the name has " + std::to_string(e.name.size()) + " bytes",
            "use at most " + std::to_string(bounds::kNameBytes.max));
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
  if (root["code_execution"]) read_code_execution(root["code_execution"], r, e);
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

std::vector<std::string> BackendSpec::servers() const {
  return base_urls.empty() ? std::vector<std::string>{base_url} : base_urls;
}

std::string BackendSpec::servers_text() const {
  std::string out;
  for (const std::string& url : servers()) out += (out.empty() ? "" : ", ") + redact_urls(url);
  return out;
}

std::string ConfigProblem::message() const { return InputError::compose(where, problem, fix); }

ExperimentLoad load_experiment(const fs::path& file) {
  ExperimentLoad out;
  Experiment& e = out.experiment;
  e.file = file;
  ExperimentReader r(file.string(), e.text, out.problems);
  try {
    std::error_code ec;  // a name the file system refuses (too long, ...) is not found either
    if (!fs::is_regular_file(file, ec)) {
      r.add(file.string(), "experiment file not found", "check the path");
      return out;
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    e.text = text.str();
    const YamlParse parsed = parse_yaml(e.text);
    if (parsed.problem) {
      const YamlTextProblem& p = *parsed.problem;
      // Inside [ ] or { }, a plain ${VAR} reads as a YAML mapping: the value needs quotes.
      std::istringstream lines(e.text);
      std::string line;
      for (int i = 0; i < p.line && std::getline(lines, line); ++i) {
      }
      const bool braces = p.problem.starts_with("YAML syntax error") && line.find("${") != std::string::npos;
      r.add(p.line > 0 ? file.string() + ":" + std::to_string(p.line) : file.string(), p.problem,
            braces ? "quote values that use ${VAR} inside [ ] or { }: \"models/${NAME}.gguf\"" : p.fix);
      return out;
    }
    const YAML::Node& root = parsed.root;
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
