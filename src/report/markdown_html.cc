#include "report/markdown_html.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "report/svg_chart.h"

namespace qualm::report {

namespace {

// ---- report.md to HTML: the subset markdown_report writes.

std::string escape_char(char c) { return escape_xml(std::string_view(&c, 1)); }

// Links go only where a click is safe: the web, an anchor, or a relative file.
bool safe_href(std::string_view url) {
  const size_t colon = url.find(':');
  return url.starts_with("https://") || url.starts_with("http://") || colon == std::string_view::npos ||
         url.find_first_of("/#?") < colon;
}

std::string inline_html(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size() && std::ispunct(static_cast<unsigned char>(s[i + 1]))) {
      out += escape_char(s[i + 1]);
      i += 2;
    } else if (c == '`') {
      size_t ticks = s.find_first_not_of('`', i) - i;
      if (i + ticks > s.size()) ticks = s.size() - i;
      const std::string fence(ticks, '`');
      const size_t end = s.find(fence, i + ticks);
      if (end == std::string_view::npos) {
        out += fence;
      } else {
        std::string_view code = s.substr(i + ticks, end - i - ticks);
        if (code.size() > 2 && code.front() == ' ' && code.back() == ' ') code = code.substr(1, code.size() - 2);
        out += "<code>" + escape_xml(code) + "</code>";
        i = end;
      }
      i += ticks;
    } else if (s.substr(i, 2) == "**" && s.find("**", i + 2) != std::string_view::npos && s.find("**", i + 2) > i + 2) {
      const size_t end = s.find("**", i + 2);
      out += "<strong>" + inline_html(s.substr(i + 2, end - i - 2)) + "</strong>";
      i = end + 2;
    } else if (c == '[' && s.find("](", i) != std::string_view::npos &&
               s.find(')', s.find("](", i)) != std::string_view::npos) {
      const size_t mid = s.find("](", i), end = s.find(')', mid);
      const std::string_view label = s.substr(i + 1, mid - i - 1), url = s.substr(mid + 2, end - mid - 2);
      out += safe_href(url) ? "<a href=\"" + escape_xml(url) + "\">" + inline_html(label) + "</a>"
                            : inline_html(label) + " (" + escape_xml(url) + ")";
      i = end + 1;
    } else {
      out += escape_char(c);
      ++i;
    }
  }
  return out;
}

std::string trim(std::string_view s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string_view::npos) return "";
  return std::string(s.substr(a, s.find_last_not_of(" \t\r") - a + 1));
}

// GFM: cells split at unescaped pipes; "\|" is a pipe inside a cell, code spans included.
std::vector<std::string> table_cells(std::string_view line) {
  std::string row = trim(line);
  if (row.starts_with("|")) row.erase(0, 1);
  if (row.ends_with("|") && !row.ends_with("\\|")) row.pop_back();
  std::vector<std::string> cells(1);
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') cells.back() += '|', ++i;
    else if (row[i] == '|') cells.emplace_back();
    else cells.back() += row[i];
  }
  for (std::string& c : cells) c = trim(c);
  return cells;
}

bool is_separator_row(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const std::string& c) {
    return !c.empty() && c.find('-') != std::string::npos && c.find_first_not_of(":-") == std::string::npos;
  });
}

std::string table_html(const std::vector<std::string>& lines) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string& l : lines) rows.push_back(table_cells(l));
  const bool headed = rows.size() > 1 && is_separator_row(rows[1]);
  std::vector<std::string> align;
  if (headed) {
    for (const std::string& c : rows[1]) {
      align.push_back(c.back() != ':' ? (c.front() == ':' ? "left" : "") : c.front() == ':' ? "center" : "right");
    }
  }
  std::string out = "<table>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    if (headed && r == 1) continue;
    const std::string tag = headed && r == 0 ? "th" : "td";
    out += "<tr>";
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const std::string a = c < align.size() && !align[c].empty() ? " style=\"text-align:" + align[c] + "\"" : "";
      out += "<" + tag + a + ">" + inline_html(rows[r][c]) + "</" + tag + ">";
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

