#pragma once
// The Jinja subset that lm-evaluation-harness task files use in doc_to_text, doc_to_target
// and doc_to_choice: {{ expr }} substitutions with names, literals, .field, [index], Python
// string and list methods, ~ + - * /, and filters. {# comments #} are dropped; {% statements %}
// are rejected. "\r\n" becomes "\n"; trailing newlines are kept, as in lm-evaluation-harness's
// environment (keep_trailing_newline=True). Parsed once; rendered per document.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qualm {

struct TemplateNode;  // an expression's syntax tree; defined in template_syntax.h

class Template {
 public:
  // Parses once; throws InputError(where, problem, fix) on a syntax error, naming the
  // column/offset inside the template.
  static Template parse(const std::string& source, const std::string& where);

  // Renders to text. `scope` is a JSON object: its keys are the names templates can use.
  // Throws InputError(where, ...) where `where` is the caller's location (e.g. "data.csv:12"),
  // naming the missing field / bad index and the template expression.
  std::string render(const nlohmann::json& scope, const std::string& where) const;

  // If the whole template is a single {{ expr }} (surrounding whitespace allowed), returns the
  // expression's value (a list stays a list, an int an int); otherwise the rendered string as
  // a JSON string.
  nlohmann::json render_value(const nlohmann::json& scope, const std::string& where) const;

  const std::string& source() const { return source_; }

 private:
  struct Part {
    std::string text;                          // literal text, when expr is null
    std::shared_ptr<const TemplateNode> expr;  // a {{ }} substitution
    std::string tag;                           // the substitution as written, for messages
  };

  std::string source_;
  std::string normalized_;  // source_ as lexed; node offsets point into it
  std::vector<Part> parts_;
};

// Converts a value to text as Jinja2 would when it is substituted: strings as is, integers in
// decimal, floats as Python's repr (e.g. 0.5, 1.0), true/false as True/False, null as None,
// lists/objects as Python's repr (['a', 'b'], {'k': 1}). Objects come out in the json's key
// order, which for nlohmann::json is sorted, not Python's insertion order.
std::string to_text(const nlohmann::json& value);

}  // namespace qualm
