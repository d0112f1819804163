#pragma once
// Template text to parts: literal text and parsed {{ }} expressions. Internal to
// src/tasks/template*; the public interface is tasks/template.h.

#include <string>
#include <vector>

#include "tasks/template_syntax.h"

namespace qualm::template_detail {

struct ParsedPart {
  std::string text;  // literal text, when expr is null
  NodePtr expr;      // a {{ }} substitution
  std::string tag;   // the substitution as written, for messages
};

// Parses template text whose newlines are already "\n"; node offsets point into `source`.
// Throws InputError(where, ...) naming the line and column of the problem.
std::vector<ParsedPart> parse_template(const std::string& source, const std::string& where);

}  // namespace qualm::template_detail
