#pragma once
// A report as typed blocks: headings, paragraphs, pipe tables, lists and code of styled text. The
// section writers build one Doc from summary.json; report.md and report.html (and compare.md)
// are two renderings of it, so neither is parsed back from the other.

#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace qualm::report {

enum class Style { kPlain, kBold, kCode };

struct Span {
  Style style = Style::kPlain;
  std::string text;
};

Span bold(std::string text);
Span code(std::string text);

// Inline text, appended like an std::ostream: strings and numbers add plain text (numbers
// formatted as an ostream formats them), bold() and code() add styled spans.
class Text {
 public:
  Text() = default;
  Text(std::string_view plain) { *this << plain; }               // NOLINT: a string is plain text
  Text(const std::string& plain) { *this << plain; }             // NOLINT
  Text(const char* plain) { *this << std::string_view(plain); }  // NOLINT
  Text(Span span) { *this << std::move(span); }                  // NOLINT

  Text& operator<<(std::string_view plain);
  Text& operator<<(const std::string& plain) { return *this << std::string_view(plain); }
  Text& operator<<(const char* plain) { return *this << std::string_view(plain); }
  Text& operator<<(Span span);
  Text& operator<<(const Text& more);
  template <class T>
  requires std::is_arithmetic_v<T> Text& operator<<(T value) {
    std::ostringstream formatted;
    formatted << value;
    return *this << formatted.str();
  }

  const std::vector<Span>& spans() const { return spans_; }
  bool empty() const { return spans_.empty(); }
  std::string plain() const;  // the spans' text, styles dropped

 private:
  std::vector<Span> spans_;  // never an empty span; no two plain spans in a row
};

enum class Align { kDefault, kRight };  // Markdown's "---" and "---:"

struct Column {
  Text name;
  Align align = Align::kDefault;
};

struct Heading {
  int level = 2;  // 1 is the title, 2 a section, 3 a subsection
  Text text;
};

struct Paragraph {
  Text text;
};

struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<Text>> rows;  // one Text per column
  Table& row(std::vector<Text> cells);  // padded with empty cells, or cut, to the columns
};

struct List {
  std::vector<Text> items;
  List& item(Text text);
};

struct CodeBlock {
  std::string text;  // lines as written, no styles
};

using Block = std::variant<Heading, Paragraph, Table, List, CodeBlock>;

// Blocks in reading order. The references returned stay valid until the next block is added.
struct Doc {
  std::vector<Block> blocks;

  Text& heading(int level, Text text = {});
  Text& paragraph(Text text = {});
  // Columns as "name" (left as Markdown's default) or "name:" right-aligned, e.g. {"n:", "task"}.
  Table& table(const std::vector<std::string>& columns);
  List& list();
  void code_block(std::string text);
};

// report.md's Markdown: "#" headings, blank-line separated blocks, pipe tables whose cells
// escape "|" and fold line breaks, "- " lists, code blocks indented by four spaces, **bold** and
// `code`.
std::string to_markdown(const Doc& doc);

// HTML for report.html, with each heading's id made from its text, unique within one renderer.
class HtmlRenderer {
 public:
  std::string render(const std::vector<Block>& blocks, size_t begin, size_t end);
  std::string render(const Doc& doc) { return render(doc.blocks, 0, doc.blocks.size()); }
  // Every level-2 heading rendered so far: id and text as HTML.
  const std::vector<std::pair<std::string, std::string>>& sections() const { return sections_; }

 private:
  std::map<std::string, int> ids_;  // times each id was given
  std::vector<std::pair<std::string, std::string>> sections_;
};

}  // namespace qualm::report
