#include "config/task_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "config/task_lists.h"
#include "config/yaml_text.h"
#include "core/did_you_mean.h"
#include "core/errors.h"
#include "core/python_regex.h"
#include "metrics/pass_at_k.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

// A YAML value after include: merging; maps keep their keys apart so that a variant can
// override one nested key, and every value keeps the file it was written in.
struct Entry {
  YAML::Node node;
  std::string file;
  bool is_map = false;
  std::map<std::string, Entry> map;
};

std::string where_of(const Entry& e) { return e.file + ":" + std::to_string(e.node.Mark().line + 1); }

Entry to_entry(const YAML::Node& node, const std::string& file) {
  Entry e;
  e.node = node;
  e.file = file;
  if (!node.IsMap()) return e;
  e.is_map = true;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      throw InputError(file + ":" + std::to_string(kv.first.Mark().line + 1), "a key must be a name, not a " +
                                                                                std::string(kv.first.IsMap() ? "mapping" : kv.first.IsSequence() ? "list" : "null"),
                       "write name: value");
    }
    const std::string key = kv.first.Scalar();
    if (e.map.count(key) > 0) {
      throw InputError(file + ":" + std::to_string(kv.first.Mark().line + 1), "key '" + key + "' appears twice", "keep one");
    }
    e.map[key] = to_entry(kv.second, file);
  }
  return e;
}

void merge_into(Entry& base, const Entry& over) {
  if (!base.is_map || !over.is_map) {
    base = over;
    return;
  }
  for (const auto& [key, value] : over.map) {
    auto it = base.map.find(key);
    if (it == base.map.end()) base.map.emplace(key, value);
    else merge_into(it->second, value);
  }
}

Entry load_merged(const fs::path& file, std::vector<fs::path>& stack) {
  std::error_code ec;  // a path the file system refuses (a name too long, ...) is one it cannot find
  fs::path canonical = fs::weakly_canonical(file, ec);
  if (ec) canonical = file.lexically_normal();
  if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) {
    throw InputError(file.string(), "include cycle", "a task file cannot include itself, directly or through others");
  }
  if (!fs::is_regular_file(file, ec)) throw InputError(file.string(), "task file not found", "check the path");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw InputError(file.string(), "cannot be read", "check its permissions");
  const YamlParse parsed = parse_yaml(text.str());
  if (parsed.problem) {
    const int line = parsed.problem->line;
    throw InputError(line > 0 ? file.string() + ":" + std::to_string(line) : file.string(), parsed.problem->problem,
                     parsed.problem->fix);
  }
  const YAML::Node& root = parsed.root;
  if (!root.IsMap()) throw InputError(file.string(), "a task file must be a YAML mapping", "write key: value lines");
  Entry own = to_entry(root, file.string());
  auto include = own.map.find("include");
  if (include == own.map.end()) return own;
  if (!include->second.node.IsScalar()) {
    throw InputError(where_of(include->second), "include: must be one file name", "write include: _base.yaml");
  }
  stack.push_back(canonical);
  Entry merged = load_merged(file.parent_path() / include->second.node.as<std::string>(), stack);
  stack.pop_back();
  own.map.erase("include");
  merge_into(merged, own);
  return merged;
}

void check_keys(const Entry& e, const std::vector<std::string>& allowed, const std::string& what) {
  for (const auto& [key, value] : e.map) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    const auto close = closest_match(key, allowed);
    throw InputError(where_of(value), "unknown key '" + key + "' in " + what,
                     close ? "did you mean '" + *close + "'?" : "valid keys are listed in tasks/README.md");
  }
}

const Entry* find(const Entry& e, const std::string& key) {
  auto it = e.map.find(key);
  return it == e.map.end() ? nullptr : &it->second;
}

std::string scalar(const Entry& e, const std::string& key) {
  if (!e.node.IsScalar()) throw InputError(where_of(e), key + ": expected a single value", "write " + key + ": VALUE");
  return e.node.as<std::string>();
}

