#include "io/hellaswag_text.h"

#include <charconv>
#include <string_view>

#include "core/errors.h"

namespace qualm {
namespace {

constexpr size_t kLinesPerTask = 6;
constexpr const char* kFormatFix =
    "each task is 6 lines: context, gold label 0..3, then the 4 endings, as llama.cpp --hellaswag reads";

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();  // last line without a newline
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string where(const std::string& source_name, size_t line) { return source_name + ":" + std::to_string(line); }

}  // namespace

std::vector<HellaswagItem> parse_hellaswag_text(const std::string& text, const std::string& source_name) {
  const std::vector<std::string_view> lines = split_lines(text);
  if (lines.size() % kLinesPerTask != 0) {
    const size_t first = lines.size() - lines.size() % kLinesPerTask;  // 0-based start of the partial task
    throw InputError(where(source_name, first + 1),
                     "incomplete task: " + std::to_string(lines.size() - first) + " of 6 lines before the end",
                     kFormatFix);
  }
  std::vector<HellaswagItem> items;
  items.reserve(lines.size() / kLinesPerTask);
  for (size_t i = 0; i < lines.size(); i += kLinesPerTask) {
    HellaswagItem item;
    item.line = static_cast<int>(i + 1);
    if (lines[i].empty()) throw InputError(where(source_name, i + 1), "context is empty", kFormatFix);
    item.context = std::string(lines[i]);

    // Strict: the whole line must be the number, so a shifted file fails here, not in scoring.
    const std::string_view label = lines[i + 1];
    const char* end = label.data() + label.size();
    const auto [stop, ec] = std::from_chars(label.data(), end, item.label);
    if (label.empty() || ec != std::errc() || stop != end || item.label < 0 || item.label > 3) {
      throw InputError(where(source_name, i + 2), "label \"" + std::string(label) + "\" is not an integer in 0..3",
                       kFormatFix);
    }

    for (size_t e = 0; e < 4; ++e) {
      const size_t at = i + 2 + e;
      if (lines[at].empty()) {
        throw InputError(where(source_name, at + 1), "ending " + std::to_string(e) + " is empty", kFormatFix);
      }
      item.endings[e] = std::string(lines[at]);
    }
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace qualm
