#pragma once
// KL divergence of a candidate model from a base model over the same text windows
// (SPEC S6). One pass with both models side by side: memory grows by two floats per
// scored token, never by the vocabulary. A base file stands in for a base model that
// cannot sit beside the candidate.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "eval/kld_base_file.h"
#include "eval/kld_compare.h"
#include "stats/moments.h"

namespace qualm {

// Rows of logits each model hands over at a time (WindowOptions::slice_rows): the memory of a
// one-pass comparison grows with this x n_vocab, not with a chunk's rows.
inline constexpr int kKldSliceRows = 128;

struct KldOptions {
  int context_size = 512;
  int max_chunks = -1;
  ProgressFn progress;    // (chunks done, chunks in all)
  std::string text_name;  // for messages
  int slice_rows = kKldSliceRows;
};

struct Percentiles {
  double max = 0, p99_9 = 0, p99 = 0, p95 = 0, p90 = 0, p75 = 0, median = 0, p25 = 0, p10 = 0, p5 = 0, p1 = 0,
         p0_1 = 0, min = 0;
};

struct KldSummary {
  int64_t n_tokens = 0;
  double kld_mean = 0, kld_stderr = 0;
  Percentiles kld;
  double same_top = 0, same_top_stderr = 0;
  double dp_mean = 0, dp_stderr = 0;
  Percentiles dp;
  double rms_dp = 0, rms_dp_stderr = 0;
  double ppl_base = 0, ppl_base_stderr = 0;
  double ppl_model = 0, ppl_model_stderr = 0;
  double ln_ppl_ratio = 0, ln_ppl_ratio_stderr = 0;
  double ppl_ratio = 0, ppl_ratio_stderr = 0;
  double ppl_diff = 0, ppl_diff_stderr = 0;
  double logprob_correlation = 0;
};

// Mergeable: the state of each document (to_json, in its record) merges into exactly the
// accumulator of all of them, percentiles included.
class KldAccumulator {
 public:
  void add(const TokenComparison& c);
  void merge(const KldAccumulator& other);
  KldSummary summarize() const;

  nlohmann::json to_json() const;
  // nullopt for anything that is not to_json()'s shape.
  static std::optional<KldAccumulator> from_json(const nlohmann::json& state);

 private:
  stats::CoMomentSums nll_;  // a: model, b: base
  stats::MomentSums kld_;
  stats::MomentSums dp_;
  stats::MomentSums dp2_;  // dp^2, for the RMS and its uncertainty
  int64_t n_same_ = 0;
  std::vector<float> kld_values_;
  std::vector<float> dp_values_;
};

struct KldRun {
  KldSummary summary;
  int n_chunks = 0;
  int context_size = 0;
  double seconds = 0;
};

KldRun kld_one_pass(Backend& base, Backend& model, const std::string& text, const KldOptions& options,
                    const std::optional<std::filesystem::path>& save_base = std::nullopt);

// Writes the base file only; returns the number of chunks written.
int save_base_file(Backend& base, const std::string& text, const KldOptions& options,
                   const std::filesystem::path& out);

KldRun kld_from_base_file(BaseFileReader& base, Backend& model, const KldOptions& options);

}  // namespace qualm
