#pragma once
// Evaluating a parsed template expression against a scope: names, fields, indexes and
// operators in template_eval.cc; filters and methods in template_filters.cc. Internal to
// src/tasks/template*; the public interface is tasks/template.h.

#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "tasks/template_syntax.h"

namespace qualm::template_detail {

// A missing field or an index out of range: Jinja's "undefined", which `default` replaces.
class UndefinedError : public InputError {
 public:
  using InputError::InputError;
};

// One substitution being evaluated: the names it can use, and the caller's location, the
// template source and the tag as written, for messages.
struct Env {
  const nlohmann::json& scope;
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
  // What one value may hold: a prompt is at most a few MiB of text, so a filter that would make
  // more (a join or replace over a join, repeated) is refused before it allocates.
  static constexpr size_t kMaxTextBytes = size_t{16} << 20;
  static constexpr size_t kMaxItems = size_t{1} << 20;
  void check_text(size_t bytes, const std::string& what) const {
    if (bytes > kMaxTextBytes) {
      fail(what + " would make " + std::to_string(bytes >> 20) + " MiB of text, more than a template may (16 MiB)",
           "check the filters that multiply text (join, replace)");
    }
  }
  void check_items(size_t items, const std::string& what) const {
    if (items > kMaxItems) fail(what + " would make a list of " + std::to_string(items) + " items, more than a template may (1,048,576)");
  }
};

nlohmann::json evaluate(const TemplateNode& n, const Env& env);

// A kMethod node: Python's str methods, and index/count on lists.
nlohmann::json call_method(const TemplateNode& n, const Env& env);

// A kFilter node: args[0] is the operand, args[1 + i] the filter's i-th parameter (null: not given).
nlohmann::json apply_filter(const TemplateNode& n, const Env& env);

}  // namespace qualm::template_detail
