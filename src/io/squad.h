#pragma once
// SQuAD-style nested JSON (SQuAD v1.1, XQuAD): data[].paragraphs[].qas[], flattened to one
// document per question.

#include <string>
#include <vector>

#include "io/dataset.h"

namespace qualm {

// Each document: {id, title, context, question, answers: [texts], answer_starts: [ints]};
// Doc.line is 0 (the format is not line-based). Throws InputError naming the file and the
// JSON path of a missing or mistyped field.
std::vector<Doc> parse_squad(const std::string& text, const std::string& display_name);

}  // namespace qualm
