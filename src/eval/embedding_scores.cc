#include "eval/embedding_scores.h"

#include <stdexcept>

#include "metrics/bertscore.h"
#include "metrics/coherence.h"

namespace qualm {
namespace {

metrics::TokenEmbeddings content_vectors(const EmbedResult& r) {
  metrics::TokenEmbeddings out;
  for (size_t t = 0; t < r.tokens.size(); ++t) {
    if (r.special[t]) continue;
    const float* row = r.values.data() + t * static_cast<size_t>(r.dim);
    out.emplace_back(row, row + r.dim);
  }
  return out;
}

}  // namespace

bool is_embedding_metric(const std::string& metric) { return metric == "bertscore" || metric == "coherence"; }

bool needs_token_vectors(const std::string& metric) { return metric == "bertscore"; }

std::vector<double> embedding_scores(Backend& embedder, const std::string& metric,
                                     const std::vector<std::string>& candidates,
                                     const std::vector<std::string>& references) {
  if (!is_embedding_metric(metric)) throw std::invalid_argument("not an embedding metric: " + metric);
  const Pooling pooling = metric == "coherence" ? Pooling::kMean : Pooling::kNone;
  std::vector<EmbedRequest> requests;
  for (size_t i = 0; i < candidates.size(); ++i) {
    requests.push_back({candidates[i], pooling});
    requests.push_back({references[i], pooling});
  }
  const std::vector<EmbedResult> e = embedder.embed(requests);
  std::vector<double> out;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const EmbedResult &cand = e[2 * i], &ref = e[2 * i + 1];
    out.push_back(metric == "coherence" ? metrics::coherence(cand.values, ref.values)
                                        : metrics::bertscore(content_vectors(cand), content_vectors(ref)).f1);
  }
  return out;
}

}  // namespace qualm
