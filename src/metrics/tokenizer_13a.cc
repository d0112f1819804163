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

// The class [\{-\~\[-\` -\&\(-\+\:-\@\/]: ASCII punctuation and symbols except ' , - .
bool is_split_symbol(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
         (c >= ':' && c <= '@') || c == '/';
}

// Each pass is one of Tokenizer13a's re.sub calls, scanning left to right over matches of
// two characters that do not overlap, as Python's re does. The patterns' negated classes
// match any byte of a multi-byte character, which inserts spaces where Python would.
std::string pass_symbols(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (is_split_symbol(c)) {
      out += ' ';
      out += c;
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// ([^0-9])([\.,]) -> "\1 \2 "
std::string pass_period_after_non_digit(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i + 1 < s.size() && !is_digit(s[i]) && is_period_or_comma(s[i + 1])) {
      out += s[i];
      out += ' ';
      out += s[++i];
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// ([\.,])([^0-9]) -> " \1 \2"
std::string pass_period_before_non_digit(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i + 1 < s.size() && is_period_or_comma(s[i]) && !is_digit(s[i + 1])) {
      out += ' ';
      out += s[i];
      out += ' ';
      out += s[++i];
    } else {
      out += s[i];
    }
  }
  return out;
}

// ([0-9])(-) -> "\1 \2 "
std::string pass_dash_after_digit(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i + 1 < s.size() && is_digit(s[i]) && s[i + 1] == '-') {
      out += s[i];
      out += " - ";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string tokenize_13a(std::string_view line) {
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
  text = pass_dash_after_digit(text);
  std::string out;
  for (const std::string& word : split_whitespace(text)) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

}  // namespace qualm::metrics
