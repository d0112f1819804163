#include "tasks/template.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <regex>
#include <string_view>
#include <utility>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "tasks/template_values.h"

namespace qualm {

using json = nlohmann::json;

struct TemplateNode {
  enum class Kind { kLiteral, kName, kList, kAttr, kIndex, kMethod, kFilter, kBinary, kNegate };
  Kind kind = Kind::kLiteral;
  std::string name;                                       // name, field, method, filter or operator
  json value;                                             // a literal's value
  std::vector<std::shared_ptr<const TemplateNode>> args;  // operand first; null: argument not given
  std::shared_ptr<const std::regex> regex;                // regex_replace's literal pattern, compiled once
  size_t begin = 0, end = 0;                              // span in the normalized source
};

namespace {

using NodePtr = std::shared_ptr<const TemplateNode>;
using Kind = TemplateNode::Kind;

using template_detail::ascii_lower;
using template_detail::ascii_upper;
using template_detail::capitalize;
using template_detail::code_points;
using template_detail::compile_regex;
using template_detail::ecma_replacement;
using template_detail::jinja_title;
using template_detail::length_of;
using template_detail::map_case;
using template_detail::python_title;
using template_detail::replace;
using template_detail::repr;
using template_detail::split;
using template_detail::strip;
using template_detail::truthy;
using template_detail::type_name;

// A missing field or an index out of range: Jinja's "undefined", which `default` replaces.
class UndefinedError : public InputError {
 public:
  using InputError::InputError;
};

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// "did you mean 'x'? <label>: a, b, c"
std::string suggest(const std::string& word, const std::vector<std::string>& names, const std::string& label) {
  const auto match = closest_match(word, names);
  return (match ? "did you mean '" + *match + "'? " : "") + label + ": " + join_names(names);
}

std::string fields_fix(const json& object, const std::string& word) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return suggest(word, keys, "available fields");
}

// ---- Filters and methods, checked at parse time ----

struct FilterSpec {
  std::string name;
  std::vector<std::string> params;  // Jinja's names, for keyword arguments
  size_t required = 0;
};

const std::vector<FilterSpec> kFilters = {
    {"trim", {"chars"}},        {"strip", {"chars"}},        {"lower", {}},      {"upper", {}},
    {"capitalize", {}},         {"title", {}},               {"first", {}},      {"last", {}},
    {"replace", {"old", "new"}, 2},
    {"regex_replace", {"pattern", "repl"}, 2},  // lm-eval's: re.sub(pattern, repl, s)
    {"join", {"d"}},            {"length", {}},              {"count", {}},      {"int", {"default"}},
    {"float", {"default"}},     {"string", {}},              {"list", {}},
    {"default", {"default_value", "boolean"}},  {"d", {"default_value", "boolean"}},
};

struct MethodSpec {
  std::string name;
  size_t min_args, max_args;
};

// String methods, and index/count on lists too.
const std::vector<MethodSpec> kMethods = {
    {"strip", 0, 1},      {"lstrip", 0, 1},   {"rstrip", 0, 1}, {"lower", 0, 0}, {"upper", 0, 0},
    {"capitalize", 0, 0}, {"title", 0, 0},    {"replace", 2, 2}, {"split", 0, 1}, {"startswith", 1, 1},
    {"endswith", 1, 1},   {"index", 1, 1},    {"count", 1, 1},   {"join", 1, 1},
};

// ---- Parsing ----

struct Token {
  enum Type { kName, kString, kInt, kFloat, kOp, kEnd, kEof } type = kEof;
  std::string text;  // a name, an operator, a string literal's value, or how it reads
  json value;        // a literal's value
  size_t begin = 0, end = 0;
  bool strip = false;  // "-}}"
};

struct ParsedPart {
  std::string text;
  NodePtr expr;
  std::string tag;
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
    const size_t column = length_of(std::string_view(src_).substr(line_start + 1, at - line_start - 1)) + 1;
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
  std::optional<Token> peeked_;
};

// ---- Evaluation ----

struct Env {
  const json& scope;
  const std::string& where;
  const std::string& source;
  const std::string& tag;

