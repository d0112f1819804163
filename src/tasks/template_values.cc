#include "tasks/template_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>

#include "core/utf8.h"
#include "tasks/template.h"

namespace qualm {

using json = nlohmann::json;

namespace template_detail {

// ---- Text as Python's str sees it: code points of UTF-8 ----

std::vector<std::string> code_points(std::string_view s) {
  const std::vector<std::string_view> chars = utf8_characters(s);
  return {chars.begin(), chars.end()};
}

bool is_space(std::string_view c) {
  static const std::vector<std::string_view> wide = {"\u0085", "\u00a0", "\u1680", "\u2028", "\u2029", "\u202f",
                                                     "\u205f", "\u3000"};
  if (c.size() == 1) return (c[0] >= 0x09 && c[0] <= 0x0d) || (c[0] >= 0x1c && c[0] <= 0x20);
  if (c.size() == 3 && c.substr(0, 2) == "\xe2\x80" && static_cast<unsigned char>(c[2]) <= 0x8a) return true;  // 2000..200A
  return std::find(wide.begin(), wide.end(), c) != wide.end();
}

std::string strip(std::string_view s, const std::string* chars, bool left, bool right) {
  const std::vector<std::string> cps = code_points(s), set = chars ? code_points(*chars) : std::vector<std::string>{};
  auto stripped = [&](const std::string& c) { return chars ? std::count(set.begin(), set.end(), c) > 0 : is_space(c); };
  size_t b = 0, e = cps.size();
  while (left && b < e && stripped(cps[b])) ++b;
  while (right && e > b && stripped(cps[e - 1])) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) out += cps[i];
  return out;
}

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string map_case(std::string s, char (*f)(char)) {
  std::transform(s.begin(), s.end(), s.begin(), f);
  return s;
}
std::string capitalize(std::string s) {
  s = map_case(std::move(s), ascii_lower);
  if (!s.empty()) s[0] = ascii_upper(s[0]);
  return s;
}

std::string python_title(std::string s) {
  bool after_letter = false;
  for (char& c : s) {
    const bool letter = std::isalpha(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
    c = after_letter ? ascii_lower(c) : ascii_upper(c);
    after_letter = letter;
  }
  return s;
}

std::string jinja_title(std::string_view s) {
  std::string out;
  bool word_start = true;
  for (std::string c : code_points(s)) {
    const bool boundary = is_space(c) || c == "-" || c == "(" || c == "{" || c == "[" || c == "<";
    if (!boundary) c[0] = word_start ? ascii_upper(c[0]) : ascii_lower(c[0]);
    out += c;
    word_start = boundary;
  }
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view rep) {
  std::string out;
  size_t pos = 0;
  for (size_t at; (at = s.find(old, pos)) != std::string_view::npos; pos = at + old.size()) {
    out.append(s.substr(pos, at - pos)).append(rep);
  }
  return out.append(s.substr(pos));
}

json split(std::string_view s, const std::string* sep) {
  json out = json::array();
  if (sep) {
    size_t pos = 0;
    for (size_t at; (at = s.find(*sep, pos)) != std::string_view::npos; pos = at + sep->size()) {
      out.push_back(std::string(s.substr(pos, at - pos)));
    }
    out.push_back(std::string(s.substr(pos)));
    return out;
  }
  std::string word;
  for (const std::string& c : code_points(s)) {
    if (!is_space(c)) word += c;
    if (is_space(c) && !word.empty()) out.push_back(std::exchange(word, ""));
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

// ---- Regular expressions ----

std::regex compile_regex(const std::string& pattern) { return std::regex(pattern, std::regex::ECMAScript); }

std::string ecma_replacement(std::string_view repl) {
  std::string out;
  for (size_t i = 0; i < repl.size(); ++i) {
    const char c = repl[i], e = i + 1 < repl.size() ? repl[i + 1] : '\0';
    if (c == '$') out += "$$";
    else if (c == '\\' && e >= '1' && e <= '9') out += std::string("$0") + repl[++i];
    else if (c == '\\' && (e == 'n' || e == 't' || e == '\\')) out += repl[++i] == 'n' ? '\n' : e == 't' ? '\t' : '\\';
    else out += c;
  }
  return out;
}

// ---- Python's repr ----

std::string float_repr(double v) {
  if (std::isnan(v) || std::isinf(v)) return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
  char buf[64];  // shortest round-trip digits, "-d.ddde-XX"
  const std::string sci(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr);
  const bool negative = sci[0] == '-';
  const size_t e = sci.find('e');
  const int exponent = std::stoi(sci.substr(e + 1));
  std::string digits = sci.substr(negative, e - negative);
  if (digits.size() > 1) digits.erase(1, 1);
  const std::string sign = negative ? "-" : "";
  if (exponent >= 16 || exponent < -4) {  // where repr switches to exponent notation
    const std::string magnitude = std::to_string(std::abs(exponent));
    return sign + digits[0] + (digits.size() > 1 ? "." + digits.substr(1) : "") + (exponent < 0 ? "e-" : "e+") +
           (magnitude.size() < 2 ? "0" : "") + magnitude;
  }
  if (exponent < 0) return sign + "0." + std::string(-exponent - 1, '0') + digits;
  const size_t whole = exponent + 1;
  if (digits.size() <= whole) return sign + digits + std::string(whole - digits.size(), '0') + ".0";
  return sign + digits.substr(0, whole) + "." + digits.substr(whole);
}

std::string string_repr(const std::string& s) {
  const char quote = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, quote);
  for (const char c : s) {
    if (c == quote || c == '\\') {
      (out += '\\') += c;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else if ((c >= 0 && c < 0x20) || c == 0x7f) {  // only ASCII controls are escaped
      out += std::string("\\x") + "0123456789abcdef"[c >> 4] + "0123456789abcdef"[c & 15];
    } else {
      out += c;
    }
  }
  return out + quote;
}

std::string repr(const json& v) {
  if (v.is_string()) return string_repr(v.get_ref<const std::string&>());
  if (v.is_array() || v.is_object()) {
    std::string out = v.is_array() ? "[" : "{";
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it != v.begin()) out += ", ";
      if (v.is_object()) out += string_repr(it.key()) + ": ";
      out += repr(*it);
    }
    return out + (v.is_array() ? "]" : "}");
  }
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_float()) return float_repr(v.get<double>());
  return "None";
}

std::string type_name(const json& v) {
  return v.is_string() ? "a string" : v.is_array() ? "a list" : v.is_object() ? "an object" : v.is_boolean() ? "a bool"
         : v.is_number_integer() ? "an integer" : v.is_number_float() ? "a float" : "None";
}

bool truthy(const json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  return !v.empty();  // null, [] and {} are empty
}

}  // namespace template_detail

std::string to_text(const json& value) { return value.is_string() ? value.get<std::string>() : template_detail::repr(value); }

}  // namespace qualm
