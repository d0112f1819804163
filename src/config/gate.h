#pragma once
// Quality gates (SPEC S7): `METRIC[@TASK][:MODEL] OP VALUE`, OP one of >= <= > <, VALUE a
// number or baseline.mean / baseline.ci_low / baseline.ci_high. Examples:
//   rouge_l@summarization >= baseline.ci_low
//   acc@mmlu:llama-3.2-1b > 0.25
//   token_perplexity@wikitext < 40
// TASK is a task name or a group (mmlu). MODEL is everything after the first ':' following the
// metric, so model names may hold ':' (qwen2.5:1.5b); task names may not.
// Quantization harm gates, `harm.NAME[:MODEL] OP NUMBER`, check a figure of the quantization
// harm study (analysis/quant_harm.h) for each variant against its model's first variant, e.g.
//   harm.abs_ppl_delta_pct <= 5        harm.max_category_kld <= 0.05        harm.same_top >= 0.9
// They take no @TASK (the study picks its tasks) and compare with a number only.
// This file only reads the text; analysis/gates.h evaluates a gate against a run.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qualm {

enum class GateOp { kGreaterEqual, kLessEqual, kGreater, kLess };
enum class GateValue { kNumber, kBaselineMean, kBaselineCiLow, kBaselineCiHigh };

inline constexpr char kHarmPrefix[] = "harm.";

// The figures a harm gate may name, after "harm.": ppl, ppl_delta_pct, abs_ppl_delta_pct,
// kld_mean, max_category_kld, same_top, compression_ratio, speed_ratio, completed_rate,
// non_degenerate_rate.
const std::vector<std::string>& harm_figures();

struct Gate {
  std::string text;    // as written, trimmed
  std::string metric;
  std::string task;    // empty: every task with the metric
  std::string model;   // empty: every model
  GateOp op = GateOp::kGreaterEqual;
  GateValue value_kind = GateValue::kNumber;
  double value = 0;    // when value_kind is kNumber

  bool needs_baseline() const { return value_kind != GateValue::kNumber; }
  bool is_harm() const { return metric.starts_with(kHarmPrefix); }
  std::string harm_figure() const { return metric.substr(sizeof kHarmPrefix - 1); }  // "same_top"
  // The actual value passes against `threshold`.
  bool passes(double actual, double threshold) const;
  // How far `actual` lies on the passing side of `threshold` (negative: by how much it fails).
  double margin(double actual, double threshold) const;
};

const char* op_text(GateOp op);           // ">=", "<=", ">", "<"
const char* value_text(GateValue value);  // "baseline.mean", ...; "" for kNumber

// What is wrong with a gate's text and what would fix it.
struct GateProblem {
  std::string problem;
  std::string fix;
};

struct GateParse {
  std::optional<Gate> gate;  // set when the text is a gate
  GateProblem problem;       // otherwise
};

GateParse read_gate(std::string_view text);

// As read_gate; throws InputError(where, "gate \"TEXT\": PROBLEM", FIX) for a bad gate.
Gate parse_gate(std::string_view text, const std::string& where);

}  // namespace qualm
