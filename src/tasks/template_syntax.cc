#include "tasks/template_syntax.h"

#include "core/did_you_mean.h"

namespace qualm::template_detail {

const std::vector<FilterSpec> kFilters = {
    {"trim", {"chars"}},        {"strip", {"chars"}},        {"lower", {}},      {"upper", {}},
    {"capitalize", {}},         {"title", {}},               {"first", {}},      {"last", {}},
    {"replace", {"old", "new"}, 2},
    {"regex_replace", {"pattern", "repl"}, 2},  // lm-eval's: re.sub(pattern, repl, s)
    {"join", {"d"}},            {"length", {}},              {"count", {}},      {"int", {"default"}},
    {"float", {"default"}},     {"string", {}},              {"list", {}},
    {"default", {"default_value", "boolean"}},  {"d", {"default_value", "boolean"}},
};

const std::vector<MethodSpec> kMethods = {
    {"strip", 0, 1},      {"lstrip", 0, 1},   {"rstrip", 0, 1}, {"lower", 0, 0}, {"upper", 0, 0},
    {"capitalize", 0, 0}, {"title", 0, 0},    {"replace", 2, 2}, {"split", 0, 1}, {"startswith", 1, 1},
    {"endswith", 1, 1},   {"index", 1, 1},    {"count", 1, 1},   {"join", 1, 1},
};

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string suggest(const std::string& word, const std::vector<std::string>& names, const std::string& label) {
  const auto match = closest_match(word, names);
  return (match ? "did you mean '" + *match + "'? " : "") + label + ": " + join_names(names);
}

}  // namespace qualm::template_detail