// "- x", "* x", "+ x" (ul) or "12. x" (ol): the kind, the indent and the text.
std::optional<std::tuple<std::string, size_t, std::string>> list_item(const std::string& line) {
  const size_t indent = line.find_first_not_of(' ');
  if (indent == std::string::npos) return std::nullopt;
  const std::string rest = line.substr(indent);
  if (rest.size() > 2 && std::string_view("-*+").find(rest[0]) != std::string_view::npos && rest[1] == ' ') {
    return std::tuple("ul", indent, rest.substr(2));
  }
  const size_t digits = rest.find_first_not_of("0123456789");
  if (digits > 0 && digits != std::string::npos && rest.compare(digits, 2, ". ") == 0) {
    return std::tuple("ol", indent, rest.substr(digits + 2));
  }
  return std::nullopt;
}

std::string slug(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "section" : out;
}

}  // namespace

// Offset of the first "## " line outside a code fence; the size when there is none.
size_t first_section(const std::string& markdown) {
  bool fenced = false;
  for (size_t at = 0; at < markdown.size(); at = markdown.find('\n', at) + 1) {
    if (markdown.compare(at, 3, "```") == 0) fenced = !fenced;
    if (!fenced && markdown.compare(at, 3, "## ") == 0) return at;
    if (markdown.find('\n', at) == std::string::npos) break;
  }
  return markdown.size();
}

std::string markdown_to_html(const std::string& markdown) {
  std::vector<std::string> lines;
  for (size_t at = 0; at <= markdown.size();) {
    const size_t end = std::min(markdown.find('\n', at), markdown.size());
    std::string l = markdown.substr(at, end - at);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
    at = end + 1;
  }
  std::string out, paragraph, list_kind;
  std::map<std::string, int> ids;
  auto flush = [&] {
    if (!paragraph.empty()) out += "<p>" + inline_html(paragraph) + "</p>\n", paragraph.clear();
    if (!list_kind.empty()) out += "</li>\n</" + list_kind + ">\n", list_kind.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string t = trim(line);
    const size_t hashes = t.find_first_not_of('#');
    if (t.empty()) {
      flush();
    } else if (t.starts_with("```")) {
      flush();
      std::string code;
      while (++i < lines.size() && !trim(lines[i]).starts_with("```")) code += lines[i] + "\n";
      out += "<pre><code>" + escape_xml(code) + "</code></pre>\n";
    } else if (hashes >= 1 && hashes <= 6 && hashes < t.size() && t[hashes] == ' ') {
      flush();
      const std::string title = trim(t.substr(hashes));
      std::string id = slug(title);
      if (const int n = ++ids[id]; n > 1) id += "-" + std::to_string(n);
      const std::string h = "h" + std::to_string(hashes);
      out += "<" + h + " id=\"" + id + "\">" + inline_html(title) + "</" + h + ">\n";
    } else if (t.starts_with("|")) {
      flush();
      std::vector<std::string> block;
      for (; i < lines.size() && trim(lines[i]).starts_with("|"); ++i) block.push_back(lines[i]);
      --i;
      out += table_html(block);
    } else if (t.find_first_not_of('-') == std::string::npos && t.size() >= 3) {
      flush();
      out += "<hr>\n";
    } else if (t.starts_with(">")) {
      flush();
      std::string quote;
      for (; i < lines.size() && trim(lines[i]).starts_with(">"); ++i) quote += trim(trim(lines[i]).substr(1)) + "\n";
      --i;
      out += "<blockquote>" + inline_html(quote) + "</blockquote>\n";
    } else if (const auto item = list_item(line)) {
      const auto& [kind, indent, body] = *item;
      if (!paragraph.empty() || list_kind != kind) flush(), out += "<" + kind + ">\n", list_kind = kind;
      else out += "</li>\n";
      out += std::string(indent >= 2 ? "<li class=\"nested\">" : "<li>") + inline_html(body);
    } else if (!list_kind.empty() && line.starts_with("  ")) {
      out += " " + inline_html(t);
    } else {
      if (!list_kind.empty()) flush();
      paragraph += (paragraph.empty() ? "" : "\n") + t;
    }
  }
  flush();
  return out;
}

}  // namespace qualm::report
