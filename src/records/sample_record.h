#pragma once
// One samples.jsonl (and pending.jsonl) record, SPEC S5: the only type that writes or reads
// those files. Its JSON is a contract for users' scripts, so to_json(from_json(x)) == x for
// every record qualm writes, key for key:
// - SPEC S5's keys are always present; those the spec allows to be null are std::optional
//   (nullopt is written as null);
// - the keys only some kinds carry (gold and pred for multiple choice, n_windows for rolling
//   texts, doc_key, ...) are std::optional too, and nullopt leaves the key out;
// - raw_output and stop_reason are in generate records only, null when the request failed:
//   absent, null and text are three states (NullableText);
// - a metric that is null in the file (NaN or infinite when computed) is NaN in `metrics`.
// Keys this version does not know are ignored on reading.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "config/task_spec.h"
#include "eval/kld.h"
#include "records/config_key.h"

namespace qualm {

// absent (nullopt), null (a nullopt inside) or a text.
using NullableText = std::optional<std::optional<std::string>>;

// One choice of a multiple-choice record.
struct ChoiceRecord {
  std::string text;
  double loglikelihood = 0;
  int64_t n_tokens = 0;
  bool is_greedy = false;
  double token_mean = 0;
  // --log-tokens: the token ids fed and each continuation token's log-prob.
  std::optional<std::vector<int64_t>> sequence;
  std::optional<std::vector<double>> token_logprobs;
};

// The choice each multiple-choice score picks.
struct McPredictions {
  int64_t acc = 0, acc_norm = 0, acc_bytes = 0, acc_token_mean = 0;
  auto operator<=>(const McPredictions&) const = default;
  // The choice a metric scores: acc_norm, acc_bytes or acc_token_mean's, else acc's.
  int64_t of(std::string_view metric) const;
};

struct SampleRecord {
  std::string run_id;
  ConfigKey config;  // "model", "variant", "backend"
  std::string task_name;
  std::string task_type;  // the task file's task_type, else its kind's name
  int64_t sample_id = 0;
  int rep = 0;
  std::optional<uint64_t> seed;
  std::optional<double> temperature;
  std::string prompt;  // the prompt, or the text scored
  std::optional<std::string> reference;
  std::optional<std::string> candidate;
  NullableText raw_output;  // generate records
  std::optional<std::vector<ChoiceRecord>> choices;
  std::optional<int64_t> gold;        // multiple choice
  std::optional<McPredictions> pred;  // multiple choice, scored
  std::optional<bool> correct;
  std::optional<double> gen_time_ms;
  std::optional<int64_t> prompt_tokens, output_tokens;  // null: not known (a server reported none)
  NullableText stop_reason;                             // generate records
  bool truncated = false;
  std::optional<int64_t> n_windows;       // rolling and kld texts
  std::optional<int64_t> unknown_tokens;  // scored records
  std::optional<bool> split_differs;      // multiple choice, scored
  // multiple choice with multiple_inputs (winogrande): the text scored after each choice, whose
  // text is then its context
  std::optional<std::string> continuation;
  // generate with a filter_list: each pipeline's output, by pipeline name (metrics "METRIC,NAME")
  std::optional<std::map<std::string, std::string>> filtered;
  // generate with repeats > 1: every sample's raw output, the first being raw_output
  std::optional<std::vector<std::string>> raw_outputs;
  // greedy generate by a backend that reports them: per generated token (in process, the
  // end-of-generation token too), the token chosen then the most likely others (GenerateResult::steps);
  // in the file, "top_logprobs": [[[id, "text", logprob], ...], ...]
  std::optional<std::vector<std::vector<TokenChoice>>> top_logprobs;
  // code metrics (pass@K): how each sample ran against the reference's tests, by pipeline ("none"
  // without a filter_list): "passed", "timed out" or "failed: " and the error
  std::optional<std::map<std::string, std::vector<std::string>>> code_results;
  std::map<std::string, double> metrics;  // NaN: null in the file
  std::map<std::string, std::string> metrics_skipped;  // metric -> why; the key is left out when empty
  std::optional<std::string> source;                   // the dataset row: file:line
  std::optional<std::string> error;                    // set: the sample could not be scored
  std::optional<std::string> doc_key, category;
  std::optional<std::string> base_model;       // kld
  std::optional<KldAccumulator> kld_state;     // kld, scored: the document's mergeable state
  // rolling, --log-tokens: every token scored; generate with top_logprobs, --log-tokens: the
  // prompt's tokens as fed, then each generated token (the end-of-generation token included)
  std::optional<std::vector<int64_t>> tokens;
  std::optional<std::vector<double>> token_logprobs;  // rolling, --log-tokens: one per token
  std::optional<ChatSettings> chat;                   // a task under chat settings: them
  std::optional<std::vector<ChatMessage>> messages;   // apply_chat_template: the prompt's turns
  std::optional<std::string> engine;                  // the backend's engine options
  std::optional<std::string> endpoint;  // a server backend: the server(s) that answered, ", " between

  bool ok() const { return !error.has_value(); }
  RecordKey key() const { return {config, task_name, sample_id, rep}; }
  // A metric's value; nullopt where it is absent or NaN (null in the file).
  std::optional<double> metric(const std::string& name) const;
  // Multiple choice: whether the choice `metric` scores (McPredictions::of) is the gold one;
  // nullopt for a record without pred and gold.
  std::optional<bool> chose_gold(std::string_view metric) const;

  nlohmann::json to_json() const;  // with metrics_json(metrics)
  // Throws InputError naming `where` (file:line) and the key when a key SPEC S5 requires is
  // missing or a value has the wrong type.
  static SampleRecord from_json(const nlohmann::json& record, const std::string& where);
};

// {name: value}, null for a NaN or infinite value (JSON has neither).
nlohmann::json metrics_json(const std::map<std::string, double>& metrics);

}  // namespace qualm
