#include "config/experiment_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "io/csv.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

std::string shape_of(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  return "nothing";
}

std::string trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string range_problem(const std::string& key, bool too_small, const std::string& min, const std::string& max,
                          const std::string& got) {
  return key + (too_small ? " must be at least " + min : " must be at most " + max) + ", got " + got;
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::string lower_case(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string ExperimentReader::where(const YAML::Node& node) const {
  if (!node.IsDefined() || node.Mark().is_null()) return file_;
  const int line = node.IsNull() ? line_of_null(node.Mark()) : node.Mark().line;
  return file_ + ":" + std::to_string(line + 1);
}

// yaml-cpp marks an empty value (`path:` with nothing after it) at the next token, often on a
// later line; the key is on the last line before it that holds more than blanks or a comment.
int ExperimentReader::line_of_null(const YAML::Mark& mark) const {
  const size_t pos = std::min<size_t>(mark.pos, text_.size());
  size_t line_start = text_.rfind('\n', pos == 0 ? 0 : pos - 1);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  if (text_.find_first_not_of(" \t", line_start) < pos) return mark.line;
  int line = mark.line;
  while (line > 0 && line_start > 0) {
    const size_t end = line_start - 1;  // the '\n' that ends the previous line
    const size_t prev = text_.rfind('\n', end == 0 ? 0 : end - 1);
    line_start = (prev == std::string::npos || end == 0) ? 0 : prev + 1;
    --line;
    const size_t first = text_.find_first_not_of(" \t\r", line_start);
    if (first < end && text_[first] != '#') return line;
  }
  return mark.line;
}

void ExperimentReader::add(const std::string& where, const std::string& problem, const std::string& fix) {
  problems_.push_back({where, problem, fix});
}

bool ExperimentReader::is_map(const YAML::Node& node, const std::string& key, const std::string& example) {
  if (node.IsMap()) return true;
  add(node, key + ": expected a mapping, got " + shape_of(node), "write " + example);
  return false;
}

bool ExperimentReader::is_list(const YAML::Node& node, const std::string& key, const std::string& example) {
  if (node.IsSequence()) return true;
  add(node, key + ": expected a list, got " + shape_of(node), "write " + example);
  return false;
}

void ExperimentReader::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                                  const std::string& section) {
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      add(kv.first, "a key in " + section + " must be a name, got " + shape_of(kv.first));
      continue;
    }
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      add(kv.first, "key '" + key + "' appears twice in " + section, "keep one");
    }
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    const auto close = closest_match(key, allowed);
    std::string valid;
    for (const auto& a : allowed) valid += (valid.empty() ? "" : ", ") + a;
    add(kv.first, "unknown key '" + key + "' in " + section,
        close ? "did you mean '" + *close + "'?" : "valid keys: " + valid);
  }
}

std::optional<std::string> ExperimentReader::text(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    add(node, key + ": expected a single value, got " + shape_of(node), "write " + key + ": VALUE");
    return std::nullopt;
  }
  return expand(node.Scalar(), node);
}

std::optional<long long> ExperimentReader::integer(const YAML::Node& node, const std::string& key, long long min,
                                                   long long max, const std::string& fix) {
  const auto s = text(node, key);
  if (!s) return std::nullopt;
  long long v = 0;
  const char* end = s->data() + s->size();
  const auto [ptr, ec] = std::from_chars(s->data(), end, v);
  if (s->empty() || ec != std::errc() || ptr != end) {
    add(node, key + ": expected a whole number, got '" + *s + "'");
    return std::nullopt;
  }
  if (v < min || v > max) {
    add(node, range_problem(key, v < min, std::to_string(min), std::to_string(max), *s), fix);
    return std::nullopt;
  }
  return v;
}

std::optional<double> ExperimentReader::number(const YAML::Node& node, const std::string& key, double min,
                                               double max) {
  const auto s = text(node, key);
  if (!s) return std::nullopt;
  const auto v = parse_double(*s);
  if (!v) {
    add(node, key + ": expected a number, got '" + *s + "'");
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    add(node, range_problem(key, *v < min, format_number(min), format_number(max), *s));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ExperimentReader::boolean(const YAML::Node& node, const std::string& key) {
  const auto s = text(node, key);
  if (!s) return std::nullopt;
  const std::string v = lower_case(*s);
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  add(node, key + ": expected true or false, got '" + *s + "'");
  return std::nullopt;
}

std::optional<std::string> ExperimentReader::one_of(const YAML::Node& node, const std::string& value,
                                                     const std::string& key, const std::vector<std::string>& allowed) {
  const std::string want = lower_case(value);
  for (const auto& a : allowed) {
    if (lower_case(a) == want) return a;
  }
  std::vector<std::string> lowered;
  for (const auto& a : allowed) lowered.push_back(lower_case(a));
  const auto close = closest_match(want, lowered);
  std::string valid;
  for (const auto& a : allowed) valid += (valid.empty() ? "" : ", ") + a;
  std::string fix = "use one of " + valid;
  if (close) {
    const auto it = std::find(lowered.begin(), lowered.end(), *close);
    fix = "did you mean '" + allowed[it - lowered.begin()] + "'?";
  }
  add(node, key + ": unknown value '" + value + "'", fix);
  return std::nullopt;
}

std::optional<std::string> ExperimentReader::expand(const std::string& raw, const YAML::Node& at) {
  std::string out;
  bool ok = true;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t open = raw.find("${", pos);
    if (open == std::string::npos) break;
    const size_t close = raw.find('}', open + 2);
    if (close == std::string::npos) {
      add(at, "unterminated '${' in '" + raw + "'", "write ${NAME}");
      return std::nullopt;
    }
    out += raw.substr(pos, open - pos);
    const std::string name = raw.substr(open + 2, close - open - 2);
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value == nullptr) {
      add(at, "environment variable '" + name + "' is not set", "set " + name + " or remove the key");
      ok = false;
    } else {
      out += value;
    }
    pos = close + 1;
  }
  out += raw.substr(std::min(pos, raw.size()));
  if (!ok) return std::nullopt;
  return out;
}

