#include "metrics/repetition.h"

#include <set>
#include <string>
#include <vector>

#include "metrics/unicode_text.h"

namespace qualm::metrics {

std::optional<double> repetition(std::string_view candidate) {
  const std::vector<std::string> words = split_whitespace(candidate);
  if (words.size() < kRepetitionMinWords) return std::nullopt;
  std::set<std::vector<std::string>> distinct;
  for (size_t i = 0; i + 4 <= words.size(); ++i) distinct.emplace(words.begin() + i, words.begin() + i + 4);
  return static_cast<double>(distinct.size()) / static_cast<double>(words.size() - 3);
}

}  // namespace qualm::metrics
