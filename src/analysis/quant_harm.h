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
//   thresholds: [{name, model, backend, variant, value, limit, status, by, detail}],
//   gates: [the same limits as harm.* gates (config/gate.h)], note}
// status is PASS, FAIL or MISSING (the run lacks the task); `by` is the margin on the passing side
// (negative when it fails), as gates report it.

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

nlohmann::json quantization_harm(const RunData& run);

// One figure of a variant row for the harm gate `harm.NAME` (config/gate.h's harm_figures):
// {value (null when the run lacks it), task (the task it comes from, or null), n (tokens,
// documents or samples behind it, or null), detail (what it is, or why it is missing)}.
nlohmann::json harm_figure(const nlohmann::json& model_row, const nlohmann::json& variant, const std::string& name);

}  // namespace qualm::analysis
