#include "tasks/choice_answer.h"

#include <algorithm>
#include <cctype>

#include "core/errors.h"

namespace qualm {
namespace {

constexpr int kMaxChoices = 26;

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The choice whose letter is at s[at], when it is a valid letter standing alone there.
std::optional<int> letter_at(std::string_view s, size_t at, size_t n) {
  if (at >= s.size()) return std::nullopt;
  const int i = s[at] - 'A';
  if (i < 0 || i >= static_cast<int>(n)) return std::nullopt;
  if (at + 1 < s.size() && is_alnum(s[at + 1])) return std::nullopt;
  return i;
}

std::optional<int> after_answer_cue(std::string_view reply, size_t n) {
  const std::string low = lower(reply);
  for (size_t at = low.find("answer"); at != std::string::npos; at = low.find("answer", at + 1)) {
    size_t p = at + 6;
    if (at > 0 && is_alnum(low[at - 1])) continue;
    if (low.compare(p, 3, " is") == 0) p += 3;
    while (p < reply.size() && (reply[p] == ' ' || reply[p] == ':' || reply[p] == '*' || reply[p] == '(')) ++p;
    if (const auto i = letter_at(reply, p, n)) return i;
  }
  return std::nullopt;
}

std::optional<int> leading_letter(std::string_view reply, size_t n) {
  size_t p = 0;
  while (p < reply.size() && (reply[p] == '*' || reply[p] == '(')) ++p;
  const auto i = letter_at(reply, p, n);
  if (!i) return std::nullopt;
  // "A" followed by a space and a word is the article, not an answer.
  const size_t next = p + 1;
  if (next == reply.size()) return i;
  const char c = reply[next];
  return c == '.' || c == ')' || c == ':' || c == ',' || c == '*' || c == '\n' ? i : std::nullopt;
}

std::optional<int> option_text(std::string_view reply, const std::vector<std::string>& choices) {
  const std::string low = lower(reply);
  std::optional<int> best;
  size_t best_at = std::string::npos, best_len = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    const std::string option = lower(trim(choices[i]));
    if (option.empty()) continue;
    for (size_t at = low.find(option); at != std::string::npos; at = low.find(option, at + 1)) {
      const bool starts = at == 0 || !is_alnum(low[at - 1]);
      const bool ends = at + option.size() == low.size() || !is_alnum(low[at + option.size()]);
      if (!starts || !ends) continue;
      if (at < best_at || (at == best_at && option.size() > best_len)) {
        best = static_cast<int>(i);
        best_at = at;
        best_len = option.size();
      }
      break;
    }
  }
  return best;
}

bool choices_are_letters(const std::vector<std::string>& choices) {
  for (size_t i = 0; i < choices.size(); ++i) {
    if (trim(choices[i]) != std::string(1, static_cast<char>('A' + i))) return false;
  }
  return true;
}

}  // namespace

std::string choice_letter(int i) { return std::string(1, static_cast<char>('A' + i)); }

void check_choice_count(size_t n, const std::string& where) {
  if (n > kMaxChoices) {
    throw InputError(where, "has " + std::to_string(n) + " choices; mc_mode: generate letters at most 26",
                     "score this task by log-likelihood (mc_mode: loglikelihood)");
  }
}

std::string lettered_question(const std::string& text, const std::vector<std::string>& choices) {
  std::string_view q = trim(text);
  if (q.size() >= 7 && q.substr(q.size() - 7) == "Answer:") q = trim(q.substr(0, q.size() - 7));
  std::string out(q);
  if (!choices_are_letters(choices)) {
    for (size_t i = 0; i < choices.size(); ++i) out += "\n" + choice_letter(static_cast<int>(i)) + ". " + choices[i];
  }
  return out + "\nAnswer:";
}

std::optional<int> extract_choice(std::string_view reply, const std::vector<std::string>& choices) {
  const std::string_view r = trim(reply);
  if (const auto i = after_answer_cue(r, choices.size())) return i;
  if (const auto i = leading_letter(r, choices.size())) return i;
  if (choices_are_letters(choices)) return std::nullopt;  // "a" in a sentence is no answer
  return option_text(r, choices);
}

}  // namespace qualm
