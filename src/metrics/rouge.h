#pragma once
// ROUGE-L and ROUGE-Lsum as Google's rouge-score computes them (what HF evaluate's "rouge"
// calls): precision = LCS / prediction tokens, recall = LCS / reference tokens, F1 of the two;
// all 0 when either side has no token.

#include <string>
#include <string_view>
#include <vector>

#include "metrics/prf.h"

namespace qualm::metrics {

// rouge-score's tokenizer: lowercase, every run of [^a-z0-9] becomes a separator, and with
// `use_stemmer` words longer than 3 characters go through the Porter stemmer (porter_stemmer.h).
// Python's lower() is followed for the two non-ASCII letters it lowers to ASCII (U+0130, U+212A);
// every other non-ASCII character separates words, as it does there.
std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer = false);

// Length of the longest common subsequence of two token lists.
size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b);

PrfScore rouge_l(std::string_view prediction, std::string_view reference, bool use_stemmer = false);

// Summary-level ROUGE-L: both texts are split into sentences on "\n" (empty lines dropped) and
// each reference sentence scores the union of its LCS with every prediction sentence, each
// token counted at most as often as it occurs on both sides (rouge-score's _summary_level_lcs).
PrfScore rouge_lsum(std::string_view prediction, std::string_view reference, bool use_stemmer = false);

}  // namespace qualm::metrics
