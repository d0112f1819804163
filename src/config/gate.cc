#include "config/gate.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/did_you_mean.h"
#include "core/errors.h"

namespace qualm {
namespace {

constexpr const char* kForm = "write METRIC[@TASK][:MODEL] OP VALUE, e.g. rouge_l@summarization >= 0.3";
constexpr const char* kValues = "compare with a number or baseline.mean, baseline.ci_low, baseline.ci_high";
constexpr const char* kOperatorChars = "<>=!";

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool is_name(const std::string& s, std::string_view extra) {
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

GateParse fail(std::string problem, std::string fix) { return {std::nullopt, {std::move(problem), std::move(fix)}}; }

// The operator at `pos` (text[pos] is one of kOperatorChars): its kind and length, or a problem.
std::optional<GateProblem> read_op(const std::string& text, size_t pos, GateOp& op, size_t& len) {
  const char c = text[pos];
  const char next = pos + 1 < text.size() ? text[pos + 1] : '\0';
  const std::string two = std::string(1, c) + next;
  if (c == '>' || c == '<') {
    if (next == '>' || next == '<') return GateProblem{"'" + two + "' is not an operator", "use one of >= <= > <"};
    len = next == '=' ? 2 : 1;
    op = c == '>' ? (len == 2 ? GateOp::kGreaterEqual : GateOp::kGreater)
                  : (len == 2 ? GateOp::kLessEqual : GateOp::kLess);
    return std::nullopt;
  }
  if (c == '=' && (next == '>' || next == '<')) {
    return GateProblem{"'" + two + "' is not an operator", std::string("write '") + next + "='"};
  }
  if (c == '=' && next == '=') return GateProblem{"'==' is not supported", "use one of >= <= > <"};
  if (c == '!' && next == '=') return GateProblem{"'!=' is not supported", "use one of >= <= > <"};
  return GateProblem{"'" + std::string(1, c) + "' is not an operator", "use one of >= <= > <"};
}

std::optional<GateProblem> read_harm_target(const Gate& g, bool has_task) {
  const std::string figure = g.harm_figure();
  const auto& names = harm_figures();
  if (std::find(names.begin(), names.end(), figure) == names.end()) {
    const auto near = closest_match(figure, names);
    std::string all;
    for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
    return GateProblem{"'" + g.metric + "' is not a figure of the quantization harm study",
                       near ? "did you mean harm." + *near + "?" : "after 'harm.' name one of " + all};
  }
  if (has_task) {
    return GateProblem{"harm gates take no @TASK",
                       "drop the '@TASK': the study uses wikitext, the kld task and the generate task it finds"};
  }
  return std::nullopt;
}

std::optional<GateProblem> read_target(const std::string& lhs, const std::string& op, Gate& g) {
  const size_t at = lhs.find('@');
  const size_t colon = lhs.find(':');
  if (colon != std::string::npos && at != std::string::npos && at > colon) {
    return GateProblem{"the task comes after the model", "write METRIC@TASK:MODEL"};
  }
  g.metric = trim(lhs.substr(0, std::min(at, colon)));
  if (g.metric.empty()) {
    const std::string next = at != std::string::npos || colon != std::string::npos ? std::string(1, lhs[std::min(at, colon)]) : op;
    return GateProblem{"no metric before '" + next + "'", "name the metric first, e.g. rouge_l@summarization >= 0.3"};
  }
  if (g.is_harm()) {
    if (auto p = read_harm_target(g, at != std::string::npos)) return p;
  } else if (const size_t comma = g.metric.find(','); comma == std::string::npos ? !is_name(g.metric, "")
                                                      : (!is_name(g.metric.substr(0, comma), "") || comma == 0 ||
                                                         comma + 1 == g.metric.size() ||
                                                         !is_name(g.metric.substr(comma + 1), "-."))) {
    return GateProblem{"metric name '" + g.metric +
                           "' may hold only letters, digits and '_', then ',' and a filter pipeline's name "
                           "(letters, digits, '_', '-', '.')",
                       "metric names are like rouge_l, acc, exact_match,strict-match; " + std::string(kForm)};
  }
  if (at != std::string::npos) {
    g.task = trim(lhs.substr(at + 1, colon == std::string::npos ? std::string::npos : colon - at - 1));
    if (g.task.empty()) {
      return GateProblem{"'@' is not followed by a task name", "write METRIC@TASK, e.g. rouge_l@summarization, or drop the '@'"};
    }
    if (g.task.find('@') != std::string::npos) return GateProblem{"more than one '@'", "name one task: METRIC@TASK"};
    if (!is_name(g.task, "-.")) {
      return GateProblem{"task name '" + g.task + "' may hold only letters, digits, '_', '-' and '.'",
                         "name a task or group from the experiment, e.g. summarization or mmlu"};
    }
  }
  if (colon != std::string::npos) {
    g.model = trim(lhs.substr(colon + 1));
    if (g.model.empty()) {
      return GateProblem{"':' is not followed by a model name", "write METRIC[@TASK]:MODEL with a model name from the experiment, or drop the ':'"};
    }
  }
  return std::nullopt;
}

std::optional<GateProblem> read_value(const std::string& rhs, const std::string& op, Gate& g) {
  if (rhs.empty()) return GateProblem{"no value after '" + op + "'", kValues};
  if (rhs.starts_with("baseline") && g.is_harm()) {
    return GateProblem{"harm gates compare with a number, not '" + rhs + "'",
                       "each variant is already measured against its model's first variant: write e.g. " + g.metric +
                           " " + op + " 0.05"};
  }
  if (rhs.starts_with("baseline")) {
    static const std::vector<std::string> kNames = {"baseline.mean", "baseline.ci_low", "baseline.ci_high"};
    for (size_t i = 0; i < kNames.size(); ++i) {
      if (rhs == kNames[i]) {
        g.value_kind = static_cast<GateValue>(i + 1);
        return std::nullopt;
      }
    }
    const auto near = closest_match(rhs, kNames);
    return GateProblem{"unknown baseline value '" + rhs + "'",
                       near ? "did you mean " + *near + "?" : "use baseline.mean, baseline.ci_low or baseline.ci_high"};
  }
  if (rhs.back() == '%') {
    return GateProblem{"value '" + rhs + "' is a percentage", "write the number in the metric's own units, without '%'"};
  }
  const char* begin = rhs.data() + (rhs.front() == '+' ? 1 : 0);
  const char* end = rhs.data() + rhs.size();
  double x = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, x);
  if (ec != std::errc() || ptr != end) return GateProblem{"value '" + rhs + "' is not a number", kValues};
  if (!std::isfinite(x)) return GateProblem{"value '" + rhs + "' is not a finite number", kValues};
  g.value = x;
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& harm_figures() {
  static const std::vector<std::string> names = {
      "ppl",         "ppl_delta_pct", "abs_ppl_delta_pct", "kld_mean",       "max_category_kld",
      "same_top",    "compression_ratio", "speed_ratio",   "completed_rate", "non_degenerate_rate"};
  return names;
}

bool Gate::passes(double actual, double threshold) const {
  switch (op) {
    case GateOp::kGreaterEqual: return actual >= threshold;
    case GateOp::kLessEqual: return actual <= threshold;
    case GateOp::kGreater: return actual > threshold;
    case GateOp::kLess: return actual < threshold;
  }
  return false;
}

double Gate::margin(double actual, double threshold) const {
  return op == GateOp::kGreaterEqual || op == GateOp::kGreater ? actual - threshold : threshold - actual;
}

const char* op_text(GateOp op) {
  switch (op) {
    case GateOp::kGreaterEqual: return ">=";
    case GateOp::kLessEqual: return "<=";
    case GateOp::kGreater: return ">";
    case GateOp::kLess: return "<";
  }
  return "?";
}

const char* value_text(GateValue value) {
  switch (value) {
    case GateValue::kNumber: return "";
    case GateValue::kBaselineMean: return "baseline.mean";
    case GateValue::kBaselineCiLow: return "baseline.ci_low";
    case GateValue::kBaselineCiHigh: return "baseline.ci_high";
  }
  return "";
}

GateParse read_gate(std::string_view raw) {
  Gate g;
  g.text = trim(raw);
  const std::string& text = g.text;
  if (text.empty()) return fail("the gate is empty", kForm);
  const size_t pos = text.find_first_of(kOperatorChars);
  if (pos == std::string::npos) return fail("no comparison operator", kForm);
  size_t len = 0;
  if (auto p = read_op(text, pos, g.op, len)) return {std::nullopt, *p};
  const std::string op = op_text(g.op);
  if (text.find_first_of(kOperatorChars, pos + len) != std::string::npos) {
    return fail("more than one comparison operator", "a gate compares one metric with one value: " + std::string(kForm));
  }
  const std::string lhs = trim(std::string_view(text).substr(0, pos));
  if (lhs.empty()) return fail("no metric before '" + op + "'", "name the metric first, e.g. rouge_l@summarization >= 0.3");
  if (auto p = read_target(lhs, op, g)) return {std::nullopt, *p};
  if (auto p = read_value(trim(std::string_view(text).substr(pos + len)), op, g)) return {std::nullopt, *p};
  return {std::move(g), {}};
}

Gate parse_gate(std::string_view text, const std::string& where) {
  GateParse p = read_gate(text);
  if (!p.gate) throw InputError(where, "gate \"" + trim(text) + "\": " + p.problem.problem, p.problem.fix);
  return std::move(*p.gate);
}

}  // namespace qualm
