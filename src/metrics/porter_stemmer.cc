#include "metrics/porter_stemmer.h"

#include <functional>
#include <initializer_list>

#include "metrics/unicode_text.h"

namespace qualm::metrics {
namespace {

// NLTK_EXTENSIONS' irregular forms, checked before any step.
std::string_view irregular_stem(std::string_view word) {
  static constexpr std::pair<std::string_view, std::string_view> kPool[] = {
      {"sky", "sky"},         {"skies", "sky"},     {"dying", "die"},     {"lying", "lie"},
      {"tying", "tie"},       {"news", "news"},     {"innings", "inning"}, {"inning", "inning"},
      {"outings", "outing"},  {"outing", "outing"}, {"cannings", "canning"}, {"canning", "canning"},
      {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"}, {"succeed", "succeed"}};
  for (const auto& [form, stem] : kPool) {
    if (form == word) return stem;
  }
  return {};
}

bool ends_with(std::string_view w, std::string_view suffix) {
  return w.size() >= suffix.size() && w.substr(w.size() - suffix.size()) == suffix;
}

std::string drop(std::string_view w, size_t n) { return std::string(w.substr(0, w.size() - n)); }

bool is_consonant(std::string_view w, size_t i) {
  switch (w[i]) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return false;
    case 'y': return i == 0 || !is_consonant(w, i - 1);
    default: return true;
  }
}

// The number of VC pairs in [C](VC){m}[V].
int measure(std::string_view stem) {
  int m = 0;
  for (size_t i = 0; i + 1 < stem.size(); ++i) {
    if (!is_consonant(stem, i) && is_consonant(stem, i + 1)) ++m;
  }
  return m;
}

bool contains_vowel(std::string_view stem) {
  for (size_t i = 0; i < stem.size(); ++i) {
    if (!is_consonant(stem, i)) return true;
  }
  return false;
}

bool ends_double_consonant(std::string_view w) {
  const size_t n = w.size();
  return n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1);
}

// *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also counts a two-letter
// vowel-consonant word.
bool ends_cvc(std::string_view w) {
  const size_t n = w.size();
  if (n >= 3 && is_consonant(w, n - 3) && !is_consonant(w, n - 2) && is_consonant(w, n - 1) && w[n - 1] != 'w' &&
      w[n - 1] != 'x' && w[n - 1] != 'y') {
    return true;
  }
  return n == 2 && !is_consonant(w, 0) && is_consonant(w, 1);
}

using Condition = std::function<bool(std::string_view stem)>;

struct Rule {
  std::string_view suffix;  // "*d": any double consonant ending
  std::string_view replacement;
  Condition condition;      // empty: unconditional
};

// The first rule whose suffix matches decides: it applies when its condition holds, and
// otherwise the word stays as it is (NLTK's _apply_rule_list).
std::string apply_rules(std::string_view word, std::initializer_list<Rule> rules) {
  for (const Rule& rule : rules) {
    size_t cut = 0;
    if (rule.suffix == "*d") {
      if (!ends_double_consonant(word)) continue;
      cut = 2;
    } else if (ends_with(word, rule.suffix)) {
      cut = rule.suffix.size();
    } else {
      continue;
    }
    const std::string stem = drop(word, cut);
    if (!rule.condition || rule.condition(stem)) return stem + std::string(rule.replacement);
    return std::string(word);
  }
  return std::string(word);
}

bool positive_measure(std::string_view stem) { return measure(stem) > 0; }
bool measure_above_1(std::string_view stem) { return measure(stem) > 1; }

std::string step1a(std::string_view w) {
  if (ends_with(w, "ies") && w.size() == 4) return drop(w, 3) + "ie";
  return apply_rules(w, {{"sses", "ss", {}}, {"ies", "i", {}}, {"ss", "ss", {}}, {"s", "", {}}});
}

std::string step1b(std::string_view w) {
  if (ends_with(w, "ied")) return drop(w, 3) + (w.size() == 4 ? "ie" : "i");
  if (ends_with(w, "eed")) {
    const std::string stem = drop(w, 3);
    return measure(stem) > 0 ? stem + "ee" : std::string(w);
  }
  std::string stem;
  bool stripped = false;
  for (std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
    if (ends_with(w, suffix)) {
      stem = drop(w, suffix.size());
      if (contains_vowel(stem)) {
        stripped = true;
        break;
      }
    }
  }
  if (!stripped) return std::string(w);
  const char last = stem.back();
  const std::string single(1, last);
  const Condition not_lsz = [last](std::string_view) { return last != 'l' && last != 's' && last != 'z'; };
  const Condition short_cvc = [](std::string_view s) { return measure(s) == 1 && ends_cvc(s); };
  return apply_rules(stem, {{"at", "ate", {}}, {"bl", "ble", {}}, {"iz", "ize", {}}, {"*d", single, not_lsz},
                            {"", "e", short_cvc}});
}

std::string step1c(std::string_view w) {
  return apply_rules(w, {{"y", "i", [](std::string_view s) { return s.size() > 1 && is_consonant(s, s.size() - 1); }}});
}

std::string step2(std::string_view w) {
  if (ends_with(w, "alli") && positive_measure(w.substr(0, w.size() - 4))) return step2(drop(w, 4) + "al");
  const Condition m = positive_measure;
  // NLTK measures "logi"'s stem with its "l" kept.
  const Condition logi = [w](std::string_view) { return positive_measure(w.substr(0, w.size() - 3)); };
  return apply_rules(w, {{"ational", "ate", m}, {"tional", "tion", m}, {"enci", "ence", m},  {"anci", "ance", m},
                         {"izer", "ize", m},    {"bli", "ble", m},     {"alli", "al", m},     {"entli", "ent", m},
                         {"eli", "e", m},       {"ousli", "ous", m},   {"ization", "ize", m}, {"ation", "ate", m},
                         {"ator", "ate", m},    {"alism", "al", m},    {"iveness", "ive", m}, {"fulness", "ful", m},
                         {"ousness", "ous", m}, {"aliti", "al", m},    {"iviti", "ive", m},   {"biliti", "ble", m},
                         {"fulli", "ful", m},   {"logi", "log", logi}});
}

std::string step3(std::string_view w) {
  const Condition m = positive_measure;
  return apply_rules(w, {{"icate", "ic", m}, {"ative", "", m}, {"alize", "al", m}, {"iciti", "ic", m},
                         {"ical", "ic", m},  {"ful", "", m},   {"ness", "", m}});
}

std::string step4(std::string_view w) {
  const Condition m = measure_above_1;
  const Condition ion = [](std::string_view s) { return measure(s) > 1 && (s.back() == 's' || s.back() == 't'); };
  return apply_rules(w, {{"al", "", m},   {"ance", "", m}, {"ence", "", m}, {"er", "", m},   {"ic", "", m},
                         {"able", "", m}, {"ible", "", m}, {"ant", "", m},  {"ement", "", m}, {"ment", "", m},
                         {"ent", "", m},  {"ion", "", ion}, {"ou", "", m},  {"ism", "", m},  {"ate", "", m},
                         {"iti", "", m},  {"ous", "", m},  {"ive", "", m},  {"ize", "", m}});
}

std::string step5a(std::string_view w) {
  if (ends_with(w, "e")) {
    const std::string_view stem = w.substr(0, w.size() - 1);
    const int m = measure(stem);
    if (m > 1 || (m == 1 && !ends_cvc(stem))) return std::string(stem);
  }
  return std::string(w);
}

std::string step5b(std::string_view w) {
  return apply_rules(w, {{"ll", "l", [w](std::string_view) { return measure(w.substr(0, w.size() - 1)) > 1; }}});
}

}  // namespace

std::string porter_stem(std::string_view word) {
  if (const std::string_view irregular = irregular_stem(word); !irregular.empty()) return std::string(irregular);
  // Like NLTK: the irregular forms are looked up before lowercasing, the steps run after.
  const std::string lower = ascii_lower(word);
  if (lower.size() <= 2) return lower;
  std::string w = step1a(lower);
  w = step1b(w);
  w = step1c(w);
  w = step2(w);
  w = step3(w);
  w = step4(w);
  w = step5a(w);
  return step5b(w);
}

}  // namespace qualm::metrics
