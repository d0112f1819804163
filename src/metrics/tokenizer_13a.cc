#include "metrics/tokenizer_13a.h"

#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_or_comma(char c) { return c == '.' || c == ','; }

// The class [\{-\~\[-\` -\&\(-\+\:-\@\/]: ASCII punctuation and symbols except ' , - . (the
// space included).
bool is_split_symbol(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
         (c >= ':' && c <= '@') || c == '/';
}

// Each pass is one of Tokenizer13a's re.sub calls, scanning left to right over matches that do
// not overlap, as Python's re does: at(s, i) says whether one starts at s[i] and how many bytes
// it takes, put(out, match) writes its replacement; the bytes between matches are copied as runs.
// The patterns' negated classes match any byte of a multi-byte character, which inserts spaces
// where Python would.
template <typename At, typename Put>
std::string substitute(std::string_view s, At at, Put put) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  size_t copied = 0;  // s[0, copied) is written
  for (size_t i = 0; i < s.size();) {
    const size_t n = at(s, i);
    if (n == 0) {
      ++i;
      continue;
    }
    out.append(s.substr(copied, i - copied));
    put(out, s.substr(i, n));
    i += n;
    copied = i;
  }
  out.append(s.substr(copied));
  return out;
}

// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
std::string pass_symbols(std::string_view s) {
  return substitute(
      s, [](std::string_view t, size_t i) -> size_t { return is_split_symbol(t[i]) ? 1 : 0; },
      [](std::string& out, std::string_view m) { out.append({' ', m[0], ' '}); });
}

// ([^0-9])([\.,]) -> "\1 \2 "
std::string pass_period_after_non_digit(std::string_view s) {
  return substitute(
      s,
      [](std::string_view t, size_t i) -> size_t {
        return i + 1 < t.size() && is_period_or_comma(t[i + 1]) && !is_digit(t[i]) ? 2 : 0;
      },
      [](std::string& out, std::string_view m) { out.append({m[0], ' ', m[1], ' '}); });
}

// ([\.,])([^0-9]) -> " \1 \2"
std::string pass_period_before_non_digit(std::string_view s) {
  return substitute(
      s,
      [](std::string_view t, size_t i) -> size_t {
        return is_period_or_comma(t[i]) && i + 1 < t.size() && !is_digit(t[i + 1]) ? 2 : 0;
      },
      [](std::string& out, std::string_view m) { out.append({' ', m[0], ' ', m[1]}); });
}

// ([0-9])(-) -> "\1 \2 "
std::string pass_dash_after_digit(std::string_view s) {
  return substitute(
      s,
      [](std::string_view t, size_t i) -> size_t {
        return i + 1 < t.size() && t[i + 1] == '-' && is_digit(t[i]) ? 2 : 0;
      },
      [](std::string& out, std::string_view m) { out.append({m[0], ' ', '-', ' '}); });
}

}  // namespace

std::string tokenize_13a_spaced(std::string_view line) {
  std::string text = replace_all(std::string(line), "<skipped>", "");
  text = replace_all(std::move(text), "-\n", "");
  text = replace_all(std::move(text), "\n", " ");
  if (text.find('&') != std::string::npos) {
    text = replace_all(std::move(text), "&quot;", "\"");
    text = replace_all(std::move(text), "&amp;", "&");
    text = replace_all(std::move(text), "&lt;", "<");
    text = replace_all(std::move(text), "&gt;", ">");
  }
  text = pass_symbols(" " + text + " ");
  text = pass_period_after_non_digit(text);
  text = pass_period_before_non_digit(text);
  return pass_dash_after_digit(text);
}

std::string tokenize_13a(std::string_view line) {
  const std::string text = tokenize_13a_spaced(line);
  std::string out;
  out.reserve(text.size());
  for (const std::string_view word : split_whitespace_views(text)) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

}  // namespace qualm::metrics
