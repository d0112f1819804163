#pragma once
// SemScore's coherence: the cosine similarity of the candidate's and the reference's sentence
// embeddings, raw in [-1, 1] (not clamped). Sentence embeddings are the mean of the token
// vectors (sentence-transformers' mean pooling) when the model gives per-token vectors.

#include <vector>

namespace qualm::metrics {

// Cosine of two vectors of one width; 0 when either is all zeros (as sentence-transformers'
// normalize-with-epsilon gives). Throws std::invalid_argument on different widths.
double coherence(const std::vector<float>& candidate, const std::vector<float>& reference);

// The mean of the token vectors; empty for no tokens.
std::vector<float> mean_pool(const std::vector<std::vector<float>>& tokens);

}  // namespace qualm::metrics
