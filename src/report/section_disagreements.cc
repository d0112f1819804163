#include "report/section_disagreements.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "analysis/disagreements.h"
#include "report/sections.h"

namespace qualm::report {

using nlohmann::json;

namespace {

std::string share(int64_t part, int64_t whole) {
  if (whole == 0) return "none compared";
  char text[64];
  std::snprintf(text, sizeof text, "%lld of %lld (%.1f %%)", static_cast<long long>(part),
                static_cast<long long>(whole), 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return text;
}

std::string lls(const std::vector<double>& values) {
  std::string out;
  for (const double v : values) out += (out.empty() ? "" : ", ") + fmt_num(v, 3);
  return out;
}

// One side of the first token where greedy outputs part: its index and its candidates, the
// chosen one first ("#7: \" cat\" 41.0 %, \" dog\" 30.2 %"); "—" where the records hold none.
std::string first_token(const std::optional<analysis::PartingToken>& side) {
  if (!side) return "—";
  std::string out = "#";
  out += std::to_string(side->index) + ":";
  char prob[32];
  for (const auto& [text, p] : side->top) {
    std::string token;
    for (const char ch : text) token += ch == '\n' ? "\\n" : ch == '\t' ? "\\t" : std::string(1, ch);
    std::snprintf(prob, sizeof prob, " %.1f %%", 100.0 * p);
    out += (out.back() == ':' ? " \"" : ", \"") + token + "\"" + prob;
  }
  return out;
}

}  // namespace

void add_disagreements_section(Doc& doc, const analysis::Disagreements& d) {
  doc.heading(2, "Where configurations disagree");
  if (d.pairs.empty()) {
    doc.paragraph("No two configurations scored the same samples.");
    return;
  }
  doc.paragraph() << "For each pair of configurations: the multiple-choice items whose chosen answer differs, largest "
                     "|Δ log-likelihood| first, with both sides' log-likelihood of every choice; then the greedy "
                     "outputs that differ, earliest divergence first, with the token where each side parts and the "
                     "candidates its model weighed there (probabilities, the chosen token first). Up to "
                  << d.shown_per_pair << " per pair (all in summary.json's " << code("disagreements") << ").";
  for (const analysis::PairDisagreements& p : d.pairs) {
    doc.heading(3) << p.a.str() << " vs " << p.b.str();
    doc.paragraph() << "Answers differ on " << share(p.multiple_choice.differing, p.multiple_choice.compared)
                    << " multiple-choice items; greedy outputs differ on "
                    << share(p.generate.differing, p.generate.compared) << " samples.";
    std::vector<std::vector<Text>> mc_rows, gen_rows;  // one table per kind, multiple-choice first
    for (const analysis::DisagreementItem& item : p.top) {
      if (const auto* x = std::get_if<analysis::AnswerItem>(&item)) {
        mc_rows.push_back({fmt_cell(x->task), Text() << x->sample_id, x->gold ? std::to_string(*x->gold) : "—",
                           Text() << x->pred_a, Text() << x->pred_b, fmt_num(x->max_abs_dll, 4),
                           lls(x->loglikelihoods_a), lls(x->loglikelihoods_b)});
      } else {
        const auto& g = std::get<analysis::OutputItem>(item);
        gen_rows.push_back(
            {fmt_cell(g.task), Text() << g.sample_id, Text() << g.rep, Text() << g.diverges_at_char,
             fmt_cell((g.diverges_at_char > static_cast<int64_t>(analysis::kDisagreementContextChars) ? "…" : "") +
                      g.shared),
             fmt_cell(g.a_then), fmt_cell(g.b_then), fmt_cell(first_token(g.first_a)),
             fmt_cell(first_token(g.first_b))});
      }
    }
    if (!mc_rows.empty()) {
      Table& t = doc.table({"task", "sample:", "gold:", "A chose:", "B chose:", "max |ΔLL|:", "A's log-likelihoods",
                            "B's log-likelihoods"});
      for (std::vector<Text>& r : mc_rows) t.row(std::move(r));
    }
    if (!gen_rows.empty()) {
      Table& t = doc.table({"task", "sample:", "rep:", "parts at char:", "shared text before", "A then", "B then",
                            "A's first differing token and its candidates", "B's"});
      for (std::vector<Text>& r : gen_rows) t.row(std::move(r));
    }
  }
}

}  // namespace qualm::report
