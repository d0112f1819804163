#include "metrics/repetition.h"

#include <set>
#include <string>
#include <vector>

#include "metrics/unicode_text.h"

namespace qualm::metrics {

double repetition(std::string_view candidate) {
  const std::vector<std::string> words = split_whitespace(candidate);
  if (words.size() < 4) return 1.0;
  std::set<std::vector<std::string>> distinct;
  for (size_t i = 0; i + 4 <= words.size(); ++i) distinct.emplace(words.begin() + i, words.begin() + i + 4);
  return static_cast<double>(distinct.size()) / static_cast<double>(words.size() - 3);
}

}  // namespace qualm::metrics
