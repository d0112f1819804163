#include "config/task_lists.h"

#include <algorithm>
#include <map>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "core/python_regex.h"

namespace qualm {
namespace {

using Function = PipelineStep::Function;

std::string where_of(const YAML::Node& node, const std::string& file) {
  return file + ":" + std::to_string(node.Mark().line + 1);
}

struct FunctionInfo {
  Function function;
  std::vector<std::string> keys;  // besides `function`
};

const std::map<std::string, FunctionInfo>& functions() {
  static const std::map<std::string, FunctionInfo> kFunctions = {
      {"regex", {Function::kRegex, {"regex_pattern", "group_select", "fallback"}}},
      {"take_first", {Function::kTakeFirst, {}}},
      {"take_first_k", {Function::kTakeFirstK, {"k"}}},
      {"majority_vote", {Function::kMajorityVote, {}}},
      {"lowercase", {Function::kLowercase, {}}},
      {"uppercase", {Function::kUppercase, {}}},
      {"remove_whitespace", {Function::kRemoveWhitespace, {}}},
      {"strip_think", {Function::kStripThink, {"think_end_token"}}},
      {"prepend_prompt", {Function::kPrependPrompt, {}}},
  };
  return kFunctions;
}

std::vector<std::string> names_of(const std::map<std::string, FunctionInfo>& m) {
  std::vector<std::string> out;
  for (const auto& [name, info] : m) out.push_back(name);
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& file,
                const std::string& key) {
  for (const auto& kv : map) {
    const std::string name = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    const auto close = closest_match(name, allowed);
    throw InputError(where_of(kv.first, file), key + ": unknown key '" + name + "'",
                     close ? "did you mean '" + *close + "'?" : "valid keys here: " + joined(allowed));
  }
}

std::string text_of(const YAML::Node& node, const std::string& file, const std::string& key) {
  if (!node.IsScalar()) throw InputError(where_of(node, file), key + ": expected a single value", "write " + key + ": VALUE");
  return node.Scalar();
}

long integer_of(const YAML::Node& node, const std::string& file, const std::string& key) {
  const std::string text = text_of(node, file, key);
  try {
    return node.as<long>();
  } catch (const YAML::Exception&) {
    throw InputError(where_of(node, file), key + ": expected an integer, got '" + text + "'");
  }
}

bool flag_of(const YAML::Node& node, const std::string& file, const std::string& key) {
  const std::string text = text_of(node, file, key);
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  throw InputError(where_of(node, file), key + ": expected true or false, got '" + text + "'");
}

void check_pattern(const std::string& pattern, const std::string& where, const std::string& key) {
  const PythonRegex::Compiled c = PythonRegex::compile(pattern);
  if (!c.regex) throw InputError(where, key + ": pattern '" + pattern + "' cannot run: " + c.problem, c.fix);
}

PipelineStep read_step(const YAML::Node& node, const std::string& file, const std::string& key) {
  if (!node.IsMap()) {
    throw InputError(where_of(node, file), key + ": expected a mapping", "write {function: regex, regex_pattern: '...'}");
  }
  PipelineStep step;
  step.where = where_of(node, file);
  step.key = key;
  const YAML::Node function = node["function"];
  if (!function) throw InputError(step.where, key + ": missing key 'function'", "name one of " + joined(names_of(functions())));
  const std::string name = text_of(function, file, key + ".function");
  const auto it = functions().find(name);
  if (it == functions().end()) {
    const auto close = closest_match(name, names_of(functions()));
    throw InputError(where_of(function, file), key + ".function: unknown filter function '" + name + "'",
                     close ? "did you mean '" + *close + "'?" : "qualm runs " + joined(names_of(functions())));
  }
  step.function = it->second.function;
  std::vector<std::string> allowed = it->second.keys;
  allowed.push_back("function");
  check_keys(node, allowed, file, key);
  if (const YAML::Node v = node["regex_pattern"]) step.regex_pattern = text_of(v, file, key + ".regex_pattern");
  if (const YAML::Node v = node["group_select"]) step.group_select = integer_of(v, file, key + ".group_select");
  if (const YAML::Node v = node["fallback"]) step.fallback = text_of(v, file, key + ".fallback");
  if (const YAML::Node v = node["think_end_token"]) {
    step.think_end_token = text_of(v, file, key + ".think_end_token");
    if (step.think_end_token.empty()) throw InputError(where_of(v, file), key + ".think_end_token: must not be empty");
  }
  if (step.function == Function::kRegex) {
    const YAML::Node v = node["regex_pattern"];
    check_pattern(step.regex_pattern, v ? where_of(v, file) : step.where, key + ".regex_pattern");
  }
  if (step.function == Function::kTakeFirstK) {
    const YAML::Node v = node["k"];
    if (!v) throw InputError(step.where, key + ": take_first_k needs k", "write {function: take_first_k, k: 8}");
    step.k = integer_of(v, file, key + ".k");
    if (step.k < 1) throw InputError(where_of(v, file), key + ".k: must be at least 1");
  }
  return step;
}

}  // namespace

bool is_pipeline_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

std::vector<FilterPipeline> read_filter_list(const YAML::Node& node, const std::string& file) {
  if (!node.IsSequence()) {
    throw InputError(where_of(node, file), "filter_list: expected a list of pipelines",
                     "write filter_list: [{name: strict-match, filter: [{function: regex, regex_pattern: '...'}, {function: take_first}]}]");
  }
  std::vector<FilterPipeline> out;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    FilterPipeline p;
    p.key = "filter_list[" + std::to_string(i) + "]";
    p.where = where_of(item, file);
    if (!item.IsMap()) throw InputError(p.where, p.key + ": expected a mapping", "write {name: NAME, filter: [...]}");
    check_keys(item, {"name", "filter"}, file, p.key);
    if (!item["name"]) throw InputError(p.where, p.key + ": missing key 'name'", "name the pipeline, e.g. name: strict-match");
    p.name = text_of(item["name"], file, p.key + ".name");
    if (!is_pipeline_name(p.name)) {
      throw InputError(where_of(item["name"], file),
                       p.key + ".name: '" + p.name + "' may hold only letters, digits, '_', '-' and '.'",
                       "a metric is reported as METRIC,NAME and gates read METRIC@TASK:MODEL; e.g. write maj@8 as maj8");
    }
    for (const FilterPipeline& other : out) {
      if (other.name == p.name) throw InputError(p.where, p.key + ".name: '" + p.name + "' names two pipelines", "rename one");
    }
    const YAML::Node steps = item["filter"];
    if (!steps || !steps.IsSequence() || steps.size() == 0) {
      throw InputError(steps ? where_of(steps, file) : p.where, p.key + ".filter: expected a list of filter functions",
                       "write filter: [{function: regex, regex_pattern: '...'}, {function: take_first}]");
    }
    for (size_t s = 0; s < steps.size(); ++s) {
      p.steps.push_back(read_step(steps[s], file, p.key + ".filter[" + std::to_string(s) + "]"));
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> read_metric_list(const YAML::Node& node, const std::string& file,
                                          std::map<std::string, MetricOptionsSpec>& options) {
  if (!node.IsSequence()) {
    throw InputError(where_of(node, file), "metric_list: expected a list", "write metric_list: [{metric: exact_match}]");
  }
  static const std::vector<std::string> kKeys = {"metric",       "aggregation",        "higher_is_better", "ignore_case",
                                                 "ignore_punctuation", "ignore_numbers", "regexes_to_ignore"};
  std::vector<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string key = "metric_list[" + std::to_string(i) + "]";
    if (!item.IsMap()) throw InputError(where_of(item, file), key + ": expected a mapping", "write {metric: exact_match}");
    check_keys(item, kKeys, file, key);
    if (!item["metric"]) throw InputError(where_of(item, file), key + ": missing key 'metric'");
    const std::string name = text_of(item["metric"], file, key + ".metric");
    if (options.contains(name)) throw InputError(where_of(item, file), key + ": metric '" + name + "' is listed twice");
    MetricOptionsSpec o;
    o.where = where_of(item, file);
    for (const char* option : {"ignore_case", "ignore_punctuation", "ignore_numbers", "regexes_to_ignore"}) {
      if (item[option] && name != "exact_match") {
        throw InputError(where_of(item[option], file), key + "." + option + ": is an option of exact_match, not of " + name,
                         "drop it");
      }
    }
    if (const YAML::Node v = item["ignore_case"]) o.ignore_case = flag_of(v, file, key + ".ignore_case");
    if (const YAML::Node v = item["ignore_punctuation"]) o.ignore_punctuation = flag_of(v, file, key + ".ignore_punctuation");
    if (const YAML::Node v = item["ignore_numbers"]) o.ignore_numbers = flag_of(v, file, key + ".ignore_numbers");
    if (const YAML::Node v = item["regexes_to_ignore"]) {
      if (!v.IsSequence()) throw InputError(where_of(v, file), key + ".regexes_to_ignore: expected a list of patterns");
      for (size_t r = 0; r < v.size(); ++r) {
        const std::string rkey = key + ".regexes_to_ignore[" + std::to_string(r) + "]";
        const std::string pattern = text_of(v[r], file, rkey);
        check_pattern(pattern, where_of(v[r], file), rkey);
        o.regexes_to_ignore.push_back({pattern, where_of(v[r], file)});
      }
    }
    if (const YAML::Node v = item["aggregation"]) o.aggregation = {text_of(v, file, key + ".aggregation"), where_of(v, file)};
    if (const YAML::Node v = item["higher_is_better"]) {
      o.higher_is_better = {flag_of(v, file, key + ".higher_is_better") ? "true" : "false", where_of(v, file)};
    }
    options[name] = std::move(o);
    names.push_back(name);
  }
  return names;
}

void check_pipelines(const std::vector<FilterPipeline>& pipelines, int repeats, const std::string& repeats_where,
                     std::optional<int> code_k) {
  for (const FilterPipeline& p : pipelines) {
    long n = repeats;
    for (const PipelineStep& s : p.steps) {
      if (s.function == Function::kTakeFirst || s.function == Function::kMajorityVote) n = 1;
      if (s.function == Function::kTakeFirstK) {
        if (s.k > n) {
          throw InputError(s.where, s.key + ".k: take_first_k takes " + std::to_string(s.k) + " responses but there are " +
                                        std::to_string(n) + " per document",
                           "raise repeats to at least " + std::to_string(s.k) +
                               (repeats_where.empty() ? "" : " (" + repeats_where + ")"));
        }
        n = s.k;
      }
    }
    if (code_k && n < *code_k) {
      throw InputError(p.where, p.key + " ('" + p.name + "') leaves " + std::to_string(n) + " responses per document and pass@" +
                                    std::to_string(*code_k) + " draws " + std::to_string(*code_k),
                       "raise repeats to at least " + std::to_string(*code_k) + ", and drop take_first from the pipeline");
    }
    if (n != 1 && !code_k) {
      throw InputError(p.where, p.key + " ('" + p.name + "') ends with " + std::to_string(n) +
                                    " responses per document; a metric scores one",
                       "end the pipeline with {function: take_first} or majority_vote then take_first (only code "
                       "metrics, pass@K, score several)");
    }
  }
}

}  // namespace qualm
