#pragma once
// bertscore (F1) and coherence of candidate/reference pairs through an embedding backend:
// coherence is the cosine of the mean-pooled sentence vectors (SemScore); bertscore matches
// per-token vectors greedily, special tokens (CLS, SEP, BOS) left out.

#include <string>
#include <vector>

#include "backend/backend.h"

namespace qualm {

bool is_embedding_metric(const std::string& metric);

// bertscore matches per-token vectors; coherence needs one pooled vector per text, all that
// a served embedder (Ollama's /api/embed) returns.
bool needs_token_vectors(const std::string& metric);

// One value per pair. Throws std::invalid_argument for another metric name.
std::vector<double> embedding_scores(Backend& embedder, const std::string& metric,
                                     const std::vector<std::string>& candidates,
                                     const std::vector<std::string>& references);

}  // namespace qualm
