#include "run/merge.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "core/errors.h"
#include "run/backend_factory.h"
#include "run/sample_log.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Shard {
  int index = 0, count = 0;
  fs::path dir;
  json manifest;
  std::vector<SampleRecord> records;
};

// "2-of-4" -> (2, 4).
std::optional<std::pair<int, int>> parse_dir_name(const std::string& name) {
  const size_t of = name.find("-of-");
  if (of == std::string::npos) return std::nullopt;
  int i = -1, n = 0;
  const char* a = name.data();
  const auto [end_i, ec_i] = std::from_chars(a, a + of, i);
  const auto [end_n, ec_n] = std::from_chars(a + of + 4, a + name.size(), n);
  if (ec_i != std::errc() || end_i != a + of || ec_n != std::errc() || end_n != a + name.size() || n < 1 || i < 0 ||
      i >= n) {
    return std::nullopt;
  }
  return std::pair(i, n);
}

std::string short_sha(const json& v) { return v.is_string() ? v.get<std::string>().substr(0, 12) : v.dump(); }

// The fields every shard of one experiment shares, with what a difference means.
struct SameField {
  const char* key;
  const char* what;
};
constexpr SameField kSame[] = {
    {"config_sha256", "another experiment file (config sha256"},
    {"limit", "another --limit ("},
    {"task_sha256", "other task files (task sha256"},
    {"data_sha256", "other data sets (data sha256"},
    {"git_commit", "another qualm build (commit"},
    {"llama_cpp_commit", "another llama.cpp (commit"},
};

// The fields merge reads from a shard's manifest and the JSON type each must have: a damaged or
// hand-edited manifest is named here rather than stopping the merge with a library's message.
std::optional<std::string> manifest_shape_problem(const json& m) {
  enum Kind { kObject, kArray, kInt, kText, kTextOrNull };
  const auto fits = [](const json& v, Kind k) {
    switch (k) {
      case kObject:
        return v.is_object();
      case kArray:
        return v.is_array();
      case kInt:
        return v.is_number_integer();
      case kText:
        return v.is_string();
      case kTextOrNull:
        return v.is_string() || v.is_null();
    }
    return false;
  };
  const auto name = [](Kind k) {
    return k == kObject ? "an object" : k == kArray ? "a list" : k == kInt ? "an integer" : "a string";
  };
  const auto dotted = [](const char* path) {  // "/plan/planned" -> "plan.planned"
    std::string out(path + 1);
    std::replace(out.begin(), out.end(), '/', '.');
    return out;
  };
  const std::pair<const char*, Kind> required[] = {{"/shard", kObject}, {"/shard/index", kInt}, {"/shard/count", kInt}};
  for (const auto& [path, kind] : required) {
    const json::json_pointer p(path);
    if (!m.contains(p) || !fits(m.at(p), kind)) return dotted(path) + " must be " + name(kind);
  }
  const std::pair<const char*, Kind> optional[] = {
      {"/shard/samples", kInt},      {"/shard/units", kInt}, {"/shard/partition_sha256", kText},
      {"/config_file", kText},       {"/run_id", kText},     {"/started_at", kText},
      {"/finished_at", kTextOrNull}, {"/machine", kObject},  {"/models", kArray},
      {"/add_bos", kObject},         {"/backends", kArray},  {"/noise_floor", kArray},
      {"/errors", kArray},           {"/plan", kObject},     {"/plan/planned", kInt},
      {"/plan/configs", kArray}};
  for (const auto& [path, kind] : optional) {
    const json::json_pointer p(path);
    if (m.contains(p) && !fits(m.at(p), kind)) return dotted(path) + " must be " + name(kind);
  }
  // Rows of the lists: objects whose names are strings.
  for (const char* list : {"/models", "/backends", "/noise_floor", "/plan/configs"}) {
    const json::json_pointer p(list);
    if (!m.contains(p)) continue;
    for (const json& row : m.at(p)) {
      if (!row.is_object()) return dotted(list) + " must hold objects";
      for (const char* key : {"name", "variant", "model", "backend", "task"}) {
        if (row.contains(key) && !row[key].is_string()) return dotted(list) + "[]." + key + " must be a string";
      }
    }
  }
  return std::nullopt;
}