std::optional<fs::path> ExperimentPaths::resolve(const std::string& written, const YAML::Node& at,
                                                 ExperimentReader& r) const {
  const fs::path p(written);
  if (p.is_absolute()) return p;
  if (written.starts_with("./") || written.starts_with("../")) return (file_dir / p).lexically_normal();
  if (!data_dir) {
    r.add(at, "'" + written + "' is relative to the data directory, which was not found",
          "set QUALM_DATA_DIR, write data_dir:, or give an absolute or ./ path");
    return std::nullopt;
  }
  return *data_dir / p;
}

void require_file(const fs::path& path, const YAML::Node& at, const std::string& what, ExperimentReader& r) {
  std::error_code ec;  // a name the file system refuses (too long, ...) is not found either
  if (!fs::is_regular_file(path, ec)) r.add(at, what + " not found: " + path.string(), "check the path");
}

void check_name(const std::string& name, std::vector<std::string>& names, const YAML::Node& at,
                const std::string& what, ExperimentReader& r, size_t max_bytes) {
  if (name.size() > max_bytes) {
    r.add(at, what + " name '" + name.substr(0, 40) + "...' has " + std::to_string(name.size()) + " bytes",
          "use at most " + std::to_string(max_bytes));
  }
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    r.add(at, what + " name holds a control character (a tab or line break?)", "use letters, digits, - and _");
  }
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    r.add(at, what + " '" + name + "' appears twice", "give each " + what + " its own name");
  }
  names.push_back(name);
}

std::vector<CostRow> read_cost_csv(const fs::path& file, const YAML::Node& at, ExperimentReader& r) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec) || !in) {
    r.add(at, "cost file not found: " + name, "check the path; it is relative to the experiment's folder");
    return {};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::vector<CsvRow> rows;
  try {
    rows = parse_csv(buffer.str(), ',', name);
  } catch (const InputError& e) {
    r.add("", e.what());
    return {};
  }
  if (rows.empty()) {
    r.add(name, "the cost file is empty", "write the header model,variant,backend,usd_per_million_tokens");
    return {};
  }
  const std::vector<std::string> kColumns = {"model", "variant", "backend", "usd_per_million_tokens"};
  std::vector<size_t> index;
  std::vector<std::string> header;
  for (const auto& f : rows[0].fields) header.push_back(trim(f));
  const std::string header_where = name + ":" + std::to_string(rows[0].line);
  for (const auto& column : kColumns) {
    const auto it = std::find(header.begin(), header.end(), column);
    if (it == header.end()) {
      const auto close = closest_match(column, header);
      r.add(header_where, "missing column '" + column + "'",
            close ? "rename '" + *close + "' to '" + column + "'" : "the header is model,variant,backend,usd_per_million_tokens");
    }
    index.push_back(static_cast<size_t>(it - header.begin()));
  }
  if (std::any_of(index.begin(), index.end(), [&](size_t i) { return i >= header.size(); })) return {};
  std::vector<CostRow> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    const CsvRow& row = rows[i];
    const std::string where = name + ":" + std::to_string(row.line);
    if (row.fields.size() != header.size()) {
      r.add(where, "expected " + std::to_string(header.size()) + " fields, got " + std::to_string(row.fields.size()),
            "one value per column of the header");
      continue;
    }
    CostRow c;
    c.model = trim(row.fields[index[0]]);
    c.variant = trim(row.fields[index[1]]);
    c.backend = trim(row.fields[index[2]]);
    c.where = where;
    if (c.model.empty() || c.variant.empty() || c.backend.empty()) {
      r.add(where, "model, variant and backend must not be empty", "name the cell this cost is for");
      continue;
    }
    const std::string cost = trim(row.fields[index[3]]);
    const auto v = parse_double(cost);
    if (!v || *v < 0) {
      r.add(where, "usd_per_million_tokens: expected a number of 0 or more, got '" + cost + "'");
      continue;
    }
    c.usd_per_million_tokens = *v;
    out.push_back(c);
  }
  return out;
}

}  // namespace qualm
