#include "report/html_report.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "report/html_charts.h"
#include "report/html_flips.h"
#include "report/html_forest.h"
#include "report/svg_chart.h"

namespace qualm::report {

using nlohmann::json;
using namespace summary_json;

namespace {

const char* const kStyle = R"css(
:root{--fg:#1d2329;--muted:#5b6670;--line:#d8dde3;--soft:#f3f5f7}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:#fff}
main{max-width:1060px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:20px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin:24px 0 8px}h4,h5,h6{font-size:14px}
table{border-collapse:collapse;margin:8px 0;font-size:13px;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}th{background:var(--soft)}
code{font:12px/1.4 "DejaVu Sans Mono",ui-monospace,monospace;background:var(--soft);padding:1px 3px;border-radius:3px}
pre{background:var(--soft);padding:8px;overflow-x:auto}pre code{padding:0}
nav a{margin-right:14px}.flip-grid{display:flex;flex-wrap:wrap;gap:12px}table.flips{display:table}table.flips td{text-align:center;min-width:5em}table.flips caption{font-size:12px;text-align:left}.meta td:first-child{color:var(--muted)}
.chart-note{color:var(--muted);font-style:italic;border-left:3px solid var(--line);padding-left:8px}
figure{margin:16px 0}figcaption{color:var(--muted);font-size:12.5px}
svg.chart{display:block;max-width:100%;height:auto;font:11px system-ui,"DejaVu Sans",sans-serif}
svg .grid{stroke:#e7ebef}svg .axis{stroke:#8a949e}svg .tick{fill:#5b6670}svg .axis-label{font-size:12px}
svg .panel-title{font-size:11.5px;font-weight:600}svg .whisker{stroke:#1d2329;stroke-width:1.2}
svg .frontier-line{stroke:#1d2329;stroke-width:1.5;stroke-dasharray:5 3}
svg .pareto-point{fill-opacity:.85}svg .pareto-point.frontier{stroke:#1d2329;stroke-width:2}svg .point-label{font-size:10.5px}
svg .ref-line{stroke:#c0392b;stroke-dasharray:4 3}svg .ref-label{fill:#c0392b;font-size:10px}
svg .bin{fill:#9fb8d3}svg .median{stroke:#1d2329;stroke-width:2}svg .strip{stroke:#eef1f4}
svg .cv-point{fill-opacity:.75}svg .kld-line{stroke-width:1.8}
)css";

// The run's facts from the manifest, for a report.md without an opening paragraph.
std::string meta_table(const analysis::Summary& summary, const json& manifest) {
  std::vector<std::pair<std::string, std::string>> rows;
  auto add = [&](const std::string& name, const std::string& value) {
    if (!value.empty()) rows.emplace_back(name, value);
  };
  add("run", summary.run_id.empty() ? str(manifest, "run_id") : summary.run_id);
  add("qualm", str(manifest, "qualm_version") +
                   (str(manifest, "git_commit").empty() ? "" : " (" + str(manifest, "git_commit") + ")"));
  add("llama.cpp", str(manifest, "llama_cpp_commit"));
  add("config sha256", str(manifest, "config_sha256"));
  add("started", str(manifest, "started_at"));
  add("finished", str(manifest, "finished_at"));
  const json& m = member(manifest, "machine");
  std::string machine = str(m, "cpu");
  if (!str(m, "cores").empty()) machine += ", " + str(m, "cores") + " cores";
  if (!str(m, "memory").empty()) machine += ", " + str(m, "memory");
  if (!str(m, "gpu").empty()) machine += ", " + str(m, "gpu");
  add("machine", machine);
  const analysis::RecordCounts& c = summary.counts;
  std::string counts;
  for (const auto& [key, n] :
       {std::pair{"evaluated", c.evaluated}, std::pair{"skipped", c.skipped}, std::pair{"errors", c.errors},
        std::pair{"truncated", c.truncated}, std::pair{"unknown_tokens", c.unknown_tokens}}) {
    counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + key;
  }
  add("samples", counts);
  std::string out = "<table class=\"meta\">\n";
  for (const auto& [name, value] : rows)
    out += "<tr><td>" + escape_xml(name) + "</td><td>" + escape_xml(value) + "</td></tr>\n";
  return out + "</table>\n";
}

}  // namespace

std::string render_html_report(const analysis::Summary& summary, const json& manifest, const Doc& doc) {
  Colors colors;
  for (const analysis::CompositeRow& r : summary.composite) colors.of(r.config.str());
  for (const AggregateRow& r : summary.tasks) colors.of(r.config.str());
  const std::string experiment = summary.experiment.empty() ? str(manifest, "experiment") : summary.experiment;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>qualm report: " +
      escape_xml(experiment) +
      "</title>\n<link rel=\"icon\" href=\"data:,\">\n"
      "<style>" +
      std::string(kStyle) + "</style>\n</head>\n<body>\n<main>\n";
  // The report's title and opening paragraphs lead, then its verdict and the forest plot that
  // draws it; the other charts follow, then the rest of its sections.
  const std::vector<Block>& blocks = doc.blocks;
  auto level = [&](size_t i) {
    const auto* h = std::get_if<Heading>(&blocks[i]);
    return h == nullptr ? 0 : h->level;
  };
  size_t cut = 0;  // the first section
  while (cut < blocks.size() && level(cut) != 2) ++cut;
  size_t rest = cut;  // the section after the verdict
  if (cut < blocks.size() && std::get<Heading>(blocks[cut]).text.plain() == "Verdict") {
    while (++rest < blocks.size() && (level(rest) == 0 || level(rest) > 2)) {
    }
  }
  HtmlRenderer html;  // one renderer: heading ids are unique on the page
  const std::string intro = html.render(blocks, 0, cut);
  const std::string verdict = rest > cut ? html.render(blocks, cut, rest) + forest_chart(summary) : "";
  const size_t listed = html.sections().size();  // the navigation lists the sections below the charts
  const std::string sections = html.render(blocks, rest, blocks.size());
  const bool titled = std::any_of(blocks.begin(), blocks.begin() + cut, [](const Block& b) {
    return std::holds_alternative<Heading>(b) && std::get<Heading>(b).level == 1;
  });
  const bool opened = std::any_of(blocks.begin(), blocks.begin() + cut,
                                  [](const Block& b) { return std::holds_alternative<Paragraph>(b); });
  if (!titled) out += "<h1>qualm report: " + escape_xml(experiment) + "</h1>\n";
  out += opened ? intro : intro + meta_table(summary, manifest);
  out += "<section id=\"verdict\" class=\"markdown\">\n" + verdict + "</section>\n";
  out +=
      "<nav><b>Charts:</b> <a href=\"#chart-flips\">Flips</a><a href=\"#chart-pareto\">Pareto</a><a "
      "href=\"#chart-task-bars\">Per task</a><a href=\"#chart-cv-"
      "distribution\">Sampling variance</a><a href=\"#chart-kld-percentiles\">KLD</a>";
  if (html.sections().size() > listed) out += "<br><b>Sections:</b> ";
  for (size_t i = listed; i < html.sections().size(); ++i) {
    out += "<a href=\"#" + html.sections()[i].first + "\">" + html.sections()[i].second + "</a>";
  }
  out += "</nav>\n<section id=\"charts\">\n<h2>Charts</h2>\n";
  // One chart after another: each gives a color to the labels it meets first.
  out += flip_matrices(summary.disagreements);
  out += pareto_chart(summary.pareto, colors);
  out += task_chart(summary, colors);
  out += cv_chart(summary.sampling_variance, colors);
  out += kld_chart(summary.kld, colors);
  out += "</section>\n<section id=\"report-text\" class=\"markdown\">\n" + sections;
  return out + "</section>\n</main>\n</body>\n</html>\n";
}

}  // namespace qualm::report
