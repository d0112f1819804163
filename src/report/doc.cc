#include "report/doc.h"

#include <algorithm>
#include <cctype>

#include "report/svg_chart.h"

namespace qualm::report {

Span bold(std::string text) { return {Style::kBold, std::move(text)}; }
Span code(std::string text) { return {Style::kCode, std::move(text)}; }

Text& Text::operator<<(std::string_view plain) { return *this << Span{Style::kPlain, std::string(plain)}; }

Text& Text::operator<<(Span span) {
  if (span.text.empty()) return *this;
  if (span.style == Style::kPlain && !spans_.empty() && spans_.back().style == Style::kPlain) {
    spans_.back().text += span.text;
  } else {
    spans_.push_back(std::move(span));
  }
  return *this;
}

Text& Text::operator<<(const Text& more) {
  for (const Span& s : more.spans_) *this << s;
  return *this;
}

std::string Text::plain() const {
  std::string out;
  for (const Span& s : spans_) out += s.text;
  return out;
}

Table& Table::row(std::vector<Text> cells) {
  cells.resize(columns.size());
  rows.push_back(std::move(cells));
  return *this;
}

List& List::item(Text text) {
  items.push_back(std::move(text));
  return *this;
}

Text& Doc::heading(int level, Text text) {
  blocks.emplace_back(Heading{level, std::move(text)});
  return std::get<Heading>(blocks.back()).text;
}

Text& Doc::paragraph(Text text) {
  blocks.emplace_back(Paragraph{std::move(text)});
  return std::get<Paragraph>(blocks.back()).text;
}

Table& Doc::table(const std::vector<std::string>& columns) {
  Table t;
  for (const std::string& c : columns) {
    const bool right = c.size() > 1 && c.back() == ':';
    t.columns.push_back({right ? c.substr(0, c.size() - 1) : c, right ? Align::kRight : Align::kDefault});
  }
  blocks.emplace_back(std::move(t));
  return std::get<Table>(blocks.back());
}

List& Doc::list() {
  blocks.emplace_back(List{});
  return std::get<List>(blocks.back());
}

void Doc::code_block(std::string text) { blocks.emplace_back(CodeBlock{std::move(text)}); }

namespace {

// ---- Markdown

std::string markdown(const Text& text, bool in_cell) {
  std::string out;
  for (const Span& s : text.spans()) {
    std::string body;
    for (const char c : s.text) {
      if (in_cell && c == '|')
        body += "\\|";
      else if (in_cell && (c == '\n' || c == '\r' || c == '\t'))
        body += ' ';
      else
        body += c;
    }
    switch (s.style) {
      case Style::kPlain:
        out += body;
        break;
      case Style::kBold:
        out += "**" + body + "**";
        break;
      case Style::kCode: {
        // A code span holding backticks is fenced by a longer run of them, padded (CommonMark).
        size_t longest = 0, run = 0;
        for (const char c : body) longest = std::max(longest, run = c == '`' ? run + 1 : 0);
        const std::string fence(longest + 1, '`'), pad = longest > 0 ? " " : "";
        out += fence + pad + body + pad + fence;
        break;
      }
    }
  }
  return out;
}

struct MarkdownBlock {
  std::string& out;
  void operator()(const Heading& h) {
    out += std::string(std::clamp(h.level, 1, 6), '#') + " " + markdown(h.text, false) + "\n\n";
  }
  void operator()(const Paragraph& p) { out += markdown(p.text, false) + "\n\n"; }
  void operator()(const Table& t) {
    auto line = [&](const auto& cells, auto cell) {
      out += "|";
      for (const auto& c : cells) out += " " + markdown(cell(c), true) + " |";
      out += "\n";
    };
    line(t.columns, [](const Column& c) -> const Text& { return c.name; });
    out += "|";
    for (const Column& c : t.columns) out += c.align == Align::kRight ? "---:|" : "---|";
    out += "\n";
    for (const std::vector<Text>& r : t.rows) line(r, [](const Text& c) -> const Text& { return c; });
    out += "\n";
  }
  void operator()(const List& l) {
    for (const Text& item : l.items) out += "- " + markdown(item, false) + "\n";
    out += "\n";
  }
  void operator()(const CodeBlock& c) {
    for (size_t at = 0; at <= c.text.size();) {
      const size_t end = std::min(c.text.find('\n', at), c.text.size());
      out += "    " + c.text.substr(at, end - at) + "\n";
      at = end + 1;
    }
    out += "\n";
  }
};

// ---- HTML

std::string html(const Text& text) {
  std::string out;
  for (const Span& s : text.spans()) {
    switch (s.style) {
      case Style::kPlain:
        out += escape_xml(s.text);
        break;
      case Style::kBold:
        out += "<strong>" + escape_xml(s.text) + "</strong>";
        break;
      case Style::kCode:
        out += "<code>" + escape_xml(s.text) + "</code>";
        break;
    }
  }
  return out;
}

std::string slug(const Text& text) {
  std::string out;
  for (const char c : text.plain()) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "section" : out;
}

}  // namespace

std::string to_markdown(const Doc& doc) {
  std::string out;
  for (const Block& b : doc.blocks) std::visit(MarkdownBlock{out}, b);
  return out;
}

std::string HtmlRenderer::render(const std::vector<Block>& blocks, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end && i < blocks.size(); ++i) {
    if (const auto* h = std::get_if<Heading>(&blocks[i])) {
      std::string id = slug(h->text);
      if (const int n = ++ids_[id]; n > 1) id += "-" + std::to_string(n);
      const std::string tag = "h" + std::to_string(std::clamp(h->level, 1, 6));
      out += "<" + tag + " id=\"" + id + "\">" + html(h->text) + "</" + tag + ">\n";
      if (h->level == 2) sections_.emplace_back(id, html(h->text));
    } else if (const auto* p = std::get_if<Paragraph>(&blocks[i])) {
      out += "<p>" + html(p->text) + "</p>\n";
    } else if (const auto* t = std::get_if<Table>(&blocks[i])) {
      out += "<table>\n<tr>";
      for (const Column& c : t->columns) {
        out += (c.align == Align::kRight ? "<th style=\"text-align:right\">" : "<th>") + html(c.name) + "</th>";
      }
      out += "</tr>\n";
      for (const std::vector<Text>& r : t->rows) {
        out += "<tr>";
        for (size_t c = 0; c < r.size(); ++c) {
          const bool right = c < t->columns.size() && t->columns[c].align == Align::kRight;
          out += (right ? "<td style=\"text-align:right\">" : "<td>") + html(r[c]) + "</td>";
        }
        out += "</tr>\n";
      }
      out += "</table>\n";
    } else if (const auto* l = std::get_if<List>(&blocks[i])) {
      out += "<ul>\n";
      for (const Text& item : l->items) out += "<li>" + html(item) + "</li>\n";
      out += "</ul>\n";
    } else if (const auto* c = std::get_if<CodeBlock>(&blocks[i])) {
      out += "<pre><code>" + escape_xml(c->text) + "</code></pre>\n";
    }
  }
  return out;
}

}  // namespace qualm::report
