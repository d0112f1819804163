#include "report/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "report/html_report.h"

namespace qualm::report {
namespace {

using nlohmann::json;

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(SvgChart, EscapesMarkupAndDropsControlCharacters) {
  EXPECT_EQ(escape_xml("a<b & 'c' \"d\">"), "a&lt;b &amp; &#39;c&#39; &quot;d&quot;&gt;");
  EXPECT_EQ(escape_xml(std::string("x\x01y\tz\n", 6)), "xy\tz\n");
  EXPECT_EQ(escape_xml("é ≥ 5 %"), "é ≥ 5 %");  // UTF-8 passes through
}

TEST(SvgChart, TruncatesWholeCodePoints) {
  EXPECT_EQ(truncate_text("qa · rouge_l", 12), "qa · rouge_l");  // 12 code points, 13 bytes
  EXPECT_EQ(truncate_text("qa · rouge_l", 5), "qa ·…");
  EXPECT_EQ(truncate_text("qa · rouge_l", 4), "qa …");          // never half of the 2-byte "·"
  EXPECT_EQ(truncate_text("abc", 0), "");
}

TEST(SvgChart, FormatsCoordinatesAndValues) {
  EXPECT_EQ(format_coord(2.5), "2.5");
  EXPECT_EQ(format_coord(10.0), "10");
  EXPECT_EQ(format_coord(3.14159), "3.14");
  EXPECT_EQ(format_coord(-0.001), "0");
  EXPECT_EQ(format_coord(std::numeric_limits<double>::quiet_NaN()), "0");
  EXPECT_EQ(format_value(0.123456), "0.123");
  EXPECT_EQ(format_value(123456), "1.23e+05");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "-");
}

TEST(SvgChart, NiceStepsAreOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(nice_step(0.93, 5), 0.2);  // raw 0.186: 1.86 >= sqrt(2)
  EXPECT_DOUBLE_EQ(nice_step(100, 5), 20);
  EXPECT_DOUBLE_EQ(nice_step(1, 10), 0.1);
  EXPECT_DOUBLE_EQ(nice_step(7, 5), 1);      // raw 1.4 < sqrt(2)
  EXPECT_DOUBLE_EQ(nice_step(25, 8), 2);     // raw 3.125 < sqrt(10)
  EXPECT_DOUBLE_EQ(nice_step(40, 5), 10);    // raw 8 >= sqrt(50)
  EXPECT_DOUBLE_EQ(nice_step(0, 5), 1);      // empty span
}

TEST(SvgChart, TicksEncloseTheRangeWithoutBinaryDrift) {
  EXPECT_EQ(nice_ticks(0, 0.93, 5), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0}));
  EXPECT_EQ(nice_ticks(-3, 7, 5), (std::vector<double>{-4, -2, 0, 2, 4, 6, 8}));
  EXPECT_EQ(nice_ticks(0.1, 0.3, 2), (std::vector<double>{0.1, 0.2, 0.3}));
  EXPECT_EQ(format_tick(0.6, 0.2), "0.6");
  EXPECT_EQ(format_tick(50, 10), "50");
  EXPECT_EQ(format_tick(-0.0, 0.1), "0");
  EXPECT_EQ(format_tick(0.005, 0.005), "0.005");
  EXPECT_EQ(format_tick(1200000, 200000), "1.2M");
  EXPECT_EQ(format_tick(25000, 5000), "25k");
  EXPECT_EQ(format_tick(3000, 1000), "3k");
}

