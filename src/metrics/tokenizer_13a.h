#pragma once
// mteval-v13a's tokenizer as sacrebleu's Tokenizer13a implements it (HF evaluate's "bleu"
// carries a copy of the same code): drop "<skipped>", join "-\n" line breaks, unescape four
// HTML entities, split off punctuation and symbols, keep "." and "," inside numbers, and
// split a "-" off a preceding digit. Words are joined by single spaces.

#include <string>
#include <string_view>

namespace qualm::metrics {

std::string tokenize_13a(std::string_view line);

// The same words before they are joined: runs of whitespace between them, as the passes leave
// them (split on whitespace, the words are tokenize_13a's).
std::string tokenize_13a_spaced(std::string_view line);

}  // namespace qualm::metrics
