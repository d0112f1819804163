#pragma once
// mteval-v13a's tokenizer as sacrebleu's Tokenizer13a implements it (HF evaluate's "bleu"
// carries a copy of the same code): drop "<skipped>", join "-\n" line breaks, unescape four
// HTML entities, split off punctuation and symbols, keep "." and "," inside numbers, and
// split a "-" off a preceding digit. Words are joined by single spaces.

#include <string>
#include <string_view>

namespace qualm::metrics {

std::string tokenize_13a(std::string_view line);

}  // namespace qualm::metrics