TEST(SvgChart, LinearScaleMapsTheNiceDomainOntoPixels) {
  const Scale y = linear_scale(0, 0.93, 300, 100, 5);
  EXPECT_EQ(y.d0, 0);
  EXPECT_EQ(y.d1, 1);
  EXPECT_DOUBLE_EQ(y(0), 300);
  EXPECT_DOUBLE_EQ(y(0.5), 200);
  EXPECT_DOUBLE_EQ(y(1), 100);
  EXPECT_EQ(y.tick_label(0.4), "0.4");
  EXPECT_EQ(y.clamp(1.7), 1);

  const Scale zero = linear_scale(0, 0, 0, 100);  // widened to [-1, 1], step 0.5
  EXPECT_EQ(zero.ticks, (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
  const Scale four = linear_scale(4, 4, 0, 100);  // widened to [2, 6], step 1
  EXPECT_EQ(four.d0, 2);
  EXPECT_EQ(four.d1, 6);
  EXPECT_DOUBLE_EQ(four(5), 75);
}

TEST(SvgChart, LogScaleTicksAtPowersOfTen) {
  const Scale y = log_scale(0.003, 0.4, 300, 0);
  EXPECT_EQ(y.ticks.size(), 4u);  // 0.001 0.01 0.1 1
  EXPECT_DOUBLE_EQ(y.d0, 0.001);
  EXPECT_DOUBLE_EQ(y.d1, 1);
  EXPECT_NEAR(y(0.01), 200, 1e-9);
  EXPECT_NEAR(y(0.1), 100, 1e-9);
  EXPECT_EQ(y.tick_label(0.001), "0.001");
  EXPECT_EQ(y.tick_label(1000), "1000");
  EXPECT_EQ(y.tick_label(1e-5), "1e-5");
  EXPECT_EQ(y.tick_label(1e5), "1e5");
  const Scale one = log_scale(5, 5, 0, 10);  // one decade
  EXPECT_DOUBLE_EQ(one.d0, 1);
  EXPECT_DOUBLE_EQ(one.d1, 10);
}

TEST(SvgChart, ElementsEscapeTheirAttributesAndText) {
  EXPECT_EQ(element("rect", {{"class", "mark"}, {"data-x", "a\"b"}}), "<rect class=\"mark\" data-x=\"a&quot;b\"/>");
  EXPECT_EQ(text(10, 20.5, "<b>", "tick", "middle"),
            "<text class=\"tick\" x=\"10\" y=\"20.5\" text-anchor=\"middle\">&lt;b&gt;</text>");
  EXPECT_EQ(circle(1, 2, 3, {{"class", "mark"}}, tooltip("a&b")),
            "<circle cx=\"1\" cy=\"2\" r=\"3\" class=\"mark\"><title>a&amp;b</title></circle>");
  const std::vector<std::pair<double, double>> pts = {{0, 1.5}, {2.25, 3}};
  EXPECT_EQ(polyline(pts, {{"class", "l"}}), "<polyline points=\"0,1.5 2.25,3\" fill=\"none\" class=\"l\"/>");
  EXPECT_EQ(rect(10, 10, -4, 5, {}), "<rect x=\"6\" y=\"10\" width=\"4\" height=\"5\"/>");
}

TEST(SvgChart, BarRisesFromZeroWithWhiskerAtTheInterval) {
  const Scale y = linear_scale(0, 1, 100, 0);
  const std::string bar = bar_with_whisker(y, 20, 10, 0.5, std::pair(0.4, 0.6), {{"class", "mark"}});
  EXPECT_NE(bar.find("<rect x=\"15\" y=\"50\" width=\"10\" height=\"50\" class=\"mark\"/>"), std::string::npos);
  EXPECT_NE(bar.find("<line class=\"whisker\" x1=\"20\" y1=\"60\" x2=\"20\" y2=\"40\"/>"), std::string::npos);
  EXPECT_EQ(count(bar, "whisker"), 3u);  // stem and two caps
  EXPECT_EQ(count(bar_with_whisker(y, 20, 10, 0.5, std::nullopt, {}), "whisker"), 0u);

  const Scale signed_y = linear_scale(-1, 1, 200, 0);  // zero at 100: a negative bar hangs below
  EXPECT_NE(bar_with_whisker(signed_y, 0, 2, -0.5, std::nullopt, {}).find("y=\"100\" width=\"2\" height=\"50\""),
            std::string::npos);
}

TEST(SvgChart, HistogramBinsAreHalfOpenAndClampOutliers) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> values = {0, 0.5, 1.0, 2.9, 3.0, -1, 10, nan};
  EXPECT_EQ(histogram_counts(values, 0, 1, 3), (std::vector<int64_t>{3, 1, 3}));
  EXPECT_TRUE(histogram_counts(values, 0, 1, 0).empty());
  const Scale x = linear_scale(0, 3, 0, 300), y = linear_scale(0, 4, 100, 0);
  const std::vector<int64_t> counts = {3, 0, 2};
  const std::string bars = histogram(x, y, 0, 1, counts, "bin");
  EXPECT_EQ(count(bars, "<rect"), 2u);  // the empty bin draws nothing
  EXPECT_NE(bars.find("x=\"0.5\" y=\"25\" width=\"99\" height=\"75\" class=\"bin\" data-count=\"3\""),
            std::string::npos);
}

TEST(SvgChart, StepPointsMakeAStaircase) {
  const std::vector<std::pair<double, double>> pts = {{0, 0}, {1, 1}, {2, 3}};
  EXPECT_EQ(step_points(pts), (std::vector<std::pair<double, double>>{{0, 0}, {1, 0}, {1, 1}, {2, 1}, {2, 3}}));
  EXPECT_TRUE(step_points({}).empty());
}

// render_html_report (html_report.h) uses these pieces; its tests sit here with the builder's.

json full_summary() {
  return json::parse(R"({
    "experiment": "demo <1>",
    "tasks": [
      {"model": "m", "variant": "f32", "backend": "cpu", "task_name": "qa", "metric": "rouge_l", "n": 4,
       "mean": 0.4, "std": 0.1, "ci_low": 0.3, "ci_high": 0.5},
      {"model": "m", "variant": "Q8_0", "backend": "cpu", "task_name": "qa", "metric": "rouge_l", "n": 1,
       "mean": 0.35, "std": null, "ci_low": null, "ci_high": null},
      {"model": "m", "variant": "f32", "backend": "cpu", "task_name": "mmlu_anatomy", "metric": "acc", "n": 5,
       "mean": 0.2, "std": 0.4, "ci_low": 0.0, "ci_high": 0.6}],
    "benchmarks": [{"task": "mmlu_anatomy", "group": "mmlu", "metric": "acc"}],
    "pareto": {"quality_metric": "composite", "note": "how to read it", "frontier": ["m/f32/cpu"], "points": [
      {"model": "m", "variant": "f32", "backend": "cpu", "quality": 0.5, "usd_per_million_tokens": 0.2,
       "quality_adjusted_cost": 0.4, "on_frontier": true, "dominated_by": []},
      {"model": "m", "variant": "Q8_0", "backend": "cpu", "quality": 0.45, "usd_per_million_tokens": 0.3,
       "quality_adjusted_cost": 0.67, "on_frontier": false, "dominated_by": ["m/f32/cpu"]},
      {"model": "x", "variant": "f32", "backend": "cpu", "quality": null, "usd_per_million_tokens": 0.1}]},
    "sampling_variance": {"cells": [
      {"model": "m", "variant": "f32", "backend": "cpu", "task_name": "qa", "metric": "bleu", "n_samples": 3,
       "mean_cv": 0.1, "median_cv": 0.08, "below_5pct": 0.33, "below_10pct": 0.66, "below_20pct": 1,
       "cvs": [0.02, 0.08, 0.2, null]}]},
    "disagreements": {"pairs": [{"a": {"model": "m", "variant": "f32", "backend": "cpu"},
      "b": {"model": "m", "variant": "Q8_0", "backend": "cpu"}, "multiple_choice": {"by_task": [
      {"task": "mmlu_anatomy", "compared": 5, "both_right": 1, "only_a_right": 2, "only_b_right": 0,
       "both_wrong": 2, "answers_differ": 3, "mcnemar_p": 0.5}]}}]},
    "kld": {"note": "pooled", "rows": [
      {"model": "m", "variant": "Q8_0", "backend": "cpu", "task_name": "k", "base_model": "m/f32",
       "kld_mean": 0.01, "same_top": 0.95,
       "percentiles": {"p50": 0.001, "p90": 0.02, "p95": 0.05, "p99": 0.3, "max": 0}}]}
  })");
}

