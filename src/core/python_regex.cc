#include "core/python_regex.h"

#include <pthread.h>

#include <cctype>
#include <functional>
#include <map>
#include <stdexcept>

namespace qualm {
namespace {

struct Refusal {
  std::string problem, fix;
};

bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string hex_escape(unsigned value) {
  static const char* kHex = "0123456789abcdef";
  return std::string("\\x") + kHex[(value >> 4) & 15] + kHex[value & 15];
}

// The UTF-8 bytes of a code point.
std::string utf8_of(unsigned long cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// Turns a Python pattern into an ECMAScript one, or says why it cannot.
class Translator {
 public:
  explicit Translator(std::string_view p) : p_(p) {}

  std::optional<Refusal> run() {
    bool at_start = true;  // only global flags so far
    while (i_ < p_.size()) {
      const char c = p_[i_];
      const bool flags = !in_class_ && c == '(' && i_ + 2 < p_.size() && p_[i_ + 1] == '?' && is_flag(p_[i_ + 2]);
      if (flags && !at_start) {
        return Refusal{"inline flags such as (?" + std::string(1, p_[i_ + 2]) + ") must start the pattern",
                       "move them to the start, as Python 3.11 requires"};
      }
      if (!flags) at_start = false;
      const bool repeat = !in_class_ && (c == '*' || c == '+' || c == '?' || (c == '{' && starts_repeat()));
      if (repeat && !can_repeat_) {
        return Refusal{"a *, +, ? or { follows nothing it can repeat", "escape it with \\ to match it literally"};
      }
      const bool plain = !in_class_;
      if (auto r = in_class_ ? class_char() : plain_char()) return r;
      // A repeat needs an atom before it: not the start, a group's opening, '|' or another repeat.
      if (plain) can_repeat_ = !repeat && c != '|' && !(c == '(' && !out.ends_with(")"));
      else if (!in_class_) can_repeat_ = true;  // a class just closed
    }
    if (in_class_) return Refusal{"its [ and ] do not match", "close the class with ]"};
    return std::nullopt;
  }

  std::string out;
  bool dotall = false, icase = false;

 private:
  static bool is_flag(char c) { return std::string_view("aiLmsux-").find(c) != std::string_view::npos; }

  std::optional<Refusal> plain_char() {
    const char c = p_[i_];
    switch (c) {
      case '\\': return escape();
      case '[':
        ++i_;
        out += '[';
        if (i_ < p_.size() && p_[i_] == '^') out += p_[i_++];
        if (i_ < p_.size() && p_[i_] == ']') {  // a first ] is literal in Python
          out += "\\]";
          ++i_;
        }
        in_class_ = true;
        return std::nullopt;
      case '(': return group();
      case '.':
        out += dotall ? "[\\s\\S]" : "[^\\n]";
        ++i_;
        return std::nullopt;
      case '$':
        out += "(?=\\n?$)";  // Python's $: the end, or before a final newline
        ++i_;
        return std::nullopt;
      case '{': return brace();
      case '}':
      case ']':
        out += '\\';
        out += c;
        ++i_;
        return std::nullopt;
      case '*':
      case '+':
      case '?':
        out += c;
        ++i_;
        return after_repeat();
      default:
        if (static_cast<unsigned char>(c) >= 0x80) {
          out += "(?:" + utf8_char() + ")";  // one unit for a repeat, as Python's code point is
          return std::nullopt;
        }
        out += c;
        ++i_;
        return std::nullopt;
    }
  }

  std::optional<Refusal> class_char() {
    const char c = p_[i_];
    if (c == ']') {
      out += ']';
      in_class_ = false;
      ++i_;
      return std::nullopt;
    }
    if (c == '\\') return escape();
    if (static_cast<unsigned char>(c) >= 0x80) {
      return Refusal{"a non-ASCII character inside [...] is not supported", "write it outside the class, e.g. (?:a|é)"};
    }
    if (c == '[' || c == '^') out += '\\';  // literal in a Python class (ECMAScript reads [: ... :])
    out += c;
    ++i_;
    return std::nullopt;
  }

  // After *, +, ? or {m,n}: a lazy ? is kept, a possessive + is refused.
  std::optional<Refusal> after_repeat() {
    if (i_ < p_.size() && p_[i_] == '+') {
      return Refusal{"possessive repeats (*+, ++, ?+, {m,n}+) are not supported", "drop the trailing +"};
    }
    if (i_ < p_.size() && p_[i_] == '?') out += p_[i_++];
    return std::nullopt;
  }

  // Whether the `{` at i_ starts a repeat.
  bool starts_repeat() const {
    size_t j = i_ + 1;
    const size_t digits = j;
    while (j < p_.size() && is_digit(p_[j])) ++j;
    const bool lo = j > digits;
    bool comma = false;
    if (j < p_.size() && p_[j] == ',') {
      comma = true;
      ++j;
      while (j < p_.size() && is_digit(p_[j])) ++j;
    }
    return j < p_.size() && p_[j] == '}' && (comma || lo);
  }

  // `{m}`, `{m,}`, `{,n}`, `{m,n}` repeat; any other `{` is literal, as in Python.
  std::optional<Refusal> brace() {
    size_t j = i_ + 1;
    std::string lo, hi;
    while (j < p_.size() && is_digit(p_[j])) lo += p_[j++];
    bool comma = false;
    if (j < p_.size() && p_[j] == ',') {
      comma = true;
      ++j;
      while (j < p_.size() && is_digit(p_[j])) hi += p_[j++];
    }
    if (j >= p_.size() || p_[j] != '}' || (!comma && lo.empty())) {
      out += "\\{";
      ++i_;
      return std::nullopt;
    }
    if (lo.size() > 9 || hi.size() > 9) return Refusal{"a repeat count is too large", "use a count below 10^9"};
    if (!lo.empty() && !hi.empty() && std::stol(lo) > std::stol(hi)) {
      return Refusal{"a {m,n} repeat has m greater than n", "swap the counts"};
    }
    out += "{" + (lo.empty() ? std::string("0") : lo) + (comma ? "," + hi : "") + "}";
    i_ = j + 1;
    return after_repeat();
  }

  std::optional<Refusal> group() {
    if (i_ + 1 >= p_.size() || p_[i_ + 1] != '?') {
      ++groups_;
      out += '(';
      ++i_;
      return std::nullopt;
    }
    const std::string_view rest = p_.substr(i_ + 2);
    if (rest.starts_with(":") || rest.starts_with("=") || rest.starts_with("!")) {
      out += "(?" + std::string(1, rest[0]);
      i_ += 3;
      return std::nullopt;
    }
    if (rest.starts_with("P<")) {
      const size_t end = rest.find('>');
      if (end == std::string_view::npos) return Refusal{"a (?P<name> group is not closed by >", "write (?P<name>...)"};
      names_[std::string(rest.substr(2, end - 2))] = ++groups_;
      out += '(';
      i_ += 2 + end + 1;
      return std::nullopt;
    }
    if (rest.starts_with("P=")) {
      const size_t end = rest.find(')');
      const auto it = end == std::string_view::npos ? names_.end() : names_.find(std::string(rest.substr(2, end - 2)));
      if (it == names_.end()) return Refusal{"(?P=name) names no earlier group", "define the group with (?P<name>...) first"};
      out += "(?:\\" + std::to_string(it->second) + ")";
      i_ += 2 + end + 1;
      return std::nullopt;
    }
    if (rest.starts_with("#")) {
      const size_t end = rest.find(')');
      if (end == std::string_view::npos) return Refusal{"a (?#...) comment is not closed", "close it with )"};
      i_ += 2 + end + 1;
      return std::nullopt;
    }
    if (rest.starts_with("<=") || rest.starts_with("<!")) {
      return Refusal{"lookbehind (?<=...) and (?<!...) is not supported", "match the text and take a group instead"};
    }
    if (rest.starts_with(">")) return Refusal{"atomic groups (?>...) are not supported", "use a plain group"};
    if (rest.starts_with("(")) return Refusal{"conditional groups (?(...)...) are not supported", "use alternatives"};
    size_t j = 0;
    while (j < rest.size() && is_flag(rest[j]) && rest[j] != '-') ++j;
    if (j > 0 && j < rest.size() && rest[j] == ')') {
      for (char f : rest.substr(0, j)) {
        if (f == 's') dotall = true;
        else if (f == 'i') icase = true;
        else return Refusal{"the inline flag (?" + std::string(1, f) + ") is not supported", "only (?s) and (?i) are"};
      }
      i_ += 2 + j + 1;
      return std::nullopt;
    }
    if (j > 0 || rest.starts_with("-")) {
      return Refusal{"scoped flags (?flags:...) are not supported", "put (?s) or (?i) at the start of the pattern"};
    }
    return Refusal{"'(?" + std::string(rest.substr(0, 1)) + "' is not a Python group", "see Python's re syntax"};
  }

  // One UTF-8 character starting at i_ (an invalid byte alone).
  std::string utf8_char() {
    const unsigned char lead = static_cast<unsigned char>(p_[i_]);
    const size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    size_t n = 1;
    while (n < len && i_ + n < p_.size() && (static_cast<unsigned char>(p_[i_ + n]) & 0xC0) == 0x80) ++n;
    std::string s(p_.substr(i_, n));
    i_ += n;
    return s;
  }

  // A code point from \x, \u, \U or an octal escape.
  std::optional<Refusal> code_point(unsigned long cp) {
    if (cp < 0x80) {
      out += hex_escape(static_cast<unsigned>(cp));
      return std::nullopt;
    }
    if (in_class_) {
      return Refusal{"a non-ASCII character inside [...] is not supported", "write it outside the class, e.g. (?:a|é)"};
    }
    if (cp > 0x10FFFF) return Refusal{"an escape names no Unicode character", "use a code point up to \\U0010ffff"};
    out += "(?:" + utf8_of(cp) + ")";
    return std::nullopt;
  }

  std::optional<Refusal> hex(size_t digits) {
    if (i_ + 1 + digits > p_.size()) return Refusal{"a \\x, \\u or \\U escape is cut short", "write all its hex digits"};
    const std::string h(p_.substr(i_ + 1, digits));
    for (char d : h) {
      if (!std::isxdigit(static_cast<unsigned char>(d))) return Refusal{"'\\" + std::string(1, p_[i_]) + h + "' is not a hex escape", "write its hex digits"};
    }
    i_ += 1 + digits;
    return code_point(std::stoul(h, nullptr, 16));
  }

  std::optional<Refusal> escape() {
    ++i_;
    if (i_ >= p_.size()) return Refusal{"the pattern ends with a lone \\", "escape it as \\\\"};
    const char c = p_[i_];
    if (c == 'x') return hex(2);
    if (c == 'u') return hex(4);
    if (c == 'U') return hex(8);
    if (c == '0') {  // \0 and up to two more octal digits
      unsigned long v = 0;
      ++i_;
      for (int n = 0; n < 2 && i_ < p_.size() && is_octal(p_[i_]); ++n) v = v * 8 + static_cast<unsigned long>(p_[i_++] - '0');
      return code_point(v);
    }
    if (i_ + 2 < p_.size() && is_octal(c) && is_octal(p_[i_ + 1]) && is_octal(p_[i_ + 2])) {  // three octal digits
      const unsigned long v = static_cast<unsigned long>((c - '0') * 64 + (p_[i_ + 1] - '0') * 8 + (p_[i_ + 2] - '0'));
      if (v > 0377) return Refusal{"an octal escape is above \\377", "use a smaller value"};
      i_ += 3;
      return code_point(v);
    }
    if (is_digit(c)) {
      if (in_class_) return Refusal{"a back reference cannot sit inside [...]", "escape the digit's meaning away"};
      std::string n(1, c);
      if (i_ + 1 < p_.size() && is_digit(p_[i_ + 1])) n += p_[i_ + 1];
      i_ += n.size();
      out += "(?:\\" + n + ")";
      return std::nullopt;
    }
    ++i_;
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 'n': case 't': case 'r': case 'f': case 'v':
        out += '\\';
        out += c;
        return std::nullopt;
      case 's':
        out += in_class_ ? "\\s\\x1c-\\x1f" : "[\\s\\x1c-\\x1f]";
        return std::nullopt;
      case 'S':
        out += in_class_ ? "\\S" : "[^\\s\\x1c-\\x1f]";
        return std::nullopt;
      case 'a':
        out += "\\x07";
        return std::nullopt;
      case 'b':
        out += in_class_ ? "\\x08" : "\\b";
        return std::nullopt;
      case 'B': case 'A': case 'Z':
        if (in_class_) return Refusal{"'\\" + std::string(1, c) + "' cannot sit inside [...]", "move it out of the class"};
        out += c == 'B' ? "\\B" : c == 'A' ? "^" : "$";
        return std::nullopt;
      default: break;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      return Refusal{"'\\" + std::string(1, c) + "' is not an escape Python's re knows", "drop the \\ or see Python's re syntax"};
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      --i_;
      const std::string ch = utf8_char();
      if (in_class_) return Refusal{"a non-ASCII character inside [...] is not supported", "write it outside the class, e.g. (?:a|é)"};
      out += "(?:" + ch + ")";
      return std::nullopt;
    }
    // An escaped punctuation character is itself; keep the \ where ECMAScript reads the character as syntax.
    const std::string_view special = in_class_ ? "\\]^-[" : "\\^$.*+?()[]{}|/";
    if (special.find(c) != std::string_view::npos) out += '\\';
    out += c;
    return std::nullopt;
  }

  std::string_view p_;
  size_t i_ = 0;
  bool in_class_ = false;
  bool can_repeat_ = false;
  int groups_ = 0;
  std::map<std::string, int> names_;
};

// libstdc++'s regex matcher recurses about once per character: 8 MB of stack ends near 30,000
// characters of `.*`. Long texts are matched on a thread whose stack holds ~1,000,000.
constexpr size_t kLongText = 8192;
constexpr size_t kLargeStack = size_t{256} << 20;

void on_large_stack(const std::function<void()>& work) {
  struct Job {
    const std::function<void()>* work;
    std::exception_ptr error;
  } job{&work, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kLargeStack);
  pthread_t thread;
  const auto body = [](void* p) -> void* {
    auto* j = static_cast<Job*>(p);
    try {
      (*j->work)();
    } catch (...) {
      j->error = std::current_exception();
    }
    return nullptr;
  };
  const int rc = pthread_create(&thread, &attr, body, &job);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    work();  // no thread to be had: the caller's stack, as for short texts
    return;
  }
  pthread_join(thread, nullptr);
  if (job.error) std::rethrow_exception(job.error);
}

void run_sized(size_t text_size, const std::function<void()>& work) {
  if (text_size < kLongText) work();
  else on_large_stack(work);
}

}  // namespace

