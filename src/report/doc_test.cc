#include "report/doc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace qualm::report {
namespace {

Doc sample() {
  Doc doc;
  doc.heading(1, "Title <x>");
  doc.paragraph() << "Run " << code("a<b") << ", " << int64_t{12} << " samples, " << 0.25 << " and " << bold("bold")
                  << " text\nwrapped.";
  Table& t = doc.table({"task", "mean:"});
  t.row({"qa|x", "0.5"});
  t.row({Text(bold("all")), Text() << "line\nbreak"});
  doc.list().item("one").item(Text() << "two " << code("c"));
  doc.code_block("a < b\n  c");
  return doc;
}

TEST(Doc, MarkdownIsReportMdsSubset) {
  EXPECT_EQ(to_markdown(sample()),
            "# Title <x>\n\n"
            "Run `a<b`, 12 samples, 0.25 and **bold** text\nwrapped.\n\n"
            "| task | mean |\n|---|---:|\n| qa\\|x | 0.5 |\n| **all** | line break |\n\n"
            "- one\n- two `c`\n\n"
            "    a < b\n      c\n\n");
}

TEST(Doc, TextMergesPlainSpansAndDropsEmptyOnes) {
  Text t;
  t << "a" << std::string() << "b" << code("") << 3 << bold("x") << "c";
  ASSERT_EQ(t.spans().size(), 3u);
  EXPECT_EQ(t.spans()[0].text, "ab3");
  EXPECT_EQ(t.spans()[1].style, Style::kBold);
  EXPECT_EQ(t.plain(), "ab3xc");
}

TEST(Doc, CodeHoldingABacktickGetsALongerFence) {
  Doc doc;
  doc.paragraph(code("a`b"));
  doc.paragraph(code("``x"));
  EXPECT_EQ(to_markdown(doc), "`` a`b ``\n\n``` ``x ```\n\n");
}

TEST(Doc, ARowIsPaddedOrCutToTheColumns) {
  Doc doc;
  doc.table({"a", "b"}).row({"1"}).row({"1", "2", "3"});
  EXPECT_EQ(to_markdown(doc), "| a | b |\n|---|---|\n| 1 |  |\n| 1 | 2 |\n\n");
}

TEST(Doc, HtmlEscapesTextAndKeepsStyles) {
  HtmlRenderer html;
  EXPECT_EQ(html.render(sample()),
            "<h1 id=\"title-x\">Title &lt;x&gt;</h1>\n"
            "<p>Run <code>a&lt;b</code>, 12 samples, 0.25 and <strong>bold</strong> text\nwrapped.</p>\n"
            "<table>\n<tr><th>task</th><th style=\"text-align:right\">mean</th></tr>\n"
            "<tr><td>qa|x</td><td style=\"text-align:right\">0.5</td></tr>\n"
            "<tr><td><strong>all</strong></td><td style=\"text-align:right\">line\nbreak</td></tr>\n</table>\n"
            "<ul>\n<li>one</li>\n<li>two <code>c</code></li>\n</ul>\n"
            "<pre><code>a &lt; b\n  c</code></pre>\n");
}

TEST(Doc, HeadingIdsAreUniquePerRendererAndSectionsAreListed) {
  Doc doc;
  doc.heading(2, "A & B");
  doc.heading(3, "A & B");
  doc.heading(2, Text() << bold("!!"));
  HtmlRenderer html;
  EXPECT_EQ(html.render(doc),
            "<h2 id=\"a-b\">A &amp; B</h2>\n<h3 id=\"a-b-2\">A &amp; B</h3>\n"
            "<h2 id=\"section\"><strong>!!</strong></h2>\n");
  EXPECT_EQ(html.render(doc.blocks, 0, 1), "<h2 id=\"a-b-3\">A &amp; B</h2>\n");
  ASSERT_EQ(html.sections().size(), 3u);
  EXPECT_EQ(html.sections()[1], std::make_pair(std::string("section"), std::string("<strong>!!</strong>")));
}

}  // namespace
}  // namespace qualm::report