TEST(RenderHtmlReport, OneMarkPerDataPointInEachChart) {
  const json manifest = {{"qualm_version", "0.1.0"}, {"machine", {{"cpu", "x86"}, {"cores", 2}}}};
  Doc doc;
  doc.heading(1, "Report");
  doc.paragraph("intro");
  doc.paragraph("## not a section");
  doc.heading(2, "Composite");
  doc.paragraph("x");
  const std::string html = render_html_report(full_summary().get<analysis::Summary>(), manifest, doc);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("<title>qualm report: demo &lt;1&gt;</title>"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"mark pareto-point"), 2u);  // the null-quality point is not drawn
  EXPECT_EQ(count(html, "class=\"mark pareto-point frontier\""), 1u);
  EXPECT_EQ(count(html, "class=\"mark task-bar\""), 3u);
  EXPECT_EQ(count(html, "class=\"mark cv-point\""), 3u);
  EXPECT_EQ(count(html, "class=\"mark kld-point\""), 5u);
  EXPECT_EQ(count(html, "data-clamped=\"true\""), 1u);  // max = 0 on a log scale
  EXPECT_EQ(count(html, "class=\"chart-note\""), 0u);  // a section's note beside data is a caption
  // The flip matrix: both right 1, only f32 2 (a flip, red), only Q8_0 0, both wrong 2.
  EXPECT_EQ(count(html, "<table class=\"flips\">"), 1u);
  EXPECT_NE(html.find("<caption>mmlu_anatomy: 3 of 5 answers differ; McNemar p = 0.5</caption>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th>m/f32/cpu right</th><td style=\"background:rgba(76,120,168,0.200)\">1</td>"
                      "<td style=\"background:rgba(214,39,40,0.320)\">2</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("whiskers are quality CIs. how to read it 1 point(s) without a quality or cost are not drawn.</figcaption>"), std::string::npos);
  // The report's title and intro lead, then the charts, then its sections (listed in the nav).
  const size_t title = html.find("<h1 id=\"report\">Report</h1>\n<p>intro</p>");
  const size_t charts = html.find("<section id=\"charts\">");
  const size_t section = html.find("<h2 id=\"composite\">Composite</h2>");
  EXPECT_LT(title, charts);
  EXPECT_LT(charts, section);
  EXPECT_NE(section, std::string::npos);
  EXPECT_LT(html.find("<p>## not a section</p>"), charts);  // text is not a section, whatever it reads
  EXPECT_NE(html.find("<a href=\"#composite\">Composite</a></nav>"), std::string::npos);
  EXPECT_EQ(html.find("<table class=\"meta\">"), std::string::npos);  // the intro says it
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\""), std::string::npos);  // nothing fetched
}

