// backends: llama ones with their engine options, openai and ollama ones with their server.

#include <algorithm>
#include <string>
#include <vector>

#include "config/bounds.h"
#include "config/engine_options.h"
#include "config/experiment_sections.h"
#include "core/redact.h"

namespace qualm {
namespace {

const std::vector<std::string> kBackendTypes = {"llama", "openai", "ollama"};
const std::vector<std::string> kDevices = {"cpu", "cuda"};

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
        const std::string fix = o.max_of_machine == nullptr ? "" : std::string(o.name) + ": " + engine_range_text(o);
        if (const auto v = r.integer(node, *key, o.min, engine_max(o), fix)) engine.*o.number = as_int(*v);
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

// The keys only a llama backend takes: device and the engine options.
std::vector<std::string> llama_only_keys() {
  std::vector<std::string> keys = {"device"};
  for (const EngineOption& o : engine_options()) {
    if (o.uses & kExperiments) keys.insert(keys.end(), o.keys.begin(), o.keys.end());
  }
  return keys;
}
const std::vector<std::string> kRemoteKeys = {"base_url", "base_urls", "model", "api_key_env",
                                              "chat", "concurrency", "timeout_s", "retries"};

// A problem unless `url` is an http:// or https:// URL; `key` names it in the message.
bool check_url(const YAML::Node& at, const std::string& key, const std::string& url, ExperimentReader& r) {
  if (url.starts_with("http://") || url.starts_with("https://")) return true;
  r.add(at, key + ": '" + redact_urls(url) + "' is not an http:// or https:// URL", "write http://host:port");
  return false;
}

// base_urls: several servers of the same model, each checked; base_url becomes the first.
void read_base_urls(const YAML::Node& node, ExperimentReader& r, BackendSpec& b) {
  if (!r.is_list(node, "base_urls", "base_urls: [http://127.0.0.1:8080, http://127.0.0.1:8081]")) return;
  if (node.size() == 0) {
    r.add(node, "base_urls: is empty", "list the servers, or write base_url: URL for one");
    return;
  }
  std::vector<std::string> urls;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string key = "base_urls[" + std::to_string(i) + "]";
    const auto v = r.text(node[i], key);
    if (!v || !check_url(node[i], key, *v, r)) continue;
    if (std::find(urls.begin(), urls.end(), *v) != urls.end()) {
      r.add(node[i], key + ": '" + redact_urls(*v) + "' is listed twice", "list each server once");
      continue;
    }
    urls.push_back(*v);
  }
  if (urls.size() != node.size()) return;
  b.base_urls = urls;
  b.base_url = urls.front();
}

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
  if (item["base_url"] && item["base_urls"]) {
    r.add(item["base_urls"], "base_url and base_urls are both given",
          "keep one: base_url for one server, base_urls: [URL, URL] for several servers of the same model");
  } else if (item["base_urls"]) {
    read_base_urls(item["base_urls"], r, b);
  } else if (!item["base_url"]) {
    r.add(item, "a backend of type " + b.type + " needs base_url",
          "write base_url: http://127.0.0.1:8080 (or base_urls: [URL, URL] for several servers)");
  } else if (const auto v = r.text(item["base_url"], "base_url")) {
    if (check_url(item["base_url"], "base_url", *v, r)) b.base_url = *v;
  }
  if (!item["model"]) r.add(item, "a backend of type " + b.type + " needs model (the name the server serves)", "write model: NAME");
  else if (const auto v = r.text(item["model"], "model")) b.model = *v;
  if (item["api_key_env"]) {
    if (const auto v = r.text(item["api_key_env"], "api_key_env")) b.api_key_env = *v;
  }
  if (item["chat"]) {
    if (const auto v = r.boolean(item["chat"], "chat")) b.chat = *v;
  }
  if (item["concurrency"]) {
    const auto v = r.integer(item["concurrency"], "concurrency", bounds::kConcurrency.min, bounds::kConcurrency.max);
    if (v) b.concurrency = as_int(*v);
  }
  if (item["retries"]) {
    if (const auto v = r.integer(item["retries"], "retries", bounds::kRetries.min, bounds::kRetries.max)) b.retries = as_int(*v);
  }
  if (item["timeout_s"]) {
    if (const auto v = r.number(item["timeout_s"], "timeout_s", bounds::kTimeoutMin, bounds::kTimeoutMax)) b.timeout_s = *v;
  }
}
}  // namespace

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
    if (!b.name.empty()) check_name(b.name, names, item["name"], "backend", r);
    e.backends.push_back(b);
  }
}

}  // namespace qualm