std::string regex_error_words(std::regex_constants::error_type code) {
  switch (code) {
    case std::regex_constants::error_paren: return "its ( and ) do not match";
    case std::regex_constants::error_brack: return "its [ and ] do not match";
    case std::regex_constants::error_brace: return "its { and } do not match";
    case std::regex_constants::error_badbrace: return "a {m,n} repeat is not valid";
    case std::regex_constants::error_range: return "a character range [a-z] is not valid";
    case std::regex_constants::error_escape: return "an escape \\ is not valid";
    case std::regex_constants::error_backref: return "a back reference names no group";
    case std::regex_constants::error_badrepeat: return "a *, +, ? or { follows nothing it can repeat";
    case std::regex_constants::error_complexity:
    case std::regex_constants::error_stack: return "it is too complex";
    default: return "it is not a regular expression";
  }
}

PythonRegex::Compiled PythonRegex::compile(std::string_view pattern) {
  Translator t(pattern);
  if (const auto refusal = t.run()) return {std::nullopt, refusal->problem, refusal->fix};
  PythonRegex r;
  r.pattern_ = std::string(pattern);
  r.translated_ = t.out;
  auto flags = std::regex::ECMAScript;
  if (t.icase) flags |= std::regex::icase;
  try {
    r.regex_ = std::regex(r.translated_, flags);
  } catch (const std::regex_error& e) {
    return {std::nullopt, regex_error_words(e.code()), "fix the pattern (Python's re syntax)"};
  }
  return {std::move(r), "", ""};
}

std::vector<PythonMatch> PythonRegex::findall(const std::string& text) const {
  std::vector<PythonMatch> out;
  run_sized(text.size(), [&] { out = findall_here(text); });
  return out;
}

std::string PythonRegex::remove_all(const std::string& text) const {
  std::string out;
  run_sized(text.size(), [&] { out = std::regex_replace(text, regex_, ""); });
  return out;
}

std::vector<PythonMatch> PythonRegex::findall_here(const std::string& text) const {
  std::vector<PythonMatch> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), regex_); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    PythonMatch match{m[0].str(), {}};
    for (size_t g = 1; g < m.size(); ++g) match.groups.push_back(m[g].matched ? m[g].str() : "");
    out.push_back(std::move(match));
  }
  return out;
}


}  // namespace qualm
