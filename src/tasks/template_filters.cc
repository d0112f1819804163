// Jinja's filters and Python's str and list methods, applied to evaluated values.

#include "tasks/template_eval.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string_view>

#include "core/utf8.h"
#include "tasks/template.h"
#include "tasks/template_values.h"

namespace qualm::template_detail {

using json = nlohmann::json;

namespace {

// A list's items, a string's characters, an object's keys: what Python iterates over.
json items_of(const json& v, const std::string& what, const Env& env) {
  if (v.is_array()) return v;
  if (v.is_string()) {
    env.check_items(v.get_ref<const std::string&>().size(), "the characters of " + what);
    return code_points(v.get<std::string>());
  }
  if (!v.is_object()) env.fail(what + " is " + type_name(v) + ", not a list");
  json out = json::array();
  for (auto it = v.begin(); it != v.end(); ++it) out.push_back(it.key());
  return out;
}

// The size of s with every `old` replaced by `rep`.
size_t replaced_size(std::string_view s, std::string_view old, std::string_view rep) {
  size_t n = 0;
  for (size_t at = s.find(old); at != std::string_view::npos; at = s.find(old, at + old.size())) ++n;
  return s.size() - n * old.size() + n * rep.size();
}

// s with every `old` replaced by `rep`, refused past Env::kMaxTextBytes before it is built.
std::string replaced(const std::string& s, const std::string& old, const std::string& rep, const std::string& what,
                     const Env& env) {
  env.check_text(replaced_size(s, old, rep), what);
  return replace(s, old, rep);
}

// items joined by sep, refused past Env::kMaxTextBytes before it is built.
std::string joined(const json& items, const std::string& sep, const std::string& what, const Env& env) {
  size_t bytes = items.empty() ? 0 : sep.size() * (items.size() - 1);
  std::vector<std::string> texts;
  for (const json& item : items) {
    texts.push_back(to_text(item));
    bytes += texts.back().size();
  }
  env.check_text(bytes, what);
  std::string out;
  out.reserve(bytes);
  for (size_t i = 0; i < texts.size(); ++i) out.append(i ? sep : "").append(texts[i]);
  return out;
}

}  // namespace

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
      return replaced(s, str(0), str(1), what + ".replace()", env);
    }
    if (m == "split") {
      if (optional_str(0) && str(0).empty()) env.fail("split() separator is empty");
      env.check_items(s.size(), what + ".split()");  // at most one item per byte
      return split(s, optional_str(0));
    }
    if (m == "startswith") return s.rfind(str(0), 0) == 0;
    if (m == "endswith") return s.size() >= str(0).size() && s.substr(s.size() - str(0).size()) == str(0);
    if (m == "index") {
      const size_t at = s.find(str(0));
      if (at == std::string::npos) env.fail("substring " + repr(a[0]) + " is not in " + what + " (" + repr(self) + ")");
      return utf8_length(std::string_view(s).substr(0, at));
    }
    if (m == "join") {
      if (!a[0].is_array()) env.fail("join() needs a list, not " + type_name(a[0]));
      for (size_t i = 0; i < a[0].size(); ++i) {
        if (!a[0][i].is_string()) {
          env.fail("join() needs a list of strings; item " + std::to_string(i) + " is " + repr(a[0][i]));
        }
      }
      return joined(a[0], s, what + ".join()", env);
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
    return replaced(to_text(v), old, to_text(*arg(2)), what + " | replace", env);
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
    return joined(items_of(v, what, env), to_text(arg(1).value_or("")), what + " | join", env);
  }
  if (f == "first" || f == "last") {
    const json items = items_of(v, what, env);
    if (items.empty()) env.undefined(what + " is empty; it has no " + f + " item");
    return f == "first" ? items.front() : items.back();
  }
  if (f == "length" || f == "count") {
    if (v.is_string()) return utf8_length(v.get_ref<const std::string&>());
    return v.is_object() ? v.size() : items_of(v, what, env).size();
  }
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

}  // namespace qualm::template_detail
