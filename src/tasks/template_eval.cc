#include "tasks/template_eval.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tasks/template.h"
#include "tasks/template_values.h"

namespace qualm::template_detail {

using json = nlohmann::json;

namespace {

using Kind = TemplateNode::Kind;

std::string fields_fix(const json& object, const std::string& word) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return suggest(word, keys, "available fields");
}

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

json binary(const TemplateNode& n, const Env& env) {
  const json l = evaluate(*n.args[0], env), r = evaluate(*n.args[1], env);
  const std::string& op = n.name;
  if (op == "~" || (op == "+" && l.is_string() && r.is_string())) {
    const std::string a = to_text(l), b = to_text(r);
    env.check_text(a.size() + b.size(), env.text(n));
    return a + b;
  }
  if (op == "+" && l.is_array() && r.is_array()) {
    env.check_items(l.size() + r.size(), env.text(n));
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
    int64_t out = 0;
    const bool overflow = op == "+"   ? __builtin_add_overflow(a, b, &out)
                          : op == "-" ? __builtin_sub_overflow(a, b, &out)
                                      : __builtin_mul_overflow(a, b, &out);
    if (!overflow) return out;
    // Past 64 bits (Python's ints have no bound): computed as floats below. Found by fuzzing.
  }
  const double a = l.get<double>(), b = r.get<double>();
  return op == "+" ? a + b : op == "-" ? a - b : a * b;
}

}  // namespace

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

}  // namespace qualm::template_detail
