#pragma once
// A task file (SPEC S3) as written: YAML under tasks/ or a user's own path, with include:
// resolved. Templates stay as source text here; tasks/ compiles and renders them. Every
// value remembers where it was written so that later errors can name file:line.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/chat_settings.h"

namespace qualm {

// A string value and the file:line it came from.
struct Sourced {
  std::string text;
  std::string where;
};

// rows: {field: F, from: A, to: B}: only the rows whose integer field F is in [A, B] (a split
// held in one file, as mbpp's test split is task_id 11-510).
struct RowRange {
  std::string field;
  long long from = 0, to = 0;
  std::string where;
};

struct DatasetSpec {
  Sourced path;    // relative to the data directory, or to base_dir when it starts with "./"; may use {{vars}}
  std::filesystem::path base_dir;  // the folder of the file that wrote the path
  Sourced format;  // empty: guessed from the file name
  // New field name -> source field, or a list of source fields gathered into a list.
  std::map<std::string, std::vector<std::string>> fields;
  std::map<std::string, bool> field_is_list;
  std::string fields_where;
  std::optional<RowRange> rows;
};

struct FewshotSpec {
  std::optional<DatasetSpec> dataset;  // the split shots come from; absent: the task's own
  Sourced sampler{"first_n", ""};      // first_n | seeded
  uint64_t seed = 1234;                // lm-evaluation-harness's default
  Sourced doc_to_target;               // generate: a shot's answer, when not the task's doc_to_target
};

// A text filter applied to generated output, in order (SPEC S3).
struct TextFilter {
  enum class Kind { kStrip, kFirstLine, kTruncateAtStop, kRegex };
  Kind kind = Kind::kStrip;
  std::string pattern;  // kRegex: the first capture group, else the whole match
  std::string where;
};

// One function of an lm-evaluation-harness filter pipeline (`filter_list`), as lm-eval's
// lm_eval/filters define it. Each maps a document's list of responses (one per repeat) to a list.
struct PipelineStep {
  enum class Function {
    kRegex,             // each response: findall(regex_pattern)[group_select], else fallback
    kTakeFirst,         // the first response
    kTakeFirstK,        // the first k responses
    kMajorityVote,      // the most frequent response (the first seen among ties)
    kLowercase,         // each response lowered
    kUppercase,         // each response uppered
    kRemoveWhitespace,  // one leading space dropped from each response
    kStripThink,        // the text after the first think_end_token; "" for an unclosed leading <think>
    kPrependPrompt,     // the document's prompt + each response (lm-eval humaneval's build_predictions)
  };
  Function function = Function::kTakeFirst;
  std::string regex_pattern = "#### (\\-?[0-9\\.\\,]+)";  // kRegex: Python re syntax (lm-eval's default)
  long group_select = 0;              // kRegex: which match, negative from the end
  std::string fallback = "[invalid]";  // kRegex: when nothing matches
  long k = 0;                         // kTakeFirstK
  std::string think_end_token = "</think>";  // kStripThink
  std::string where;  // file:line
  std::string key;    // e.g. filter_list[0].filter[1]
};

// A named pipeline of `filter_list`: the task's metrics are reported for each pipeline's output
// as "METRIC,NAME" (lm-eval's "exact_match,strict-match").
struct FilterPipeline {
  std::string name;
  std::vector<PipelineStep> steps;
  std::string where;
  std::string key;  // filter_list[i]
};

// A metric's options from lm-eval's `metric_list` form.
struct MetricOptionsSpec {
  // exact_match, as lm-eval's exact_match (HF evaluate's): regexes removed with re.sub, then
  // case and punctuation and digits as asked; nothing stripped.
  bool ignore_case = false;
  bool ignore_punctuation = false;
  bool ignore_numbers = false;
  std::vector<Sourced> regexes_to_ignore;
  Sourced aggregation;       // as written, checked against the metric's own
  Sourced higher_is_better;  // as written, checked against the metric's own
  std::string where;
};

struct GenerationSpec {
  std::optional<int> max_new_tokens;  // absent: the experiment's (256, TR124's default, for qualm eval)
  std::optional<double> temperature;  // absent: the experiment's (0 for qualm eval)
  double top_p = 1.0;
  int top_k = 0;
  std::vector<std::string> stop;
};

struct TaskSpec {
  std::string name;
  std::filesystem::path file;  // the file that names the task
  std::vector<std::string> groups;
  Sourced output_type;  // multiple_choice, loglikelihood, generate, loglikelihood_rolling or kld
  std::string task_type;
  std::map<std::string, std::string> vars;  // names every template can use
  DatasetSpec dataset;
  FewshotSpec fewshot;
  int num_fewshot = 0;
  Sourced description;
  Sourced doc_to_text;
  Sourced doc_to_target;               // generate: the reference; may be absent
  Sourced doc_to_choice;               // a template giving a list, or empty when choice_list is set
  std::vector<Sourced> choice_list;    // doc_to_choice written as a YAML list of templates
  // multiple_choice, lm-eval's multiple_inputs (winogrande): doc_to_choice gives one context per
  // choice and doc_to_text the continuation they share, scored after each context.
  bool multiple_inputs = false;
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  std::vector<std::string> metrics;
  std::string metrics_where;           // file:line of metrics:, when written
  ChatSettings chat;                   // as the task file sets it; experiments and flags override
  std::string chat_where;              // file:line of its first chat key
  GenerationSpec generation;           // generate only
  std::vector<TextFilter> filters;     // generate only
  // generate only, lm-eval's filter_list: pipelines run on the output after `filters`; each
  // reports every metric as "METRIC,NAME". Empty: the metrics score the output after `filters`.
  std::vector<FilterPipeline> filter_list;
  int repeats = 1;                     // generate only: samples per document (lm-eval's repeats)
  std::string repeats_where;
  std::map<std::string, MetricOptionsSpec> metric_options;  // from metric_list
  // kld only, `continuation: {max_new_tokens: N}`: the base model greedily continues each text
  // by up to N tokens and only those tokens are scored (the text is the context).
  std::optional<int> continuation_tokens;
};

// A task's kind: its output_type. kKld compares a variant with its model's base variant.
// loglikelihood is kMultipleChoice with one choice, doc_to_target (scores_one_continuation).
enum class TaskKind { kMultipleChoice, kGenerate, kRolling, kKld };
TaskKind task_kind(const TaskSpec& spec);
// lm-eval's output_type: loglikelihood: the log-likelihood of doc_to_target after the context,
// whether it is the greedy continuation (acc) and the documents' perplexity, exp(-mean ll).
bool scores_one_continuation(const TaskSpec& spec);
// What goes between the context and a choice: target_delimiter, or nothing for loglikelihood
// (lm-eval requests (context, doc_to_target) as written).
std::string continuation_delimiter(const TaskSpec& spec);

// Throws InputError, naming where the chat keys were set, for settings the task cannot use
// (fewshot_as_multiturn without the template; a template or gen_prefix on multiple_inputs).
void check_chat(const TaskSpec& spec);
// The output_type that names the kind: multiple_choice, generate, loglikelihood_rolling, kld.
const char* task_kind_name(TaskKind kind);
// The kind a name stands for: an output_type or a manifest's task kind (task_kind_name), or a
// record's task_type ("perplexity" is loglikelihood_rolling; any other, e.g. summarization or
// qa, is generate).
TaskKind parse_task_kind(std::string_view name);

// Reads a task file and everything it includes (paths relative to the including file;
// maps merge key by key, the including file winning). Throws InputError naming file:line
// and the key for unknown keys (with a did-you-mean), wrong types, missing required keys
// and include cycles.
TaskSpec load_task_spec(const std::filesystem::path& file);

}  // namespace qualm
