#include "tasks/template_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "core/errors.h"
#include "core/utf8.h"
#include "tasks/template_values.h"

namespace qualm::template_detail {

using json = nlohmann::json;

namespace {

using Kind = TemplateNode::Kind;

struct Token {
  enum Type { kName, kString, kInt, kFloat, kOp, kEnd, kEof } type = kEof;
  std::string text;  // a name, an operator, a string literal's value, or how it reads
  json value;        // a literal's value
  size_t begin = 0, end = 0;
  bool strip = false;  // "-}}"
};

class Parser {
 public:
  Parser(const std::string& source, const std::string& where) : src_(source), where_(where) {}

  std::vector<ParsedPart> parse_template() {
    std::vector<ParsedPart> parts;
    bool strip_next = false;  // the previous tag ended with "-}}" or "-#}"
    for (size_t at = 0; at < src_.size();) {
      size_t open = src_.find('{', at);  // the next "{{", "{#" or "{%"
      while (open != std::string::npos && std::string_view("{#%").find(src_[open + 1]) == std::string_view::npos) {
        open = src_.find('{', open + 1);
      }
      const bool strip_before = open != std::string::npos && src_[open + 2] == '-';  // src_[size()] is '\0'
      std::string literal = strip(src_.substr(at, open - at), nullptr, strip_next, strip_before);
      if (!literal.empty()) parts.push_back({literal, nullptr, ""});
      if (open == std::string::npos) break;
      tag_begin_ = open;
      if (src_[open + 1] == '%') {
        fail(open, "'{%' statements are not supported; use filters",
             "write e.g. {{ text | trim | replace('a', 'b') }} instead of {% if %}/{% for %}/{% set %}");
      }
      if (src_[open + 1] == '#') {
        const size_t close = src_.find("#}", open + 2);
        if (close == std::string::npos) fail(open, "unclosed comment '{#'", "close it with '#}'");
        strip_next = close > open + 2 && src_[close - 1] == '-';
        at = close + 2;
        continue;
      }
      pos_ = open + 2 + strip_before;
      peeked_.reset();
      NodePtr expr = parse_binary();
      const Token end = next();
      if (end.type == Token::kOp || end.type == Token::kName) {
        fail(end.begin, "expected '}}' but found '" + end.text + "'",
             "supported: names, literals, .field, [index], methods, ~ + - * / and | filters; not comparisons or if");
      }
      if (end.type != Token::kEnd) unexpected(end, "'}}'");
      strip_next = end.strip;
      at = end.end;
      parts.push_back({"", expr, src_.substr(open, at - open)});
    }
    return parts;
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& problem, const std::string& fix = "") const {
    const size_t line_start = src_.rfind('\n', at == 0 ? 0 : at - 1);  // npos + 1 is 0
    const size_t line = std::count(src_.begin(), src_.begin() + at, '\n') + 1;
    const size_t column = utf8_length(std::string_view(src_).substr(line_start + 1, at - line_start - 1)) + 1;
    const std::string location = (line > 1 ? "line " + std::to_string(line) + ", " : "") + "column " + std::to_string(column);
    throw InputError(where_, problem + " at " + location + " of the template", fix);
  }

  [[noreturn]] void unexpected(const Token& t, const std::string& wanted) const {
    if (t.type == Token::kEof) fail(tag_begin_, "unclosed '{{'", "close it with '}}'");
    fail(t.begin, "expected " + wanted + " but found '" + t.text + "'");
  }