  std::string text(const TemplateNode& n) const {
    std::string out = "'";
    out.append(source, n.begin, n.end - n.begin);
    return out += "'";
  }
  [[noreturn]] void fail(const std::string& problem, const std::string& fix = "") const {
    throw InputError(where, problem + " in " + tag, fix);
  }
  [[noreturn]] void undefined(const std::string& problem, const std::string& fix = "") const {
    throw UndefinedError(where, problem + " in " + tag, fix);
  }
};

json evaluate(const TemplateNode& n, const Env& env);

json index_into(const TemplateNode& n, const json& obj, const json& key, const Env& env) {
  const std::string what = env.text(*n.args[0]);
  if (obj.is_object()) {
    if (!key.is_string()) env.fail(what + " is an object; index it with a string, not " + type_name(key));
    const auto it = obj.find(key.get<std::string>());
    if (it == obj.end()) env.undefined(what + " has no field " + repr(key), fields_fix(obj, key.get<std::string>()));
    return *it;
  }
  if (!obj.is_array() && !obj.is_string()) env.fail(what + " is " + type_name(obj) + " and cannot be indexed");
  if (!key.is_number_integer()) {
    env.fail(what + " is " + type_name(obj) + "; its index must be an integer, not " + repr(key));
  }
  const std::vector<std::string> chars = obj.is_string() ? code_points(obj.get<std::string>()) : std::vector<std::string>();
  const int64_t size = obj.is_array() ? obj.size() : chars.size(), i = key.get<int64_t>();
  const int64_t at = i < 0 ? i + size : i;  // negative counts from the end, as in Python
  if (at < 0 || at >= size) {
    env.undefined("index " + std::to_string(i) + " is out of range for " + what + " (" + std::to_string(size) +
                  (obj.is_array() ? " items)" : " characters)"));
  }
  return obj.is_array() ? obj[at] : json(chars[at]);
}

// A list's items, a string's characters, an object's keys: what Python iterates over.
json items_of(const json& v, const std::string& what, const Env& env) {
  if (v.is_array()) return v;
  if (v.is_string()) return code_points(v.get<std::string>());
  if (!v.is_object()) env.fail(what + " is " + type_name(v) + ", not a list");
  json out = json::array();
  for (auto it = v.begin(); it != v.end(); ++it) out.push_back(it.key());
  return out;
}

json call_method(const TemplateNode& n, const Env& env) {
  const json self = evaluate(*n.args[0], env);
  std::vector<json> a;
  for (size_t i = 1; i < n.args.size(); ++i) a.push_back(evaluate(*n.args[i], env));
  const std::string& m = n.name;
  const std::string what = env.text(*n.args[0]);
  auto str = [&](size_t i) -> const std::string& {
    if (!a[i].is_string()) env.fail(m + "() needs a string argument, not " + repr(a[i]));
    return a[i].get_ref<const std::string&>();
  };
  auto optional_str = [&](size_t i) { return i < a.size() && !a[i].is_null() ? &str(i) : nullptr; };
  if (self.is_string()) {
    const std::string& s = self.get_ref<const std::string&>();
    if (m == "strip" || m == "lstrip" || m == "rstrip") return strip(s, optional_str(0), m != "rstrip", m != "lstrip");
    if (m == "lower" || m == "upper") return map_case(s, m == "lower" ? ascii_lower : ascii_upper);
    if (m == "capitalize") return capitalize(s);
    if (m == "title") return python_title(s);
    if (m == "replace") {
      if (str(0).empty()) env.fail("replace() needs a non-empty string to find");
      return replace(s, str(0), str(1));
    }
    if (m == "split") {
      if (optional_str(0) && str(0).empty()) env.fail("split() separator is empty");
      return split(s, optional_str(0));
    }
    if (m == "startswith") return s.rfind(str(0), 0) == 0;
    if (m == "endswith") return s.size() >= str(0).size() && s.substr(s.size() - str(0).size()) == str(0);
    if (m == "index") {
      const size_t at = s.find(str(0));
      if (at == std::string::npos) env.fail("substring " + repr(a[0]) + " is not in " + what + " (" + repr(self) + ")");
      return length_of(std::string_view(s).substr(0, at));
    }
    if (m == "join") {
      if (!a[0].is_array()) env.fail("join() needs a list, not " + type_name(a[0]));
      std::string out;
      for (size_t i = 0; i < a[0].size(); ++i) {
        if (!a[0][i].is_string()) {
          env.fail("join() needs a list of strings; item " + std::to_string(i) + " is " + repr(a[0][i]));
        }
        out += (i ? s : "") + a[0][i].get<std::string>();
      }
      return out;
    }
  } else if (self.is_array() && (m == "index" || m == "count")) {
    if (m == "count") return std::count(self.begin(), self.end(), a[0]);
    const auto found = std::find(self.begin(), self.end(), a[0]);
    if (found == self.end()) env.fail("value " + repr(a[0]) + " is not in " + what + " (" + repr(self) + ")");
    return found - self.begin();
  }
  env.fail(what + " is " + type_name(self) + ", which has no method " + m + "()");
}

json apply_filter(const TemplateNode& n, const Env& env) {
  const std::string& f = n.name;
  auto arg = [&](size_t i) {  // nullopt: not given
    return i < n.args.size() && n.args[i] ? std::optional(evaluate(*n.args[i], env)) : std::nullopt;
  };
  if (f == "default" || f == "d") {  // Jinja replaces only undefined; here None too (and falsy, with boolean=true)
    json v;
    try {
      v = evaluate(*n.args[0], env);
    } catch (const UndefinedError&) {
      v = nullptr;
    }
    return v.is_null() || (truthy(arg(2).value_or(false)) && !truthy(v)) ? arg(1).value_or("") : v;
  }
  const json v = evaluate(*n.args[0], env);
  const std::string what = env.text(*n.args[0]);
  if (f == "trim" || f == "strip") {
    const std::optional<json> chars = arg(1);
    const std::string set = chars ? to_text(*chars) : "";
    return strip(to_text(v), chars && !chars->is_null() ? &set : nullptr, true, true);
  }
  if (f == "lower" || f == "upper") return map_case(to_text(v), f == "lower" ? ascii_lower : ascii_upper);
  if (f == "capitalize") return capitalize(to_text(v));
  if (f == "title") return jinja_title(to_text(v));
  if (f == "replace") {
    const std::string old = to_text(*arg(1));
    if (old.empty()) env.fail("replace needs a non-empty string to find");
    return replace(to_text(v), old, to_text(*arg(2)));
  }
  if (f == "regex_replace") {
    std::shared_ptr<const std::regex> re = n.regex;
    try {
      if (!re) re = std::make_shared<const std::regex>(compile_regex(to_text(*arg(1))));
    } catch (const std::regex_error& e) {
      env.fail("bad regular expression " + repr(*arg(1)) + ": " + e.what());
    }
    return std::regex_replace(to_text(v), *re, ecma_replacement(to_text(*arg(2))));
  }
  if (f == "join") {
    const json items = items_of(v, what, env);
    std::string out, sep = to_text(arg(1).value_or(""));
    for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + to_text(items[i]);
    return out;
  }
  if (f == "first" || f == "last") {
    const json items = items_of(v, what, env);
    if (items.empty()) env.undefined(what + " is empty; it has no " + f + " item");
    return f == "first" ? items.front() : items.back();
  }
  if (f == "length" || f == "count") return v.is_object() ? v.size() : items_of(v, what, env).size();
  if (f == "string") return to_text(v);
  if (f == "list") return items_of(v, what, env);
  // int and float. Jinja falls back to 0 silently; here only when default= is given.
  std::string s = v.is_string() ? strip(v.get<std::string>(), nullptr, true, true) : "";
  if (!s.empty() && s[0] == '+') s.erase(0, 1);
  double d = v.is_number() ? v.get<double>() : v.is_boolean() ? v.get<bool>() : NAN;
  int64_t i = 0;
  const char* end = s.data() + s.size();
  if (v.is_string() && std::from_chars(s.data(), end, d).ptr != end) d = NAN;
  const bool ok = std::isfinite(d) && (f == "float" || std::abs(d) < 9.2e18);  // int64 holds it
  if (!ok && !arg(1)) {
    env.fail("cannot convert " + what + " (" + repr(v) + ") to " + (f == "int" ? "an integer" : "a float"),
             "pass a fallback, e.g. " + f + "(default=0)");
  }
  if (!ok) return *arg(1);
  if (f == "float") return d;
  if (v.is_number_integer()) return v;
  const bool exact = v.is_string() && std::from_chars(s.data(), end, i).ptr == end;  // "12" beyond a double's 53 bits
  return exact ? i : static_cast<int64_t>(std::trunc(d));
}

json binary(const TemplateNode& n, const Env& env) {
  const json l = evaluate(*n.args[0], env), r = evaluate(*n.args[1], env);
  const std::string& op = n.name;
  if (op == "~") return to_text(l) + to_text(r);
  if (op == "+" && l.is_string() && r.is_string()) return l.get<std::string>() + r.get<std::string>();
  if (op == "+" && l.is_array() && r.is_array()) {
    json out = l;
    out.insert(out.end(), r.begin(), r.end());
    return out;
  }
  if (!l.is_number() || !r.is_number()) {
    env.fail("cannot apply '" + op + "' to " + type_name(l) + " and " + type_name(r),
             op == "+" ? "use ~ to join values as text" : "");
  }
  if (op == "/" && r.get<double>() == 0) env.fail("division by zero: " + env.text(n));
  if (op == "/") return l.get<double>() / r.get<double>();
  if (l.is_number_integer() && r.is_number_integer()) {
    const int64_t a = l.get<int64_t>(), b = r.get<int64_t>();
    return op == "+" ? a + b : op == "-" ? a - b : a * b;
  }
  const double a = l.get<double>(), b = r.get<double>();
  return op == "+" ? a + b : op == "-" ? a - b : a * b;
}

json evaluate(const TemplateNode& n, const Env& env) {
  switch (n.kind) {
    case Kind::kLiteral:
      return n.value;
    case Kind::kName: {
      const auto it = env.scope.find(n.name);
      if (it == env.scope.end()) env.undefined("field '" + n.name + "' is missing", fields_fix(env.scope, n.name));
      return *it;
    }
    case Kind::kList: {
      json out = json::array();
      for (const NodePtr& item : n.args) out.push_back(evaluate(*item, env));
      return out;
    }
    case Kind::kAttr: {
      const json obj = evaluate(*n.args[0], env);
      const bool method = std::any_of(kMethods.begin(), kMethods.end(), [&](const MethodSpec& m) { return m.name == n.name; });
      if (!obj.is_object()) {
        env.fail(env.text(*n.args[0]) + " is " + type_name(obj) + "; it has no field '" + n.name + "'",
                 method ? "to call the method, write " + n.name + "()" : "");
      }
      return index_into(n, obj, n.name, env);
    }
    case Kind::kIndex:
      return index_into(n, evaluate(*n.args[0], env), evaluate(*n.args[1], env), env);
    case Kind::kMethod:
      return call_method(n, env);
    case Kind::kFilter:
      return apply_filter(n, env);
    case Kind::kBinary:
      return binary(n, env);
    case Kind::kNegate: {
      const json v = evaluate(*n.args[0], env);
      if (!v.is_number()) env.fail("cannot negate " + env.text(*n.args[0]) + ", which is " + type_name(v));
      return v.is_number_integer() ? json(-v.get<int64_t>()) : json(-v.get<double>());
    }
  }
  return nullptr;
}

void check_scope(const json& scope, const std::string& where) {
  if (!scope.is_object()) throw InputError(where, "template scope is " + type_name(scope) + ", not an object");
}

}  // namespace

