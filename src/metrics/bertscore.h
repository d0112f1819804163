#pragma once
// BERTScore's algebra (bert-score's greedy_cos_idf) on per-token embeddings that the caller
// has already computed: every vector is L2-normalised, each candidate token takes its best
// cosine among the reference tokens (precision) and each reference token its best among the
// candidate tokens (recall), both averaged with token weights; F1 = 2PR / (P + R).
//
// Special tokens: bert-score gives [CLS]/[SEP] (<s>, </s>) weight 0 yet keeps them as match
// targets. Pass only content tokens to leave them out entirely (qualm's choice), or pass them
// with weight 0 to reproduce bert-score's matching (it computes in float32 and, within a padded
// batch, lets a padding slot's 0 stand in for a best cosine below 0; this code does neither).
// The embedding model and layer are the caller's to record.

#include <optional>
#include <unordered_map>
#include <vector>

#include "metrics/prf.h"

namespace qualm::metrics {

using TokenEmbeddings = std::vector<std::vector<float>>;  // one vector per token, all one width

// bert-score's rescale_with_baseline values for one model and layer: each of P, R and F1
// becomes (x - b) / (1 - b) with its own b.
struct BertScoreBaseline {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

struct BertScoreOptions {
  std::vector<double> candidate_weights;  // per candidate token; empty: all 1 (idf off)
  std::vector<double> reference_weights;  // per reference token; empty: all 1
  std::optional<BertScoreBaseline> baseline;
};

// P, R and F1 before any rescaling are 0 when either side has no token or no weight; a zero
// vector has cosine 0 with everything. Throws std::invalid_argument on mismatched widths or
// weight counts.
PrfScore bertscore(const TokenEmbeddings& candidate, const TokenEmbeddings& reference,
                   const BertScoreOptions& options = {});

// bert-score's idf over the reference documents (token ids): log((M + 1) / (df + 1)) for a
// token in df of the M documents, log(M + 1) for one in none.
struct IdfTable {
  std::unordered_map<int, double> idf;
  double unseen = 0;

  double operator()(int token) const;
};

IdfTable bertscore_idf(const std::vector<std::vector<int>>& reference_tokens);

}  // namespace qualm::metrics
