#pragma once
// llama.cpp's --hellaswag input: six lines per task, read here so that qualm scores the same
// text llama-perplexity does.

#include <array>
#include <string>
#include <vector>

namespace qualm {

struct HellaswagItem {
  std::string context;                 // line 1: activity_label + ": " + ctx, as written
  int label = 0;                       // line 2: index of the gold ending, 0..3
  std::array<std::string, 4> endings;  // lines 3-6
  int line = 0;                        // 1-based line of the task's first line
};

// Splits on "\n" and strips one trailing "\r" per line; nothing else is trimmed or changed.
// Empty text gives no tasks. Throws InputError naming "source_name:LINE" and the field for a
// line count that is not a multiple of 6, a label that is not an integer in 0..3, or an empty
// context or ending.
std::vector<HellaswagItem> parse_hellaswag_text(const std::string& text, const std::string& source_name);

}  // namespace qualm