TEST(RenderHtmlReport, MissingSectionsBecomeNotes) {
  const json summary = {{"tasks", json::array()}, {"pareto", nullptr},
                        {"sampling_variance", {{"cells", json::array()}, {"note", "no generate task ran"}}},
                        {"kld", {{"rows", json::array()}, {"note", "no kld records"}}}};
  const std::string html = render_html_report(summary.get<analysis::Summary>(), json::object(), Doc());
  EXPECT_EQ(count(html, "class=\"chart-note\""), 5u);
  EXPECT_NE(html.find("data-chart=\"flips\">Flip matrices: no two configurations"), std::string::npos);
  EXPECT_NE(html.find("data-chart=\"pareto\">No cost table: add cost: costs.csv"), std::string::npos);
  EXPECT_NE(html.find("data-chart=\"cv-distribution\">no generate task ran</p>"), std::string::npos);
  EXPECT_NE(html.find("data-chart=\"kld-percentiles\">No KLD rows: add a kld task"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"mark "), 0u);
  EXPECT_NE(html.find("<h1>qualm report: </h1>\n<table class=\"meta\">"), std::string::npos);  // no title, no intro
  EXPECT_NO_THROW(
      render_html_report(json::array().get<analysis::Summary>(), json(), Doc()));  // wrong shapes do not throw
}

TEST(RenderHtmlReport, VerdictLeadsAndHeadingIdsAreUniqueOnThePage) {
  Doc doc;
  doc.heading(1, "qualm report: x");
  doc.paragraph("intro");
  doc.heading(2, "Verdict");
  doc.heading(3, "m/Q8_0/cpu vs m/f32/cpu");
  doc.list().item(Text() << bold("Equivalent") << ": equivalent on 2 of 2 task metrics.");
  doc.heading(2, "Where configurations disagree");
  doc.heading(3, "m/Q8_0/cpu vs m/f32/cpu");
  const std::string html = render_html_report(analysis::Summary{}, json::object(), doc);
  const size_t verdict = html.find("<section id=\"verdict\" class=\"markdown\">\n<h2 id=\"verdict\">Verdict</h2>");
  EXPECT_NE(verdict, std::string::npos) << html;
  EXPECT_LT(verdict, html.find("<section id=\"charts\">"));
  EXPECT_NE(html.find("<li><strong>Equivalent</strong>: equivalent on 2 of 2 task metrics.</li>"), std::string::npos);
  EXPECT_NE(html.find("<h3 id=\"m-q8-0-cpu-vs-m-f32-cpu\">"), std::string::npos);
  EXPECT_NE(html.find("<h3 id=\"m-q8-0-cpu-vs-m-f32-cpu-2\">"), std::string::npos);
  // The navigation lists the sections below the charts, not the verdict above them.
  EXPECT_NE(
      html.find("<b>Sections:</b> <a href=\"#where-configurations-disagree\">Where configurations disagree</a></nav>"),
      std::string::npos)
      << html;
}

}  // namespace
}  // namespace qualm::report
