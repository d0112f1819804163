#include "tasks/task_data.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <numeric>
#include <random>

#include "core/errors.h"
#include "tasks/template.h"

namespace qualm {

namespace fs = std::filesystem;
using nlohmann::json;

json vars_scope(const TaskSpec& spec) {
  json scope = json::object();
  for (const auto& [k, v] : spec.vars) scope[k] = v;
  return scope;
}

std::string fill_vars(const Sourced& s, const TaskSpec& spec) {
  return Template::parse(s.text, s.where).render(vars_scope(spec), s.where);
}

std::string doc_where(const std::string& file, const Doc& doc, size_t index) {
  return doc.line > 0 ? file + ":" + std::to_string(doc.line) : file + " (document " + std::to_string(index + 1) + ")";
}

fs::path resolve_dataset(const std::string& path, const fs::path& base_dir, const fs::path& data_dir) {
  return path.starts_with("./") ? base_dir / path.substr(2) : data_dir / path;
}

namespace {

// A row's integer: a JSON integer, or text of digits (CSV and TSV fields are text).
std::optional<long long> integer_of(const json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  long long out = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::vector<Doc> load_docs(const DatasetSpec& d, const TaskSpec& spec, const fs::path& data_dir,
                           std::string& display_name) {
  display_name = fill_vars(d.path, spec);
  const fs::path file = resolve_dataset(display_name, d.base_dir, data_dir);
  std::error_code ec;  // a name the file system refuses (too long, ...) is not found either
  if (!fs::is_regular_file(file, ec)) {
    throw InputError(d.path.where, "dataset file '" + file.string() + "' not found",
                     "check dataset.path (relative to the data directory, QUALM_DATA_DIR)");
  }
  std::optional<DataFormat> format;
  if (!d.format.text.empty()) format = parse_data_format(d.format.text, d.format.where);
  else format = guess_data_format(file);
  if (!format) throw InputError(d.path.where, "cannot tell the format of '" + display_name + "'", "add dataset.format");
  std::vector<Doc> docs = read_dataset(file, *format, display_name);
  if (d.rows) {
    std::vector<Doc> kept;
    for (size_t index = 0; index < docs.size(); ++index) {
      const json* v = docs[index].fields.contains(d.rows->field) ? &docs[index].fields[d.rows->field] : nullptr;
      const std::optional<long long> id = v == nullptr ? std::nullopt : integer_of(*v);
      if (!id) {
        throw InputError(doc_where(display_name, docs[index], index),
                         "field '" + d.rows->field + "' is " + (v == nullptr ? "missing" : "not an integer") + " (rows, " +
                             d.rows->where + ")",
                         "fix the row or rows.field");
      }
      if (*id >= d.rows->from && *id <= d.rows->to) kept.push_back(std::move(docs[index]));
    }
    docs = std::move(kept);
  }
  const json vars = vars_scope(spec);
  for (size_t index = 0; index < docs.size(); ++index) {
    Doc& doc = docs[index];
    const std::string where = doc_where(display_name, doc, index);
    for (const auto& [name, sources] : d.fields) {
      json value = json::array();
      for (const std::string& source : sources) {
        if (!doc.fields.contains(source)) {
          throw InputError(where, "field '" + source + "' is missing (dataset.fields." + name + ", " + d.fields_where + ")",
                           "fix the row or the field mapping");
        }
        value.push_back(doc.fields[source]);
      }
      doc.fields[name] = d.field_is_list.at(name) ? value : value[0];
    }
    for (const auto& [k, v] : vars.items()) {
      if (!doc.fields.contains(k)) doc.fields[k] = v;
    }
  }
  return docs;
}

std::vector<size_t> pick_fewshot(const FewshotSpec& f, size_t pool, int k, long self, int doc_id) {
  std::vector<size_t> order(pool);
  std::iota(order.begin(), order.end(), size_t{0});
  if (f.sampler.text == "seeded") {
    std::mt19937_64 rng(f.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(doc_id));
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::vector<size_t> out;
  for (size_t i : order) {
    if (static_cast<int>(out.size()) == k) break;
    if (static_cast<long>(i) == self) continue;
    out.push_back(i);
  }
  return out;
}

}  // namespace qualm
