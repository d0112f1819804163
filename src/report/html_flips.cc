#include "report/html_flips.h"

#include <cstdint>
#include <cstdio>

#include "analysis/disagreements.h"
#include "report/svg_chart.h"

namespace qualm::report {
namespace {

using nlohmann::json;

// A cell shaded by its share of the items: agreement in blue, a flip in red.
std::string cell(int64_t count, int64_t total, bool flip) {
  const double share = total > 0 ? static_cast<double>(count) / static_cast<double>(total) : 0;
  char style[96];
  std::snprintf(style, sizeof style, "background:rgba(%s,%.3f)", flip ? "214,39,40" : "76,120,168", 0.08 + 0.6 * share);
  return "<td style=\"" + std::string(style) + "\">" + std::to_string(count) + "</td>";
}

std::string matrix(const analysis::FlipMatrix& m, const std::string& a, const std::string& b) {
  const int64_t n = m.compared();
  const std::string caption = m.task + ": " + std::to_string(m.answers_differ) + " of " + std::to_string(n) +
                              " answers differ; McNemar p = " + format_value(m.mcnemar_p);
  return "<table class=\"flips\"><caption>" + escape_xml(caption) + "</caption>\n<tr><th></th><th>" + escape_xml(b) +
         " right</th><th>" + escape_xml(b) + " wrong</th></tr>\n<tr><th>" + escape_xml(a) + " right</th>" +
         cell(m.both_right, n, false) + cell(m.only_a_right, n, true) + "</tr>\n<tr><th>" + escape_xml(a) +
         " wrong</th>" + cell(m.only_b_right, n, true) + cell(m.both_wrong, n, false) + "</tr>\n</table>\n";
}

}  // namespace

std::string flip_matrices(const analysis::Disagreements& d) {
  std::string body;
  for (const analysis::PairDisagreements& pair : d.pairs) {
    if (pair.multiple_choice.by_task.empty()) continue;
    const std::string a = pair.a.str(), b = pair.b.str();
    body += "<h4>" + escape_xml(a) + " vs " + escape_xml(b) + "</h4>\n<div class=\"flip-grid\">\n";
    for (const analysis::FlipMatrix& m : pair.multiple_choice.by_task) body += matrix(m, a, b);
    body += "</div>\n";
  }
  if (body.empty())
    return chart_note("flips", "Flip matrices: no two configurations scored the same multiple-choice items.");
  return "<figure id=\"chart-flips\">\n<h3>Flip matrices: where answers change</h3>\n" + body +
         "<figcaption>Per pair of configurations and benchmark, the items right or wrong under each; the red cells "
         "are the flips McNemar's test weighs.</figcaption>\n</figure>\n";
}

}  // namespace qualm::report