Sourced sourced(const Entry& e, const std::string& key) { return {scalar(e, key), where_of(e)}; }

std::vector<std::string> strings(const Entry& e, const std::string& key) {
  if (e.node.IsScalar()) return {e.node.as<std::string>()};
  if (!e.node.IsSequence()) throw InputError(where_of(e), key + ": expected a name or a list of names");
  std::vector<std::string> out;
  for (const auto& item : e.node) {
    if (!item.IsScalar()) throw InputError(where_of(e), key + ": every item must be a single value");
    out.push_back(item.as<std::string>());
  }
  return out;
}

long long integer(const Entry& e, const std::string& key) {
  try {
    return e.node.as<long long>();
  } catch (const YAML::Exception&) {
    throw InputError(where_of(e), key + ": expected an integer, got '" + scalar(e, key) + "'");
  }
}

void read_dataset_keys(const Entry& e, DatasetSpec& d, const std::string& key) {
  if (const Entry* v = find(e, "path")) {
    d.path = sourced(*v, key + ".path");
    d.base_dir = fs::path(v->file).parent_path();
  }
  if (const Entry* v = find(e, "format")) d.format = sourced(*v, key + ".format");
  if (const Entry* v = find(e, "fields")) {
    if (!v->is_map) throw InputError(where_of(*v), key + ".fields: expected a mapping of new name: source field(s)");
    d.fields_where = where_of(*v);
    for (const auto& [name, source] : v->map) {
      d.fields[name] = strings(source, key + ".fields." + name);
      d.field_is_list[name] = source.node.IsSequence();
    }
  }
  if (const Entry* v = find(e, "rows")) {
    const std::string example = "write " + key + ".rows: {field: task_id, from: 11, to: 510}";
    if (!v->is_map) throw InputError(where_of(*v), key + ".rows: expected a mapping", example);
    check_keys(*v, {"field", "from", "to"}, key + ".rows");
    RowRange r;
    r.where = where_of(*v);
    const Entry* field = find(*v, "field");
    const Entry* from = find(*v, "from");
    const Entry* to = find(*v, "to");
    if (field == nullptr || from == nullptr || to == nullptr) throw InputError(r.where, key + ".rows: needs field, from and to", example);
    r.field = scalar(*field, key + ".rows.field");
    r.from = integer(*from, key + ".rows.from");
    r.to = integer(*to, key + ".rows.to");
    if (r.from > r.to) throw InputError(r.where, key + ".rows: from is after to", example);
    d.rows = r;
  }
}

