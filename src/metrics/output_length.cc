#include "metrics/output_length.h"

#include <algorithm>

#include "metrics/unicode_text.h"

namespace qualm::metrics {

double output_length(std::string_view candidate, std::string_view reference) {
  const size_t c = split_whitespace(candidate).size();
  const size_t r = split_whitespace(reference).size();
  if (c == 0 && r == 0) return 1.0;
  return static_cast<double>(std::min(c, r)) / static_cast<double>(std::max(c, r));
}

}  // namespace qualm::metrics
