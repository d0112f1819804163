#include "report/html_flips.h"

#include <cstdint>
#include <cstdio>

#include "records/config_key.h"
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

std::string matrix(const json& m, const std::string& a, const std::string& b) {
  const int64_t n = m.value("compared", int64_t{0});
  const double p = m.contains("mcnemar_p") && m["mcnemar_p"].is_number() ? m["mcnemar_p"].get<double>() : 1.0;
  std::string caption = m.value("task", "") + ": " + std::to_string(m.value("answers_differ", int64_t{0})) + " of " +
                        std::to_string(n) + " answers differ; McNemar p = " + format_value(p);
  return "<table class=\"flips\"><caption>" + escape_xml(caption) + "</caption>\n<tr><th></th><th>" + escape_xml(b) +
         " right</th><th>" + escape_xml(b) + " wrong</th></tr>\n<tr><th>" + escape_xml(a) + " right</th>" +
         cell(m.value("both_right", int64_t{0}), n, false) + cell(m.value("only_a_right", int64_t{0}), n, true) +
         "</tr>\n<tr><th>" + escape_xml(a) + " wrong</th>" + cell(m.value("only_b_right", int64_t{0}), n, true) +
         cell(m.value("both_wrong", int64_t{0}), n, false) + "</tr>\n</table>\n";
}

}  // namespace

std::string flip_matrices(const json& summary) {
  const json* pairs = nullptr;
  if (summary.contains("disagreements") && summary["disagreements"].is_object() &&
      summary["disagreements"].contains("pairs") && summary["disagreements"]["pairs"].is_array()) {
    pairs = &summary["disagreements"]["pairs"];
  }
  std::string body;
  if (pairs != nullptr) {
    for (const json& pair : *pairs) {
      const json* mc = pair.contains("multiple_choice") ? &pair["multiple_choice"] : nullptr;
      if (mc == nullptr || !mc->contains("by_task") || !(*mc)["by_task"].is_array() || (*mc)["by_task"].empty())
        continue;
      const std::string a = config_of(pair.value("a", json::object())).str();
      const std::string b = config_of(pair.value("b", json::object())).str();
      body += "<h4>" + escape_xml(a) + " vs " + escape_xml(b) + "</h4>\n<div class=\"flip-grid\">\n";
      for (const json& m : (*mc)["by_task"]) body += matrix(m, a, b);
      body += "</div>\n";
    }
  }
  if (body.empty())
    return chart_note("flips", "Flip matrices: no two configurations scored the same multiple-choice items.");
  return "<figure id=\"chart-flips\">\n<h3>Flip matrices: where answers change</h3>\n" + body +
         "<figcaption>Per pair of configurations and benchmark, the items right or wrong under each; the red cells "
         "are the flips McNemar's test weighs.</figcaption>\n</figure>\n";
}

}  // namespace qualm::report
