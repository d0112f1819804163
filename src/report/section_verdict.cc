#include "report/section_verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/compare.h"
#include "analysis/disagreements.h"
#include "analysis/quant_harm.h"
#include "records/config_key.h"
#include "report/sections.h"
#include "report/verdict_rule.h"

namespace qualm::report {

using nlohmann::json;

namespace {

constexpr size_t kListed = 5;  // rows named per kind of finding

std::string fixed(double x, int decimals, bool sign = false) {
  if (!std::isfinite(x)) return "—";
  char text[64];
  std::snprintf(text, sizeof text, sign ? "%+.*f" : "%.*f", decimals, x);
  std::string s = text;
  if (sign && s[0] == '-') s.replace(0, 1, "−");
  return s;
}

// "rouge_l@summarization −0.061 [−0.102, −0.020] (−14.2 %)"
std::string delta_text(const analysis::DeltaRow& r) {
  std::string s = r.metric + "@" + r.task_name.value_or("") + " " + fixed(r.delta.value_or(NAN), 3, true) + " [" +
                  fixed(r.delta_ci_low.value_or(NAN), 3, true) + ", " + fixed(r.delta_ci_high.value_or(NAN), 3, true) +
                  "]";
  if (r.delta_pct && std::isfinite(*r.delta_pct)) s += " (" + fixed(*r.delta_pct, 1, true) + " %)";
  if (r.small_n) s += " n=" + std::to_string(r.n_paired);
  return s;
}

std::string list(const std::vector<const analysis::DeltaRow*>& rows) {
  std::string out;
  for (size_t i = 0; i < rows.size() && i < kListed; ++i) out += (i ? "; " : "") + delta_text(*rows[i]);
  if (rows.size() > kListed) out += "; and " + std::to_string(rows.size() - kListed) + " more";
  return out;
}

// The disagreements pair of two configurations, in either order; null when none.
const analysis::PairDisagreements* flips_of(const analysis::Disagreements& d, const ConfigKey& a, const ConfigKey& b,
                                            bool& swapped) {
  for (const analysis::PairDisagreements& p : d.pairs) {
    if (p.a == a && p.b == b) return swapped = false, &p;
    if (p.a == b && p.b == a) return swapped = true, &p;
  }
  return nullptr;
}

void add_flips(List& items, const analysis::Disagreements& d, const ConfigKey& base, const ConfigKey& cand) {
  bool swapped = false;
  const analysis::PairDisagreements* p = flips_of(d, base, cand, swapped);
  if (p == nullptr) return;
  const analysis::AnswerFlips& mc = p->multiple_choice;
  const analysis::OutputDiffs& gen = p->generate;
  if (mc.compared > 0) {
    const int64_t base_only = swapped ? mc.only_b_right : mc.only_a_right;
    const int64_t cand_only = swapped ? mc.only_a_right : mc.only_b_right;
    Text item;
    item << "Answers: " << mc.differing << " of " << mc.compared
         << " multiple-choice answers flip; right only with the baseline " << base_only << ", only with the candidate "
         << cand_only << " (McNemar p = " << fmt_p(mc.mcnemar_p) << ")";
    if (mc.mcnemar_p < 0.05) item << ": " << bold("a real change in accuracy");
    items.item(item << ".");
  }
  if (gen.compared > 0) {
    Text item;
    item << "Greedy outputs: " << gen.differing << " of " << gen.compared << " differ";
    if (gen.with_first_token > 0) {
      item << "; " << gen.near_ties << " of the " << gen.with_first_token
           << " whose first differing token is recorded part at a near tie (each model gives the other's token a "
              "probability within 5 points of its own choice's)";
    }
    items.item(item << " (where they part: \"Where configurations disagree\").");
  }
}

void add_errors(List& items, std::span<const analysis::ErrorRecord> errors, const ConfigKey& cand) {
  int64_t n = 0;
  for (const analysis::ErrorRecord& e : errors) n += e.config == cand ? 1 : 0;
  if (n > 0) {
    items.item(Text() << bold(std::to_string(n) + (n == 1 ? " error record" : " error records"))
                      << ": missing from every figure here (summary.json's errors says why).");
  }
}

// The verdict's harm line: thresholds failed and passed, and those a run cannot judge for want
// of the figure (status MISSING: no perplexity or KLD task), with what to add.
void add_harm(List& items, const analysis::QuantizationHarm& harm, const ConfigKey& cand) {
  std::vector<std::string> pass, fail;
  std::vector<std::pair<std::string, std::vector<std::string>>> missing;  // why, then what
  for (const analysis::HarmThreshold& t : harm.thresholds) {
    if (t.config != cand) continue;
    const std::string &name = t.name, &status = t.status;
    const std::string what = name == "ppl_delta_pct"      ? "ΔPPL"
                             : name == "same_top"         ? "same top token"
                             : name == "max_category_kld" ? "worst-category KLD"
                                                          : name;
    if (status == "MISSING") {
      const std::string& why = t.detail;
      auto it = std::find_if(missing.begin(), missing.end(), [&](const auto& m) { return m.first == why; });
      (it == missing.end() ? missing.emplace_back(why, std::vector<std::string>{}) : *it).second.push_back(what);
      continue;
    }
    const double v = t.value.value_or(NAN), limit = t.limit;
    std::string text =
        name == "ppl_delta_pct"      ? what + " " + fixed(v, 2, true) + " % (limit ±" + fixed(limit, 2) + " %)"
        : name == "same_top"         ? what + " " + fixed(100 * v, 1) + " % (≥ " + fixed(100 * limit, 1) + " %)"
        : name == "max_category_kld" ? what + " " + fixed(v, 4) + " (≤ " + fixed(limit, 4) + ")"
                                     : what + " " + fixed(v, 4) + " (" + t.op + " " + fixed(limit, 4) + ")";
    (status == "PASS" ? pass : fail).push_back(text);
  }
  if (pass.empty() && fail.empty() && missing.empty()) return;
  Text item;
  item << "Quantization harm: ";
  std::vector<Text> parts;
  if (!fail.empty()) {
    Text part;
    part << bold("FAIL") << " ";
    for (size_t i = 0; i < fail.size(); ++i) part << (i ? ", " : "") << fail[i];
    parts.push_back(part);
  }
  if (!pass.empty()) {
    Text part("pass ");
    for (size_t i = 0; i < pass.size(); ++i) part << (i ? ", " : "") << pass[i];
    parts.push_back(part);
  }
  if (!missing.empty()) {
    Text part("not measured: ");
    for (size_t i = 0; i < missing.size(); ++i) {
      const auto& [why, what] = missing[i];
      part << (i ? "; " : "");
      for (size_t k = 0; k < what.size(); ++k) part << (k == 0 ? "" : k + 1 < what.size() ? ", " : " and ") << what[k];
      if (!why.empty()) part << " (" << why << ")";
    }
    parts.push_back(part);
  }
  for (size_t i = 0; i < parts.size(); ++i) item << (i ? "; " : "") << parts[i];
  items.item(item << ".");
}

}  // namespace

void add_verdict_section(Doc& doc, const analysis::Summary& summary) {
  doc.heading(2, "Verdict");
  const std::vector<analysis::ComparePair>& pairs = summary.quantization_impact.pairs;
  const double margin = summary.backend_equivalence.tost_margin;  // analysis: tost_margin
  if (pairs.empty()) {
    doc.paragraph("One configuration per model and backend: no candidate to hold against a baseline.");
    return;
  }
  doc.paragraph() << "Each candidate against its baseline (the model's first variant on the same backend), on the "
                     "samples both scored. A score is "
                  << bold("equivalent") << " when its Δ's 95 % CI lies inside ±" << fixed(margin, 2)
                  << " (analysis: tost_margin), " << bold("worse") << " or " << bold("better")
                  << " when the CI excludes 0 beyond that, " << bold("inconclusive")
                  << " when the CI is wider than the margin (more samples would tell). Perplexities and KLD are "
                     "judged by the harm thresholds.";
  for (const analysis::ComparePair& p : pairs) {
    const ConfigKey &base = p.baseline, &cand = p.candidate;
    std::vector<const analysis::DeltaRow*> equivalent, worse, better, unclear;
    for (const analysis::DeltaRow& r : p.tasks) {
      const std::optional<Finding> f = judge(r, margin);
      if (!f) continue;
      (*f == Finding::kEquivalent ? equivalent
       : *f == Finding::kWorse    ? worse
       : *f == Finding::kBetter   ? better
                                  : unclear)
          .push_back(&r);
    }
    const size_t judged = equivalent.size() + worse.size() + better.size() + unclear.size();
    doc.heading(3) << cand.str() << " vs " << base.str();
    const char* headline = !worse.empty()     ? "Worse"
                           : !unclear.empty() ? "Not shown equivalent"
                           : !better.empty()  ? "Equivalent or better"
                                              : "Equivalent";
    List& items = doc.list();
    Text first;
    first << bold(headline) << ": equivalent on " << equivalent.size() << " of " << judged << " task metrics";
    if (!worse.empty()) first << ", worse on " << worse.size();
    if (!better.empty()) first << ", better on " << better.size();
    if (!unclear.empty()) first << ", inconclusive on " << unclear.size();
    items.item(first << ".");
    if (!worse.empty()) items.item(Text() << "Worse: " << list(worse) << ".");
    if (!better.empty()) items.item(Text() << "Better: " << list(better) << ".");
    if (!unclear.empty()) {
      items.item(Text() << "Inconclusive (CI wider than ±" << fixed(margin, 2) << "): " << list(unclear) << ".");
    }
    add_harm(items, summary.quantization_harm, cand);
    add_flips(items, summary.disagreements, base, cand);
    add_errors(items, summary.errors, cand);
  }
}

}  // namespace qualm::report