  Token lex() {
    while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) ++pos_;
    Token t;
    t.begin = pos_;
    auto take = [&](Token::Type type, size_t n) {
      t.type = type;
      t.text = src_.substr(pos_, n);
      t.end = pos_ += n;
      return t;
    };
    auto at = [&](std::string_view s) { return src_.compare(pos_, s.size(), s) == 0; };
    auto is_digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(src_[i])); };  // src_[size()] is '\0'
    auto is_word = [&](size_t i) { return std::isalnum(static_cast<unsigned char>(src_[i])) || src_[i] == '_'; };
    if (pos_ >= src_.size()) return take(Token::kEof, 0);
    if (at("-}}")) return t.strip = true, take(Token::kEnd, 3);
    if (at("}}")) return take(Token::kEnd, 2);
    size_t n = 0;
    if (is_word(pos_) && !is_digit(pos_)) {
      while (is_word(pos_ + n)) ++n;
      return take(Token::kName, n);
    }
    if (is_digit(pos_)) {
      while (is_digit(pos_ + n)) ++n;
      // After a '.', digits are an index (choices.0.text), never the start of a float.
      const bool is_float = (pos_ == 0 || src_[pos_ - 1] != '.') && src_[pos_ + n] == '.' && is_digit(pos_ + n + 1);
      if (is_float) for (++n; is_digit(pos_ + n);) ++n;
      double d = 0;
      int64_t i = 0;
      const char* first = src_.data() + pos_;
      const std::errc ec = is_float ? std::from_chars(first, first + n, d).ec : std::from_chars(first, first + n, i).ec;
      if (ec != std::errc()) fail(pos_, "number literal is out of range");
      t.value = is_float ? json(d) : json(i);
      return take(is_float ? Token::kFloat : Token::kInt, n);
    }
    if (src_[pos_] == '\'' || src_[pos_] == '"') return lex_string();
    for (const char* op : {"//", "==", "!=", "<=", ">=", "**"}) {
      if (at(op)) return take(Token::kOp, 2);
    }
    if (std::string_view("()[].,|~+-*/%=<>!:").find(src_[pos_]) != std::string_view::npos) return take(Token::kOp, 1);
    fail(pos_, "unexpected character '" + src_.substr(pos_, 1) + "'");
  }

  // Escapes as Jinja's (Python's unicode-escape): unknown ones such as "\[" keep the backslash.
  Token lex_string() {
    Token t;
    t.type = Token::kString;
    t.begin = pos_;
    const char quote = src_[pos_++];
    for (char c; (c = src_[pos_]) != quote; ++pos_) {
      if (pos_ >= src_.size()) fail(t.begin, "unterminated string literal", std::string("close it with ") + quote);
      const char e = src_[pos_ + 1];
      if (c != '\\' || pos_ + 1 >= src_.size()) {
        t.text += c;
      } else if (std::string_view("xuUN01234567").find(e) != std::string_view::npos) {
        fail(pos_, std::string("\\") + e + " escapes are not supported",
             "write the character itself, or \\\\ for a backslash");
      } else if (const size_t k = std::string_view("ntrabfv\\'\"\n").find(e); k != std::string_view::npos) {
        ++pos_;
        if (e != '\n') t.text += "\n\t\r\a\b\f\v\\'\""[k];  // "\<newline>" joins lines
      } else {
        t.text += c;
      }
    }
    t.end = ++pos_;
    t.value = t.text;
    return t;
  }

  const Token& peek() {
    if (!peeked_) peeked_ = lex();
    return *peeked_;
  }
  Token next() {
    Token t = peek();
    peeked_.reset();
    last_end_ = t.end;
    return t;
  }
  bool peek_op(std::string_view op) { return peek().type == Token::kOp && peek().text == op; }
  void expect(std::string_view op) {
    const Token t = next();
    if (t.type != Token::kOp || t.text != op) unexpected(t, std::string("'").append(op).append("'"));
  }

  NodePtr make(Kind kind, std::string name, std::vector<NodePtr> args, size_t begin, json value = nullptr) const {
    auto node = std::make_shared<TemplateNode>();
    node->kind = kind;
    node->name = std::move(name);
    node->args = std::move(args);
    node->value = std::move(value);
    node->begin = begin;
    node->end = last_end_;
    return node;
  }

  // Jinja's precedence, loosest first: + -, then ~, then * /; then unary -, then postfix
  // (.field [index] method()) and filters, which bind tightest.
  NodePtr parse_binary(size_t level = 0) {
    static const std::vector<std::vector<std::string>> kLevels = {{"+", "-"}, {"~"}, {"*", "/"}};
    if (level == kLevels.size()) return parse_unary(true);
    NodePtr left = parse_binary(level + 1);
    while (peek().type == Token::kOp && std::count(kLevels[level].begin(), kLevels[level].end(), peek().text)) {
      const std::string op = next().text;
      NodePtr right = parse_binary(level + 1);
      left = make(Kind::kBinary, op, {left, right}, left->begin);
    }
    return left;
  }

  NodePtr parse_unary(bool with_filters) {
    // Every nested (, [, argument and - passes here: bound the recursion, not the stack.
    if (++depth_ > kMaxDepth) fail(pos_, "the expression nests deeper than " + std::to_string(kMaxDepth) + " levels", "simplify it");
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    NodePtr node;
    if (peek_op("-")) {
      const size_t begin = next().begin;
      NodePtr operand = parse_unary(false);
      node = make(Kind::kNegate, "-", {operand}, begin);
    } else {
      node = parse_postfix(parse_primary());
    }
    return with_filters ? parse_filters(node) : node;
  }

  NodePtr parse_primary() {
    Token t = next();
    if (t.type == Token::kName) {
      if (t.text == "true" || t.text == "True") return make(Kind::kLiteral, "", {}, t.begin, true);
      if (t.text == "false" || t.text == "False") return make(Kind::kLiteral, "", {}, t.begin, false);
      if (t.text == "none" || t.text == "None") return make(Kind::kLiteral, "", {}, t.begin, nullptr);
      return make(Kind::kName, t.text, {}, t.begin);
    }
    if (t.type == Token::kString || t.type == Token::kInt || t.type == Token::kFloat) {
      return make(Kind::kLiteral, "", {}, t.begin, t.value);
    }
    if (t.type == Token::kOp && t.text == "(") {
      NodePtr inner = parse_binary();
      expect(")");
      return inner;
    }
    if (t.type == Token::kOp && t.text == "[") {
      std::vector<NodePtr> items;
      for (; !peek_op("]"); peek_op("]") ? void() : expect(",")) items.push_back(parse_binary());
      next();
      return make(Kind::kList, "", items, t.begin);
    }
    unexpected(t, "a value");
  }

  NodePtr parse_postfix(NodePtr node) {
    for (;;) {
      if (peek_op(".")) {
        next();
        const Token field = next();
        if (field.type == Token::kInt) {  // Jinja's choices.0 is choices[0]
          node = make(Kind::kIndex, "", {node, make(Kind::kLiteral, "", {}, field.begin, field.value)}, node->begin);
        } else if (field.type != Token::kName) {
          unexpected(field, "a field name after '.'");
        } else if (peek_op("(")) {
          const auto spec =
              std::find_if(kMethods.begin(), kMethods.end(), [&](const MethodSpec& m) { return m.name == field.text; });
          if (spec == kMethods.end()) {
            std::vector<std::string> names;
            for (const MethodSpec& m : kMethods) names.push_back(m.name);
            fail(field.begin, "unknown method '" + field.text + "'", suggest(field.text, names, "known methods"));
          }
          std::vector<NodePtr> args = {node};
          for (auto& [name, arg] : parse_call_args()) {
            if (!name.empty()) fail(arg->begin, "keyword arguments are not supported in method calls");
            args.push_back(arg);
          }
          if (args.size() - 1 < spec->min_args || args.size() - 1 > spec->max_args) {
            fail(field.begin, field.text + "() takes " + std::to_string(spec->min_args) +
                                  (spec->max_args > spec->min_args ? " or " + std::to_string(spec->max_args) : "") +
                                  " argument(s), not " + std::to_string(args.size() - 1));
          }
          node = make(Kind::kMethod, field.text, args, node->begin);
        } else {
          node = make(Kind::kAttr, field.text, {node}, node->begin);
        }
      } else if (peek_op("[")) {
        next();
        NodePtr index = peek_op(":") ? nullptr : parse_binary();
        if (peek_op(":")) fail(peek().begin, "slices are not supported");
        expect("]");
        node = make(Kind::kIndex, "", {node, index}, node->begin);
      } else if (peek_op("(")) {
        fail(peek().begin, "calling '" + src_.substr(node->begin, node->end - node->begin) + "' is not supported",
             "only string and list methods can be called, e.g. text.strip()");
      } else {
        return node;
      }
    }
  }

  // (a, b, name=c): the name is empty for positional arguments.
  std::vector<std::pair<std::string, NodePtr>> parse_call_args() {
    expect("(");
    std::vector<std::pair<std::string, NodePtr>> args;
    while (!peek_op(")")) {
      std::string name;
      if (peek().type == Token::kName) {
        const size_t mark = peek().begin;
        name = next().text;
        if (peek_op("=")) {
          next();
        } else {  // not a keyword: lex the name again as an expression
          name.clear();
          pos_ = mark;
          peeked_.reset();
        }
      }
      if (name.empty() && !args.empty() && !args.back().first.empty()) {
        fail(peek().begin, "positional argument after a keyword argument");
      }
      args.emplace_back(name, parse_binary());
      if (!peek_op(")")) expect(",");
    }
    next();
    return args;
  }

  NodePtr parse_filters(NodePtr node) {
    while (peek_op("|")) {
      next();
      const Token name = next();
      if (name.type != Token::kName) unexpected(name, "a filter name after '|'");
      const auto spec =
          std::find_if(kFilters.begin(), kFilters.end(), [&](const FilterSpec& s) { return s.name == name.text; });
      if (spec == kFilters.end()) {
        std::vector<std::string> names;
        for (const FilterSpec& s : kFilters) names.push_back(s.name);
        fail(name.begin, "unknown filter '" + name.text + "'", suggest(name.text, names, "known filters"));
      }
      std::vector<NodePtr> args = {node};  // args[1 + i] is params[i]
      if (peek_op("(")) {
        for (auto& [param, arg] : parse_call_args()) {
          const auto& params = spec->params;
          const size_t slot = param.empty() ? args.size() - 1 : std::find(params.begin(), params.end(), param) - params.begin();
          if (!param.empty() && slot == spec->params.size()) {
            fail(arg->begin, "filter '" + name.text + "' has no argument '" + param + "'",
                 "its arguments: " + (spec->params.empty() ? "none" : join_names(spec->params)));
          }
          if (slot >= spec->params.size()) {
            fail(arg->begin, "filter '" + name.text + "' takes at most " + std::to_string(params.size()) + " argument(s)");
          }
          if (args.size() <= slot + 1) args.resize(slot + 2);
          if (args[slot + 1]) fail(arg->begin, "argument '" + spec->params[slot] + "' is given twice");
          args[slot + 1] = arg;
        }
      }
      for (size_t i = 0; i < spec->required; ++i) {
        if (args.size() <= i + 1 || !args[i + 1]) {
          fail(name.begin, "filter '" + name.text + "' needs the argument '" + spec->params[i] + "'",
               "write " + name.text + "(" + join_names(spec->params) + ")");
        }
      }
      auto filter = std::const_pointer_cast<TemplateNode>(make(Kind::kFilter, name.text, args, node->begin));
      if (name.text == "regex_replace" && args[1]->kind == Kind::kLiteral && args[1]->value.is_string()) {
        try {
          filter->regex = std::make_shared<const std::regex>(compile_regex(args[1]->value.get<std::string>()));
        } catch (const std::regex_error& e) {
          fail(args[1]->begin, "bad regular expression: " + std::string(e.what()), "patterns are ECMAScript regexes");
        }
      }
      node = filter;
    }
    return node;
  }

  const std::string& src_;
  const std::string& where_;
  size_t pos_ = 0, last_end_ = 0, tag_begin_ = 0;
  static constexpr int kMaxDepth = 100;
  int depth_ = 0;
  std::optional<Token> peeked_;
};

}  // namespace

std::vector<ParsedPart> parse_template(const std::string& source, const std::string& where) {
  return Parser(source, where).parse_template();
}

}  // namespace qualm::template_detail