Template Template::parse(const std::string& source, const std::string& where) {
  Template t;
  t.source_ = source;
  // As lm-evaluation-harness's Jinja environment (keep_trailing_newline=True): newlines
  // become "\n" and trailing ones are kept, so a description can end in "\n\n".
  t.normalized_ = replace(replace(source, "\r\n", "\n"), "\r", "\n");
  for (ParsedPart& p : Parser(t.normalized_, where).parse_template()) {
    t.parts_.push_back({std::move(p.text), std::move(p.expr), std::move(p.tag)});
  }
  return t;
}

std::string Template::render(const json& scope, const std::string& where) const {
  check_scope(scope, where);
  std::string out;
  for (const Part& p : parts_) out += p.expr ? to_text(evaluate(*p.expr, Env{scope, where, normalized_, p.tag})) : p.text;
  return out;
}

json Template::render_value(const json& scope, const std::string& where) const {
  const Part* single = nullptr;
  for (const Part& p : parts_) {
    const bool blank = !p.expr && strip(p.text, nullptr, true, true).empty();
    if ((p.expr && single) || (!p.expr && !blank)) return render(scope, where);
    if (p.expr) single = &p;
  }
  if (!single) return render(scope, where);
  check_scope(scope, where);
  return evaluate(*single->expr, Env{scope, where, normalized_, single->tag});
}

}  // namespace qualm