// Why std::regex (ECMAScript, as text filters run it) refuses a pattern, in words.
std::optional<std::string> regex_problem(const std::string& pattern) {
  try {
    std::regex re(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return regex_error_words(e.code());
  }
  return std::nullopt;
}

const std::vector<std::string> kTaskKeys = [] {
  std::vector<std::string> keys = {
      "task",        "group",         "include",       "output_type", "task_type",        "vars",
      "dataset",     "fewshot",       "num_fewshot",   "description", "doc_to_text",      "doc_to_target",
      "doc_to_choice", "target_delimiter", "fewshot_delimiter", "metrics", "generation_kwargs", "filters",
      "continuation", "multiple_inputs", "filter_list", "metric_list", "repeats"};
  keys.insert(keys.end(), kChatKeys.begin(), kChatKeys.end());  // config/chat_settings.h
  return keys;
}();
const std::vector<std::string> kGenerationKeys = {"max_new_tokens", "temperature", "top_p", "top_k", "stop", "chat"};
const std::vector<std::string> kDatasetKeys = {"path", "format", "fields", "rows"};
const std::vector<std::string> kFewshotKeys = {"path", "format", "fields", "rows", "sampler", "seed", "doc_to_target"};
const std::vector<std::string> kOutputTypes = {"multiple_choice", "generate", "loglikelihood", "loglikelihood_rolling",
                                               "kld"};

double real(const Entry& e, const std::string& key) {
  try {
    return e.node.as<double>();
  } catch (const YAML::Exception&) {
    throw InputError(where_of(e), key + ": expected a number, got '" + scalar(e, key) + "'");
  }
}

bool boolean(const Entry& e, const std::string& key) {
  const std::string flag = scalar(e, key);
  if (flag != "true" && flag != "false") throw InputError(where_of(e), key + ": expected true or false, got '" + flag + "'");
  return flag == "true";
}

McMode mc_mode(const Entry& e) {
  const std::string name = scalar(e, "mc_mode");
  if (const auto m = parse_mc_mode(name)) return *m;
  throw InputError(where_of(e), "mc_mode: expected loglikelihood or generate, got '" + name + "'");
}

// The chat keys (config/chat_settings.h), and generation_kwargs.chat, the older name of
// apply_chat_template.
void read_chat(const Entry& root, TaskSpec& t) {
  const Entry* gen = find(root, "generation_kwargs");
  const Entry* legacy = gen != nullptr && gen->is_map ? find(*gen, "chat") : nullptr;
  if (legacy != nullptr) t.chat.apply_chat_template = boolean(*legacy, "generation_kwargs.chat");
  for (const std::string& key : kChatKeys) {
    const Entry* v = find(root, key);
    if (v == nullptr) continue;
    if (t.chat_where.empty()) t.chat_where = where_of(*v);
    if (key == "apply_chat_template") t.chat.apply_chat_template = boolean(*v, key);
    else if (key == "fewshot_as_multiturn") t.chat.fewshot_as_multiturn = boolean(*v, key);
    else if (key == "system_prompt") t.chat.system_prompt = scalar(*v, key);
    else if (key == "gen_prefix") t.chat.gen_prefix = scalar(*v, key);
    else t.chat.mc_mode = mc_mode(*v);
  }
  if (legacy != nullptr && t.chat_where.empty()) t.chat_where = where_of(*legacy);
}

GenerationSpec read_generation(const Entry& e) {
  if (!e.is_map) throw InputError(where_of(e), "generation_kwargs: expected a mapping");
  check_keys(e, kGenerationKeys, "generation_kwargs");
  GenerationSpec g;
  if (const Entry* v = find(e, "max_new_tokens")) {
    g.max_new_tokens = static_cast<int>(integer(*v, "generation_kwargs.max_new_tokens"));
    if (*g.max_new_tokens < 1) throw InputError(where_of(*v), "max_new_tokens must be at least 1");
  }
  if (const Entry* v = find(e, "temperature")) g.temperature = real(*v, "generation_kwargs.temperature");
  if (const Entry* v = find(e, "top_p")) g.top_p = real(*v, "generation_kwargs.top_p");
  if (const Entry* v = find(e, "top_k")) g.top_k = static_cast<int>(integer(*v, "generation_kwargs.top_k"));
  if (const Entry* v = find(e, "stop")) g.stop = strings(*v, "generation_kwargs.stop");
  return g;
}

std::vector<TextFilter> read_filters(const Entry& e) {
  if (!e.node.IsSequence()) throw InputError(where_of(e), "filters: expected a list", "e.g. filters: [strip, first_line]");
  std::vector<TextFilter> out;
  for (const auto& item : e.node) {
    TextFilter f;
    f.where = where_of(e);
    if (item.IsMap() && item["regex"]) {
      f.kind = TextFilter::Kind::kRegex;
      if (!item["regex"].IsScalar()) throw InputError(where_of(e), "filter regex: expected a pattern", "write {regex: 'PATTERN'}");
      f.pattern = item["regex"].Scalar();
      if (const auto problem = regex_problem(f.pattern)) {
        throw InputError(where_of(e), "filter regex '" + f.pattern + "' is not valid: " + *problem, "fix the pattern");
      }
    } else if (item.IsScalar()) {
      const std::string name = item.as<std::string>();
      static const std::vector<std::string> kNames = {"strip", "first_line", "truncate_at_stop"};
      if (name == "strip") f.kind = TextFilter::Kind::kStrip;
      else if (name == "first_line") f.kind = TextFilter::Kind::kFirstLine;
      else if (name == "truncate_at_stop") f.kind = TextFilter::Kind::kTruncateAtStop;
      else {
        const auto close = closest_match(name, kNames);
        throw InputError(where_of(e), "unknown filter '" + name + "'",
                         close ? "did you mean '" + *close + "'?" : "use strip, first_line, truncate_at_stop or {regex: ...}");
      }
    } else {
      throw InputError(where_of(e), "a filter is a name or {regex: PATTERN}");
    }
    out.push_back(f);
  }
  return out;
}

// Code metrics (pass@K) score all of a document's samples, every other metric one: the
// pipelines and repeats must leave what they score.
void check_samples(const TaskSpec& t) {
  std::optional<int> code_k;
  bool other = t.metrics.empty();
  for (const std::string& m : t.metrics) {
    const auto k = metrics::pass_at_k_of(m);
    if (k) code_k = std::max(code_k.value_or(0), *k);
    else other = true;
  }
  if (code_k && other) {
    throw InputError(t.metrics_where, "pass@" + std::to_string(*code_k) + " scores every sample of a document and the other metrics one",
                     "score the code metrics in a task of their own");
  }
  check_pipelines(t.filter_list, t.repeats, t.repeats_where, code_k);
  if (code_k && t.filter_list.empty() && t.repeats < *code_k) {
    throw InputError(t.metrics_where, "pass@" + std::to_string(*code_k) + " draws " + std::to_string(*code_k) +
                                          " samples per document and repeats is " + std::to_string(t.repeats),
                     "set repeats: " + std::to_string(*code_k) + " or more");
  }
  if (t.repeats > 1 && t.filter_list.empty() && !code_k) {
    throw InputError(t.repeats_where, "repeats: " + std::to_string(t.repeats) + " needs a filter_list to choose among the responses",
                     "add a pipeline ending in take_first or majority_vote");
  }
}

}  // namespace

