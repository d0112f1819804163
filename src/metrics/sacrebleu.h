#pragma once
// BLEU with sacrebleu's defaults (sacrebleu 2.x BLEU()): tokenize_13a after an rstrip, case
// kept, max order 4, 'exp' smoothing (an order with no match gets 1 / (2^k * total), k
// counting such orders), reference length per sample = the closest reference length (ties to
// the shorter), any number of references, statistics summed over the corpus. Every part is
// on a 0-1 scale; sacrebleu prints score and precisions times 100.

#include <string>
#include <string_view>
#include <vector>

#include "metrics/bleu.h"

namespace qualm::metrics {

// One sample's statistics: translation_length = hyp_len, reference_length = the closest
// reference length, matches = sacrebleu's "counts", possible = its "totals".
BleuStats sacrebleu_stats(std::string_view hypothesis, const std::vector<std::string>& references);

BleuScore sacrebleu_from_stats(const BleuStats& stats);

// Corpus BLEU: hypotheses[i] against references[i].
BleuScore sacrebleu(const std::vector<std::string>& hypotheses,
                    const std::vector<std::vector<std::string>>& references);

}  // namespace qualm::metrics
