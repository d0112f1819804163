#include "config/yaml_text.h"

#include <vector>

#include "core/utf8.h"

namespace qualm {
namespace {

// Where a quote can open a scalar: after indentation, "- ", "? ", ": ", "[", "{" or ",".
bool quote_opens_scalar(std::string_view text, size_t at) {
  size_t i = at;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  if (i == 0 || text[i - 1] == '\n') return true;
  const char before = text[i - 1];
  if (before == '[' || before == '{' || before == ',') return true;
  return i < at && (before == ':' || before == '-' || before == '?');
}

size_t indent_of(std::string_view text, size_t line_start) {
  size_t n = 0;
  while (line_start + n < text.size() && text[line_start + n] == ' ') ++n;
  return n;
}

// Whether text[at] ('|' or '>') starts a block scalar: an indicator, then only chomping or
// indentation digits, blanks and a comment to the end of the line.
bool block_scalar_header(std::string_view text, size_t at) {
  if (!quote_opens_scalar(text, at) || (at > 0 && text[at - 1] != ' ' && text[at - 1] != '\n')) return false;
  size_t i = at + 1;
  while (i < text.size() && (text[i] == '-' || text[i] == '+' || (text[i] >= '1' && text[i] <= '9'))) ++i;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return i == text.size() || text[i] == '\n' || text[i] == '#' || text[i] == '\r';
}

// The offset of the newline that ends a block scalar whose header is on the line starting at
// line_start: its lines are blank or indented more than that line.
size_t block_scalar_end(std::string_view text, size_t header, size_t line_start) {
  const size_t key_indent = indent_of(text, line_start);
  size_t end = text.find('\n', header);
  while (end != std::string_view::npos && end + 1 < text.size()) {
    const size_t next = end + 1;
    const size_t stop = text.find('\n', next);
    const std::string_view line = text.substr(next, (stop == std::string_view::npos ? text.size() : stop) - next);
    const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (!blank && indent_of(text, next) <= key_indent) break;
    end = stop;
  }
  return end == std::string_view::npos ? text.size() : end;
}

// The end of a quoted scalar opening at `at` (the offset of its closing quote), or npos.
size_t closing_quote(std::string_view text, size_t at) {
  const char quote = text[at];
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside '...'
        continue;
      }
      return i;
    }
  }
  return std::string_view::npos;
}

struct Walk {
  size_t nodes = 0;
  std::optional<YamlTextProblem> problem;

  void visit(const YAML::Node& node, int depth) {
    if (problem) return;
    if (++nodes > kMaxYamlNodes) {
      problem = YamlTextProblem{node.Mark().line + 1, "the file expands to more than " + std::to_string(kMaxYamlNodes) +
                                                          " values (YAML aliases used over and over?)",
                                "write the values out, without *aliases"};
      return;
    }
    if (depth > kMaxYamlDepth) {
      problem = YamlTextProblem{node.Mark().line + 1,
                                "lists and mappings are nested deeper than " + std::to_string(kMaxYamlDepth) +
                                    " levels (or an alias refers to itself)",
                                "flatten the file"};
      return;
    }
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) visit(item, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        visit(kv.first, depth + 1);
        visit(kv.second, depth + 1);
      }
    }
  }
};

}  // namespace

std::optional<YamlTextProblem> check_yaml_text(std::string_view text) {
  if (text.size() > kMaxYamlBytes) {
    return YamlTextProblem{0, "the file has " + std::to_string(text.size()) + " bytes, more than the " +
                                  std::to_string(kMaxYamlBytes) + " a configuration file may have",
                           "is it the right file?"};
  }
  if (const auto bad = find_invalid_utf8(text)) {
    return YamlTextProblem{bad->line, "not valid UTF-8 (byte " + std::to_string(bad->byte) + " of the file, column " +
                                          std::to_string(bad->column) + ")",
                           "save the file as UTF-8"};
  }
  int line = 1, depth = 0;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    } else if ((c == '|' || c == '>') && depth == 0 && block_scalar_header(text, i)) {
      const size_t end = block_scalar_end(text, i, line_start);
      for (size_t k = i; k < end; ++k) line += text[k] == '\n';
      i = end == text.size() ? end : end - 1;  // the loop goes on at the newline that ends it
    } else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;  // a comment
    } else if ((c == '"' || c == '\'') && quote_opens_scalar(text, i)) {
      const size_t end = closing_quote(text, i);
      if (end == std::string_view::npos) {
        return YamlTextProblem{line, std::string("the quote ") + c + " opened here is never closed",
                               std::string("close it with ") + c + " on this line"};
      }
      for (size_t k = i; k < end; ++k) line += text[k] == '\n';
      i = end;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxYamlDepth) {
        return YamlTextProblem{line, "brackets are nested deeper than " + std::to_string(kMaxYamlDepth) + " levels",
                               "flatten the file"};
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::optional<YamlTextProblem> check_yaml_tree(const YAML::Node& root) {
  Walk walk;
  walk.visit(root, 0);
  return walk.problem;
}

YamlParse parse_yaml(const std::string& text) {
  YamlParse out;
  if ((out.problem = check_yaml_text(text))) return out;
  try {
    out.root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp says "bad file" when its parser stops recursing into nested blocks.
    const bool too_deep = e.msg == "bad file";
    out.problem = YamlTextProblem{e.mark.line + 1,
                                  too_deep ? "lists and mappings are nested too deeply for the YAML reader"
                                           : "YAML syntax error: " + e.msg,
                                  too_deep ? "flatten the file" : "fix the YAML at that line"};
    return out;
  }
  out.problem = check_yaml_tree(out.root);
  return out;
}

}  // namespace qualm
