#pragma once
// A parsed template expression, and the filters and methods the parser accepts: what
// template_parser.cc builds and template_eval.cc walks. Internal to src/tasks/template*; the
// public interface is tasks/template.h.

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qualm {

struct TemplateNode {
  enum class Kind { kLiteral, kName, kList, kAttr, kIndex, kMethod, kFilter, kBinary, kNegate };
  Kind kind = Kind::kLiteral;
  std::string name;                                       // name, field, method, filter or operator
  nlohmann::json value;                                   // a literal's value
  std::vector<std::shared_ptr<const TemplateNode>> args;  // operand first; null: argument not given
  std::shared_ptr<const std::regex> regex;                // regex_replace's literal pattern, compiled once
  size_t begin = 0, end = 0;                              // span in the normalized source
};

namespace template_detail {

using NodePtr = std::shared_ptr<const TemplateNode>;

// ---- Filters and methods, checked at parse time ----

struct FilterSpec {
  std::string name;
  std::vector<std::string> params;  // Jinja's names, for keyword arguments
  size_t required = 0;
};

extern const std::vector<FilterSpec> kFilters;

struct MethodSpec {
  std::string name;
  size_t min_args, max_args;
};

// String methods, and index/count on lists too.
extern const std::vector<MethodSpec> kMethods;

// ---- Names in messages ----

std::string join_names(const std::vector<std::string>& names);

// "did you mean 'x'? <label>: a, b, c"
std::string suggest(const std::string& word, const std::vector<std::string>& names, const std::string& label);

}  // namespace template_detail
}  // namespace qualm