std::string describe(const RecordKey& k) {
  return k.config.str() + " " + k.task_name + " sample " + std::to_string(k.sample_id) + " rep " +
         std::to_string(k.rep);
}

class Merger {
 public:
  explicit Merger(fs::path dir) : dir_(std::move(dir)) {}

  MergedShards run() {
    find_shards();
    if (shards_.empty()) return std::move(out_);
    check_shards();
    name_missing();
    check_records();
    if (out_.problems.empty()) combine();
    return std::move(out_);
  }

 private:
  void problem(std::string text) { out_.problems.push_back(std::move(text)); }

  std::string rerun(int index) const {
    return "qualm run " + experiment_ + " --shard " + std::to_string(index) + "/" + std::to_string(count_) + " --out " +
           dir_.string();
  }

  void find_shards() {
    const fs::path root = dir_ / "shards";
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      problem(root.string() + ": no shards here (qualm run EXPERIMENT --shard I/N --out " + dir_.string() +
              " writes them)");
      return;
    }
    std::map<int, int> counts;  // N -> shards of it
    std::vector<std::pair<std::pair<int, int>, fs::path>> found;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      const std::string name = entry.path().filename().string();
      const auto parsed = parse_dir_name(name);
      if (!entry.is_directory() || !parsed) {
        problem(entry.path().string() + ": not a shard folder (I-of-N); remove it");
        continue;
      }
      ++counts[parsed->second];
      found.push_back({*parsed, entry.path()});
    }
    if (found.empty()) {
      problem(root.string() + ": no shard folders (I-of-N) in it");
      return;
    }
    count_ =
        std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    if (counts.size() > 1) {
      for (const auto& [n, k] : counts) {
        if (n != count_) {
          problem(root.string() + ": " + std::to_string(k) + " shard(s) of " + std::to_string(n) + " beside " +
                  std::to_string(counts[count_]) + " of " + std::to_string(count_) +
                  ": one folder holds one partition; remove the *-of-" + std::to_string(n) + " folders");
        }
      }
    }
    std::sort(found.begin(), found.end());
    std::set<int> present;
    for (const auto& [ix, path] : found) {
      if (ix.second != count_) continue;
      present.insert(ix.first);
      Shard s;
      s.index = ix.first;
      s.count = ix.second;
      s.dir = path;
      shards_.push_back(std::move(s));
    }
    for (int i = 0; i < count_; ++i) {
      if (!present.count(i)) missing_.push_back(i);
    }
  }

  void name_missing() {
    const fs::path root = dir_ / "shards";
    for (const int i : missing_) {
      problem("shard " + std::to_string(i) + " of " + std::to_string(count_) + " is missing (" +
              (root / (std::to_string(i) + "-of-" + std::to_string(count_))).string() + "): run " + rerun(i));
    }
  }

  void check_shards() {
    const json* first = nullptr;
    int first_index = 0;
    for (Shard& s : shards_) {
      const fs::path m = s.dir / "manifest.json";
      std::ifstream in(m);
      s.manifest = in ? json::parse(in, nullptr, false) : json();
      if (!in || s.manifest.is_discarded() || !s.manifest.is_object()) {
        problem("shard " + std::to_string(s.index) + ": " + m.string() + (in ? " is not valid JSON" : " is missing") +
                ": it never started or was damaged; run " + rerun(s.index));
        s.manifest = json();
        continue;
      }
      if (const auto shape = manifest_shape_problem(s.manifest)) {
        problem("shard " + std::to_string(s.index) + ": " + m.string() + " is damaged (" + *shape + "); run " +
                rerun(s.index) + " into an empty folder");
        s.manifest = json();
        continue;
      }
      const json shard = s.manifest.value("shard", json::object());
      if (shard.value("index", -1) != s.index || shard.value("count", -1) != s.count) {
        problem("shard " + std::to_string(s.index) + ": " + m.string() + " was not written by qualm run --shard " +
                std::to_string(s.index) + "/" + std::to_string(s.count) + "; run " + rerun(s.index));
        s.manifest = json();
        continue;
      }
      if (first == nullptr) {
        first = &s.manifest;
        experiment_ = s.manifest.value("config_file", experiment_);
        first_index = s.index;
        continue;
      }
      for (const SameField& f : kSame) {
        const json a = first->value(f.key, json()), b = s.manifest.value(f.key, json());
        if (a != b) {
          problem("shard " + std::to_string(s.index) + " ran " + f.what + " " + short_sha(b) + ", shard " +
                  std::to_string(first_index) + " " + short_sha(a) +
                  "): every shard must run the same; run it again with " + "the others' file and build");
        }
      }
      const std::string pa = first->value("shard", json::object()).value("partition_sha256", "");
      const std::string pb = shard.value("partition_sha256", "");
      if (pa != pb && first->value("config_sha256", json()) == s.manifest.value("config_sha256", json())) {
        problem("shard " + std::to_string(s.index) + " dealt the work differently from shard " +
                std::to_string(first_index) + " (partition " + pb.substr(0, 12) + " vs " + pa.substr(0, 12) +
                "): run it again with the others' build");
      }
    }
  }

  void check_records() {
    std::map<RecordKey, int> seen;  // -> shard
    size_t duplicates = 0;
    constexpr size_t kNamed = 5;
    for (Shard& s : shards_) {
      if (s.manifest.is_null()) continue;
      const std::string name = "shard " + std::to_string(s.index);
      try {
        s.records =
            fs::exists(s.dir / "samples.jsonl") ? read_samples(s.dir / "samples.jsonl") : std::vector<SampleRecord>{};
      } catch (const std::exception& e) {
        problem(name + ": " + user_message(e));
        continue;
      }
      const int64_t owned = s.manifest["shard"].value("samples", int64_t{0});
      const bool finished = s.manifest.value("finished_at", json()).is_string();
      if (!finished || static_cast<int64_t>(s.records.size()) < owned) {
        problem(name + " is partial: " + std::to_string(s.records.size()) + " of " + std::to_string(owned) +
                " samples" + (finished ? "" : ", not finished") + " (killed, or still running): resume it with " +
                rerun(s.index));
      }
      for (const SampleRecord& r : s.records) {
        const auto [it, fresh] = seen.emplace(r.key(), s.index);
        if (fresh) continue;
        if (++duplicates <= kNamed) {
          problem("record " + describe(r.key()) + " is in " +
                  (it->second == s.index ? name + " twice" : "shard " + std::to_string(it->second) + " and " + name) +
                  ": a shard folder was copied or edited; run that shard again into an empty folder");
        }
      }
    }
    if (duplicates > kNamed) problem("... and " + std::to_string(duplicates - kNamed) + " more duplicated records");
    if (!out_.problems.empty()) return;
    const int64_t planned = shards_.front().manifest.value("plan", json::object()).value("planned", int64_t{0});
    if (static_cast<int64_t>(seen.size()) != planned) {
      problem(std::to_string(seen.size()) + " records in the shards where the plan has " + std::to_string(planned) +
              ": run every shard again with --resume");
    }
  }

  // The unsharded run's manifest: the shards' shared fields, what each found (models, servers,
  // noise floors, errors), and who ran what.
  void combine() {
    json m = shards_.front().manifest;
    m.erase("shard");
    m["run_id"] = dir_.filename().string();
    std::map<std::pair<std::string, std::string>, json> models;
    std::vector<std::pair<std::string, std::string>> model_order;
    json noise = json::array(), errors = json::array(), shards = json::array();
    std::set<std::string> noise_seen, error_seen;
    std::string started, finished;
    for (json& b : m["backends"]) {
      if (b.is_object()) b.erase("server");  // made again below from every shard's
    }
    for (const Shard& s : shards_) {
      const json& sm = s.manifest;
      for (const json& v : sm.value("models", json::array())) {
        const auto key = std::pair(v.value("name", ""), v.value("variant", ""));
        auto it = models.find(key);
        if (it == models.end()) {
          model_order.push_back(key);
          models[key] = v;
        } else if (it->second.value("add_bos", json()).is_null() && !v.value("add_bos", json()).is_null()) {
          it->second = v;  // the shard that loaded it knows what the model says of itself
        }
      }
      const json add_bos = sm.value("add_bos", json::object());
      for (const auto& [k, v] : add_bos.items()) m["add_bos"][k] = v;
      for (size_t b = 0; b < sm.value("backends", json::array()).size() && b < m["backends"].size(); ++b) {
        if (!sm["backends"][b].contains("server")) continue;
        // Each shard's server as it answered; the requests each endpoint served, summed over the shards.
        const json& server = sm["backends"][b]["server"];
        json& merged = m["backends"][b]["server"];
        const json counted = merged.is_object() ? merged.value("endpoints", json()) : json();
        merged = server;
        merged.erase("endpoints");
        add_endpoint_counts(merged, counted);
        add_endpoint_counts(merged, server.value("endpoints", json()));
      }
      const json emb = sm.value("embedding_model", json());
      if (emb.is_object() && (emb.contains("file_used") || emb.contains("server"))) m["embedding_model"] = emb;
      for (const json& n : sm.value("noise_floor", json::array())) {
        if (noise_seen.insert(config_of(n).str() + " " + n.value("task", "")).second) noise.push_back(n);
      }
      for (const json& e : sm.value("errors", json::array())) {
        if (error_seen.insert(e.dump()).second) errors.push_back(e);
      }
      const std::string a = sm.value("started_at", ""),
                        z = sm.value("finished_at", json()).is_string() ? sm["finished_at"].get<std::string>() : "";
      if (started.empty() || (!a.empty() && a < started)) started = a;
      if (z > finished) finished = z;
      shards.push_back({{"index", s.index},
                        {"count", s.count},
                        {"dir", s.dir.string()},
                        {"run_id", sm.value("run_id", "")},
                        {"host", sm.value("machine", json::object()).value("hostname", json())},
                        {"machine", sm.value("machine", json())},
                        {"started_at", a},
                        {"finished_at", z},
                        {"qualm_version", sm.value("qualm_version", json())},
                        {"git_commit", sm.value("git_commit", json())},
                        {"llama_cpp_commit", sm.value("llama_cpp_commit", json())},
                        {"units", sm["shard"].value("units", 0)},
                        {"samples", static_cast<int64_t>(s.records.size())}});
      for (const SampleRecord& r : s.records) out_.records.push_back(r);
    }
    // In the plan's order, as the unsharded run lists them.
    std::map<ConfigKey, size_t> position;
    for (const json& c : m["plan"].value("configs", json::array())) position.emplace(config_of(c), position.size());
    const auto at = [&](const json& row) {
      const auto it = position.find(config_of(row));
      return it == position.end() ? position.size() : it->second;
    };
    std::stable_sort(noise.begin(), noise.end(), [&](const json& a, const json& b) { return at(a) < at(b); });
    const auto variant_at = [&](const std::pair<std::string, std::string>& key) {
      for (const auto& [config, i] : position) {
        if (config.model == key.first && config.variant == key.second) return i;
      }
      return position.size();
    };
    std::stable_sort(model_order.begin(), model_order.end(),
                     [&](const auto& a, const auto& b) { return variant_at(a) < variant_at(b); });
    m["models"] = json::array();
    for (const auto& key : model_order) m["models"].push_back(models[key]);
    m["noise_floor"] = noise;
    m["errors"] = errors;
    m["started_at"] = started;
    m["finished_at"] = finished;
    m["shards"] = shards;
    out_.manifest = std::move(m);
  }

  fs::path dir_;
  int count_ = 0;
  std::string experiment_ = "EXPERIMENT";  // the file the shards ran, for the commands that fix a problem
  std::vector<int> missing_;
  std::vector<Shard> shards_;
  MergedShards out_;
};

}  // namespace

MergedShards merge_shards(const fs::path& dir) { return Merger(dir).run(); }

}  // namespace qualm
