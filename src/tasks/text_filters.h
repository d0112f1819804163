#pragma once
// Filters on generated text (SPEC S3), applied in the task file's order.

#include <string>
#include <vector>

#include "config/task_spec.h"

namespace qualm {

// strip: surrounding whitespace; first_line: up to the first "\n"; truncate_at_stop: before
// the first of `stops`; regex: the first capture group of the first match, else the whole
// match, else "" (ECMAScript syntax). Throws InputError naming the filter for a bad pattern.
std::string apply_filters(std::string text, const std::vector<TextFilter>& filters,
                          const std::vector<std::string>& stops);

}  // namespace qualm
