#include "report/section_disagreements.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "report/sections.h"

namespace qualm::report {

using nlohmann::json;

namespace {

constexpr int64_t kContextChars = 40;  // analysis/disagreements.cc shows this much shared text

std::string share(int64_t part, int64_t whole) {
  if (whole == 0) return "none compared";
  char text[64];
  std::snprintf(text, sizeof text, "%lld of %lld (%.1f %%)", static_cast<long long>(part),
                static_cast<long long>(whole), 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return text;
}

std::string lls(const json& values) {
  std::string out;
  for (const json& v : values) out += (out.empty() ? "" : ", ") + fmt_num(v, 3);
  return out;
}

// One side of the first token where greedy outputs part: its index and its candidates, the
// chosen one first ("#7: \" cat\" 41.0 %, \" dog\" 30.2 %"); "—" where the records hold none.
std::string first_token(const json& item, const char* side) {
  const json* f = item.contains("first_token") ? &item["first_token"] : nullptr;
  if (f == nullptr || !f->is_object() || !f->contains(side) || !(*f)[side].is_object()) return "—";
  const json& s = (*f)[side];
  std::string out = "#";
  out += std::to_string(s.value("index", int64_t{0})) + ":";
  char prob[32];
  for (const json& c : s.value("top", json::array())) {
    std::string token;
    for (const char ch : c.value("token", "")) token += ch == '\n' ? "\\n" : ch == '\t' ? "\\t" : std::string(1, ch);
    std::snprintf(prob, sizeof prob, " %.1f %%", 100.0 * c.value("prob", 0.0));
    out += (out.back() == ':' ? " \"" : ", \"") + token + "\"" + prob;
  }
  return out;
}

}  // namespace

void add_disagreements_section(Doc& doc, const json& s) {
  doc.heading(2, "Where configurations disagree");
  const json& d = s.value("disagreements", json::object());
  const json& pairs = d.value("pairs", json::array());
  if (pairs.empty()) {
    doc.paragraph("No two configurations scored the same samples.");
    return;
  }
  doc.paragraph() << "For each pair of configurations: the multiple-choice items whose chosen answer differs, largest "
                     "|Δ log-likelihood| first, with both sides' log-likelihood of every choice; then the greedy "
                     "outputs that differ, earliest divergence first, with the token where each side parts and the "
                     "candidates its model weighed there (probabilities, the chosen token first). Up to "
                  << d.value("shown_per_pair", 0) << " per pair (all in summary.json's " << code("disagreements")
                  << ").";
  for (const json& p : pairs) {
    const json &mc = p["multiple_choice"], &gen = p["generate"];
    doc.heading(3) << fmt_label(p["a"]) << " vs " << fmt_label(p["b"]);
    doc.paragraph() << "Answers differ on "
                    << share(mc.value("differing", int64_t{0}), mc.value("compared", int64_t{0}))
                    << " multiple-choice items; greedy outputs differ on "
                    << share(gen.value("differing", int64_t{0}), gen.value("compared", int64_t{0})) << " samples.";
    std::vector<std::vector<Text>> mc_rows, gen_rows;  // one table per kind, multiple-choice first
    for (const json& x : p.value("top", json::array())) {
      if (x.value("kind", "") == "multiple_choice") {
        mc_rows.push_back({fmt_cell(x.value("task", "")), Text() << x.value("sample_id", int64_t{0}),
                           fmt_num(x["gold"], 0), Text() << x.value("pred_a", int64_t{0}),
                           Text() << x.value("pred_b", int64_t{0}), fmt_num(x["max_abs_dll"], 4),
                           lls(x["loglikelihoods_a"]), lls(x["loglikelihoods_b"])});
      } else {
        const int64_t at = x.value("diverges_at_char", int64_t{0});
        gen_rows.push_back({fmt_cell(x.value("task", "")), Text() << x.value("sample_id", int64_t{0}),
                            Text() << x.value("rep", 0), Text() << at,
                            fmt_cell((at > kContextChars ? "…" : "") + x.value("shared", "")),
                            fmt_cell(x.value("a_then", "")), fmt_cell(x.value("b_then", "")),
                            fmt_cell(first_token(x, "a")), fmt_cell(first_token(x, "b"))});
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
