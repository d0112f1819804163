#pragma once
// report.md to HTML for report.html: the Markdown subset the report writers use.

#include <string>

namespace qualm::report {

// The Markdown subset report.md uses: ATX headings (with ids from their text), paragraphs, pipe tables with alignment rows, - / * / 1. lists, > quotes, ``` fences, ---
// rules, and inline `code`, **bold** and [text](link). Everything else is escaped text.
std::string markdown_to_html(const std::string& markdown);

// Offset of the first "## " line outside a code fence; the size when there is none.
size_t first_section(const std::string& markdown);

}  // namespace qualm::report