TaskSpec load_task_spec(const fs::path& file) {
  std::vector<fs::path> stack;
  const Entry root = load_merged(file, stack);
  check_keys(root, kTaskKeys, "a task file");
  TaskSpec t;
  t.file = file;
  const std::string top = file.string();

  const Entry* name = find(root, "task");
  if (name == nullptr) throw InputError(top, "missing key 'task'", "name the task: task: my_task");
  t.name = scalar(*name, "task");
  if (const Entry* v = find(root, "group")) t.groups = strings(*v, "group");
  if (const Entry* v = find(root, "task_type")) t.task_type = scalar(*v, "task_type");

  const Entry* output_type = find(root, "output_type");
  if (output_type == nullptr) throw InputError(top, "missing key 'output_type'", "write output_type: multiple_choice");
  t.output_type = sourced(*output_type, "output_type");
  if (std::find(kOutputTypes.begin(), kOutputTypes.end(), t.output_type.text) == kOutputTypes.end()) {
    const auto close = closest_match(t.output_type.text, kOutputTypes);
    throw InputError(t.output_type.where, "output_type '" + t.output_type.text + "' is not supported by qualm eval yet",
                     close ? "did you mean '" + *close + "'?" : "use multiple_choice");
  }

  if (const Entry* v = find(root, "vars")) {
    if (!v->is_map) throw InputError(where_of(*v), "vars: expected a mapping of name: value");
    for (const auto& [key, value] : v->map) t.vars[key] = scalar(value, "vars." + key);
  }
  const Entry* dataset = find(root, "dataset");
  if (dataset == nullptr || !dataset->is_map) {
    throw InputError(dataset ? where_of(*dataset) : top, "missing dataset mapping",
                     "write dataset: {path: datasets/..., format: csv}");
  }
  check_keys(*dataset, kDatasetKeys, "dataset");
  read_dataset_keys(*dataset, t.dataset, "dataset");
  if (t.dataset.path.text.empty()) throw InputError(where_of(*dataset), "dataset.path is missing");

  if (const Entry* v = find(root, "fewshot")) {
    if (!v->is_map) throw InputError(where_of(*v), "fewshot: expected a mapping");
    check_keys(*v, kFewshotKeys, "fewshot");
    if (find(*v, "path") != nullptr) {
      DatasetSpec shots = t.dataset;  // format and fields as the task's unless given
      shots.format = {};
      read_dataset_keys(*v, shots, "fewshot");
      t.fewshot.dataset = shots;
    }
    if (const Entry* s = find(*v, "sampler")) t.fewshot.sampler = sourced(*s, "fewshot.sampler");
    if (t.fewshot.sampler.text != "first_n" && t.fewshot.sampler.text != "seeded") {
      throw InputError(t.fewshot.sampler.where, "fewshot.sampler '" + t.fewshot.sampler.text + "' is unknown",
                       "use first_n or seeded");
    }
    if (const Entry* s = find(*v, "seed")) t.fewshot.seed = static_cast<uint64_t>(integer(*s, "fewshot.seed"));
    if (const Entry* s = find(*v, "doc_to_target")) {
      if (t.output_type.text != "generate") throw InputError(where_of(*s), "fewshot.doc_to_target is for generate tasks");
      t.fewshot.doc_to_target = sourced(*s, "fewshot.doc_to_target");
    }
  }
  if (const Entry* v = find(root, "num_fewshot")) {
    const long long n = integer(*v, "num_fewshot");
    if (n < 0) throw InputError(where_of(*v), "num_fewshot must be 0 or more");
    t.num_fewshot = static_cast<int>(n);
  }
  if (const Entry* v = find(root, "description")) t.description = sourced(*v, "description");
  const bool generate = t.output_type.text == "generate";
  // loglikelihood_rolling and kld score a text: doc_to_target (default doc_to_text), no choices.
  const bool text_only = t.output_type.text == "loglikelihood_rolling" || t.output_type.text == "kld";
  const Entry* text = find(root, "doc_to_text");
  if (text == nullptr) throw InputError(top, "missing key 'doc_to_text'", "write the prompt template");
  t.doc_to_text = sourced(*text, "doc_to_text");
  if (const Entry* v = find(root, "doc_to_target")) t.doc_to_target = sourced(*v, "doc_to_target");
  else if (!generate && !text_only) throw InputError(top, "missing key 'doc_to_target'", "write the template of the gold choice");
  const Entry* choice = find(root, "doc_to_choice");
  // loglikelihood (lm-eval's): one continuation, doc_to_target, scored after the context.
  const bool single = scores_one_continuation(t);
  if (choice != nullptr && single) {
    throw InputError(where_of(*choice), "doc_to_choice is for multiple_choice tasks; a loglikelihood task scores doc_to_target",
                     "drop it, or use output_type: multiple_choice");
  }
  if (choice == nullptr && !generate && !text_only && !single) {
    throw InputError(top, "missing key 'doc_to_choice'", "a multiple_choice task lists its choices");
  }
  if (choice != nullptr && (generate || text_only)) {
    throw InputError(where_of(*choice), "doc_to_choice is for multiple_choice tasks", "drop it, or use output_type: multiple_choice");
  }
  if (choice != nullptr && choice->node.IsSequence()) {
    for (const auto& item : choice->node) {
      if (!item.IsScalar()) throw InputError(where_of(*choice), "doc_to_choice: every item must be text");
      t.choice_list.push_back({item.as<std::string>(), where_of(*choice)});
    }
  } else if (choice != nullptr) {
    t.doc_to_choice = sourced(*choice, "doc_to_choice");
  }
  for (const char* key : {"generation_kwargs", "filters", "filter_list", "repeats"}) {
    const Entry* v = find(root, key);
    if (v == nullptr) continue;
    if (!generate) throw InputError(where_of(*v), std::string(key) + " is for generate tasks");
    const std::string k = key;
    if (k == "filters") {
      t.filters = read_filters(*v);
    } else if (k == "filter_list") {
      t.filter_list = read_filter_list(v->node, v->file);
    } else if (k == "repeats") {
      const long long n = integer(*v, "repeats");
      if (n < 1 || n > 1000) throw InputError(where_of(*v), "repeats: must be 1 to 1000, got " + std::to_string(n));
      t.repeats = static_cast<int>(n);
      t.repeats_where = where_of(*v);
    } else {
      t.generation = read_generation(*v);
    }
  }
  if (const Entry* v = find(root, "continuation")) {
    if (t.output_type.text != "kld") throw InputError(where_of(*v), "continuation is for kld tasks");
    if (!v->is_map) throw InputError(where_of(*v), "continuation: expected a mapping", "write continuation: {max_new_tokens: 64}");
    check_keys(*v, {"max_new_tokens"}, "continuation");
    const Entry* n = find(*v, "max_new_tokens");
    if (n == nullptr) throw InputError(where_of(*v), "continuation: missing max_new_tokens", "write continuation: {max_new_tokens: 64}");
    const long long tokens = integer(*n, "continuation.max_new_tokens");
    if (tokens < 1) throw InputError(where_of(*n), "continuation.max_new_tokens must be at least 1");
    t.continuation_tokens = static_cast<int>(tokens);
  }
  if (const Entry* v = find(root, "multiple_inputs")) {
    if (generate || text_only || single) throw InputError(where_of(*v), "multiple_inputs is for multiple_choice tasks");
    t.multiple_inputs = boolean(*v, "multiple_inputs");
  }
  read_chat(root, t);
  check_chat(t);
  if (const Entry* v = find(root, "target_delimiter")) t.target_delimiter = scalar(*v, "target_delimiter");
  if (const Entry* v = find(root, "fewshot_delimiter")) t.fewshot_delimiter = scalar(*v, "fewshot_delimiter");
  if (const Entry* v = find(root, "metrics")) {
    t.metrics = strings(*v, "metrics");
    t.metrics_where = where_of(*v);
  }
  if (const Entry* v = find(root, "metric_list")) {
    if (find(root, "metrics") != nullptr) {
      throw InputError(where_of(*v), "metric_list and metrics both name the metrics", "keep one of them");
    }
    t.metrics = read_metric_list(v->node, v->file, t.metric_options);
    t.metrics_where = where_of(*v);
  }
  check_samples(t);
  return t;
}

void check_chat(const TaskSpec& t) {
  if (const std::string problem = chat_settings_problem(t.chat); !problem.empty()) {
    throw InputError(t.chat_where.empty() ? t.file.string() : t.chat_where, problem,
                     "add apply_chat_template: true (qualm eval: --apply-chat-template), or drop fewshot_as_multiturn");
  }
  if (t.chat.mc_mode == McMode::kGenerate && (t.output_type.text != "multiple_choice" || t.multiple_inputs)) {
    throw InputError(t.chat_where.empty() ? t.file.string() : t.chat_where,
                     "mc_mode: generate answers a multiple_choice task's lettered options, and task " + t.name +
                         (t.multiple_inputs ? " is multiple_inputs (each choice is its own context)"
                                            : " is output_type " + t.output_type.text),
                     "drop mc_mode for this task");
  }
  if (t.multiple_inputs && (t.chat.apply_chat_template || t.chat.gen_prefix)) {
    throw InputError(t.chat_where.empty() ? t.file.string() : t.chat_where,
                     "task " + t.name + " is multiple_inputs (each choice is its own context): it takes no chat template "
                     "and no gen_prefix",
                     "drop apply_chat_template and gen_prefix for this task");
  }
}

}  // namespace qualm
