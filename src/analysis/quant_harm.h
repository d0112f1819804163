#pragma once
// The quantization harm study (SPEC S6): each variant of a model against its base (the model's
// first variant) on one backend — WikiText perplexity and its change, KL divergence and top-1
// agreement overall and per prompt category (worst categories flagged), generation rates and
// time per category, file size, compression and speed — with the thresholds as PASS/FAIL lines.
//
// Tasks used, one of each kind: the loglikelihood_rolling task `wikitext` (else the first one),
// the kld task `prompt_suite_96_continuation_kld` (else the first), the generate task
// `prompt_suite_96` (else the first with categories). Figures are token-weighted over documents.
//
// summary["quantization_harm"] = {
//   limits {max_ppl_delta_pct, max_category_kld, min_same_top, non_degenerate_repetition},
//   models: [{model, backend, base_variant, ppl_task, kld_task, generation_task, speed_basis,
//     variants: [{variant, is_base, quant_type, size_bytes, compression_ratio, tensor_types {type: n},
//       fallbacks [{wanted, used, tensors}], ppl {n_docs, n_tokens, token_perplexity, word_perplexity},
//       ppl_delta_pct, kld {n_docs, n_tokens, kld_mean, kld_stderr, same_top}, most_harmed [category],
//       max_category_kld {category, kld_mean} (the worst category; category null without categories),
//       generation {n, completed_rate, non_degenerate_rate, mean_time_s, tokens_per_s}, speed_ratio,
//       categories [{category, kld_mean, same_top, n_tokens, flagged, most_harmed, n, completed_rate,
//         non_degenerate_rate, mean_time_s}]}]}],
//   thresholds: [{name, model, backend, variant, value, limit, op, status, by, detail}],
//   gates: [the same limits as harm.* gates (config/gate.h)], note}
// status is PASS, FAIL or MISSING (the run lacks the task); `by` is the margin on the passing side
// (negative when it fails), as gates report it.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/kld_summary.h"
#include "analysis/run_data.h"

namespace qualm::analysis {

// The types of the JSON above; a figure that is not finite is unset (null).
struct HarmFallback {
  std::string wanted, used;
  int64_t tensors = 0;
};

struct HarmPpl {
  int64_t n_docs = 0;
  double n_tokens = 0;  // a JSON float, as summary.json has always written it
  std::optional<double> token_perplexity, word_perplexity;
};

struct HarmKld {
  int64_t n_docs = 0;
  double n_tokens = 0;
  std::optional<double> kld_mean, kld_stderr, same_top;
};

// Generation over n prompts (error records count against the rates).
struct HarmGeneration {
  int64_t n = 0;
  double completed_rate = 0;
  std::optional<double> non_degenerate_rate, mean_time_s, tokens_per_s;
};

// A category row: the kld task's figures (unset for a category only generation has), and the
// generation task's rates (unset for a category only the kld task has; tokens_per_s not written).
struct HarmCategory {
  std::string category;
  std::optional<double> kld_mean, same_top, n_tokens;
  bool flagged = false, most_harmed = false;
  std::optional<HarmGeneration> generation;
};

struct WorstCategory {
  std::optional<std::string> category;  // unset without categories: then the mean over all tokens
  std::optional<double> kld_mean;
};

struct HarmVariant {
  std::string variant;
  bool is_base = false;
  std::optional<std::string> quant_type;  // the requested type of a derived variant
  std::optional<int64_t> size_bytes;
  std::map<std::string, int64_t> tensor_types;
  std::vector<HarmFallback> fallbacks;
  std::optional<double> compression_ratio, ppl_delta_pct, speed_ratio;
  std::optional<HarmPpl> ppl;
  std::optional<HarmKld> kld;
  std::vector<std::string> most_harmed;
  std::optional<HarmGeneration> generation;
  std::vector<HarmCategory> categories;
  WorstCategory max_category_kld;
};

struct HarmModel {
  std::string model, backend, base_variant;
  std::optional<std::string> ppl_task, kld_task, generation_task;
  std::string speed_basis;
  std::vector<HarmVariant> variants;  // the base first
};

struct HarmThreshold {
  std::string name;
  ConfigKey config;
  std::optional<double> value, by;
  double limit = 0;
  std::string op, status, detail;
};

struct QuantizationHarm {
  HarmThresholds limits;
  std::vector<HarmModel> models;
  std::vector<HarmThreshold> thresholds;
};

// The limits as harm.* gate lines, and the section's note: both follow from the study.
std::vector<std::string> harm_gates(const HarmThresholds& limits);
std::string harm_note(const QuantizationHarm& h);

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const QuantizationHarm& h);
void from_json(const nlohmann::json& j, QuantizationHarm& h);

// kld: the run's kld_summary(run), when the caller has it.
QuantizationHarm quantization_harm(const RunData& run);
QuantizationHarm quantization_harm(const RunData& run, const KldSummary& kld);

// One figure of a variant row for the harm gate `harm.NAME` (config/gate.h's harm_figures).
struct HarmFigure {
  std::optional<double> value;      // unset when the run lacks it
  std::optional<std::string> task;  // the task it comes from
  std::optional<int64_t> n;         // tokens, documents or samples behind it
  std::string detail;               // what it is, or why it is missing
};
// Throws std::invalid_argument for a name harm_figures() lacks.
HarmFigure harm_figure(const HarmModel& model, const HarmVariant& variant, const std::string& name);

}  // namespace qualm::analysis
