#include "tasks/text_filters.h"

#include <regex>

#include "core/errors.h"

namespace qualm {
namespace {

std::string strip(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const size_t a = s.find_first_not_of(ws);
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(ws) - a + 1);
}

}  // namespace

std::string apply_filters(std::string text, const std::vector<TextFilter>& filters,
                          const std::vector<std::string>& stops) {
  for (const TextFilter& f : filters) {
    switch (f.kind) {
      case TextFilter::Kind::kStrip:
        text = strip(text);
        break;
      case TextFilter::Kind::kFirstLine:
        text = text.substr(0, text.find('\n'));
        break;
      case TextFilter::Kind::kTruncateAtStop:
        for (const std::string& s : stops) {
          if (const size_t at = text.find(s); !s.empty() && at != std::string::npos) text.resize(at);
        }
        break;
      case TextFilter::Kind::kRegex: {
        std::regex re;
        try {
          re = std::regex(f.pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          throw InputError(f.where, "filter regex '" + f.pattern + "' is not valid: " + e.what());
        }
        std::smatch m;
        text = std::regex_search(text, m, re) ? (m.size() > 1 && m[1].matched ? m[1].str() : m[0].str()) : "";
        break;
      }
    }
  }
  return text;
}

}  // namespace qualm
