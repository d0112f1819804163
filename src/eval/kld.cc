#include "eval/kld.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

#include "core/errors.h"
#include "core/parallel.h"
#include "stats/percentile.h"

namespace qualm {
namespace {

Percentiles percentiles_of(std::vector<float> values) {
  std::sort(values.begin(), values.end());
  const std::span<const float> v(values);
  Percentiles p;
  if (v.empty()) return p;
  p.max = v.back();
  p.p99_9 = stats::percentile_sorted(v, 0.999);
  p.p99 = stats::percentile_sorted(v, 0.99);
  p.p95 = stats::percentile_sorted(v, 0.95);
  p.p90 = stats::percentile_sorted(v, 0.90);
  p.p75 = stats::percentile_sorted(v, 0.75);
  p.median = stats::median_sorted(v);
  p.p25 = stats::percentile_sorted(v, 0.25);
  p.p10 = stats::percentile_sorted(v, 0.10);
  p.p5 = stats::percentile_sorted(v, 0.05);
  p.p1 = stats::percentile_sorted(v, 0.01);
  p.p0_1 = stats::percentile_sorted(v, 0.001);
  p.min = v.front();
  return p;
}

// Compares one chunk position by position; the comparisons run in parallel and are
// accumulated in order, so results do not depend on the thread count.
void compare_chunk(std::span<const TokenId> targets, int n_vocab, std::span<const float> model_logits,
                   const std::function<void(size_t, std::span<float>)>& base_logprobs, KldAccumulator& acc) {
  const unsigned workers = default_worker_count();
  std::vector<TokenComparison> out(targets.size());
  std::vector<std::vector<float>> scratch(workers, std::vector<float>(static_cast<size_t>(n_vocab)));
  parallel_for(targets.size(), workers, [&](unsigned w, size_t i) {
    base_logprobs(i, scratch[w]);
    out[i] = compare_token(scratch[w], model_logits.subspan(i * n_vocab, n_vocab), targets[i]);
  });
  for (const TokenComparison& c : out) acc.add(c);
}

void require_same_vocab(int base_vocab, int model_vocab) {
  if (base_vocab != model_vocab) {
    throw InputError("--model", "its vocabulary has " + std::to_string(model_vocab) + " tokens but the base's has " +
                                    std::to_string(base_vocab),
                     "compare variants of the same model");
  }
}

// Both models hand over the same rows at a time: they share the slice size.
void require_same_slice(const DistributionChunk& b, const DistributionChunk& m) {
  if (b.chunk != m.chunk || b.row != m.row || b.targets.size() != m.targets.size()) {
    throw RunError("the candidate's rows came in other slices than the base's (chunk " + std::to_string(b.chunk + 1) +
                   ", row " + std::to_string(b.row) + " against chunk " + std::to_string(m.chunk + 1) + ", row " +
                   std::to_string(m.row) + ")");
  }
}

// llama-perplexity's half-chunk windows, handed over in the options' slices.
WindowOptions window_of(const KldOptions& o, int context_size, int max_chunks) {
  return WindowOptions{WindowOptions::Scheme::kHalfChunk, context_size, max_chunks, o.slice_rows};
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void KldAccumulator::add(const TokenComparison& c) {
  nll_.add(c.nll_model, c.nll_base);
  kld_.add(c.kld);
  dp_.add(c.dp);
  dp2_.add(static_cast<double>(c.dp) * c.dp);
  n_same_ += c.same_top ? 1 : 0;
  kld_values_.push_back(static_cast<float>(c.kld));
  dp_values_.push_back(c.dp);
}

void KldAccumulator::merge(const KldAccumulator& o) {
  nll_.merge(o.nll_);
  kld_.merge(o.kld_);
  dp_.merge(o.dp_);
  dp2_.merge(o.dp2_);
  n_same_ += o.n_same_;
  kld_values_.insert(kld_values_.end(), o.kld_values_.begin(), o.kld_values_.end());
  dp_values_.insert(dp_values_.end(), o.dp_values_.begin(), o.dp_values_.end());
}

namespace {

nlohmann::json moments_json(const stats::MomentSums& m) { return {m.n, m.sum, m.sum2}; }

bool moments_from(const nlohmann::json& j, stats::MomentSums& m) {
  if (!j.is_array() || j.size() != 3 || !j[0].is_number_integer() || !j[1].is_number() || !j[2].is_number()) return false;
  m.n = j[0].get<int64_t>();
  m.sum = j[1].get<double>();
  m.sum2 = j[2].get<double>();
  return true;
}

}  // namespace

nlohmann::json KldAccumulator::to_json() const {
  return {{"nll_model", moments_json(nll_.a)}, {"nll_base", moments_json(nll_.b)}, {"nll_product", nll_.sum_ab},
          {"kld", moments_json(kld_)},         {"dp", moments_json(dp_)},         {"dp2", moments_json(dp2_)},
          {"same_top", n_same_},               {"kld_values", kld_values_},       {"dp_values", dp_values_}};
}

std::optional<KldAccumulator> KldAccumulator::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  const auto field = [&](const char* key) -> const nlohmann::json& {
    static const nlohmann::json kNull;
    const auto it = j.find(key);
    return it != j.end() ? *it : kNull;
  };
  KldAccumulator a;
  if (!moments_from(field("nll_model"), a.nll_.a) || !moments_from(field("nll_base"), a.nll_.b) ||
      !moments_from(field("kld"), a.kld_) || !moments_from(field("dp"), a.dp_) || !moments_from(field("dp2"), a.dp2_)) {
    return std::nullopt;
  }
  const nlohmann::json &product = field("nll_product"), &same = field("same_top"), &kv = field("kld_values"),
                       &dv = field("dp_values");
  if (!product.is_number() || !same.is_number_integer() || !kv.is_array() || !dv.is_array()) return std::nullopt;
  a.nll_.sum_ab = product.get<double>();
  a.n_same_ = same.get<int64_t>();
  for (const auto& v : kv) {
    if (!v.is_number()) return std::nullopt;
    a.kld_values_.push_back(v.get<float>());
  }
  for (const auto& v : dv) {
    if (!v.is_number()) return std::nullopt;
    a.dp_values_.push_back(v.get<float>());
  }
  return a;
}

KldSummary KldAccumulator::summarize() const {
  KldSummary s;
  const int64_t n = kld_.n;
  s.n_tokens = n;
  if (n == 0) return s;
  s.kld_mean = kld_.mean();
  s.kld_stderr = kld_.stderr_of_mean();
  s.kld = percentiles_of(kld_values_);
  s.dp_mean = dp_.mean();
  s.dp_stderr = dp_.stderr_of_mean();
  s.dp = percentiles_of(dp_values_);
  s.rms_dp = std::sqrt(dp2_.mean());
  s.rms_dp_stderr = s.rms_dp > 0 ? 0.5 / s.rms_dp * dp2_.stderr_of_mean() : 0;
  s.same_top = static_cast<double>(n_same_) / static_cast<double>(n);
  s.same_top_stderr = n > 1 ? std::sqrt(s.same_top * (1 - s.same_top) / static_cast<double>(n - 1)) : 0;

  const double se_model = nll_.a.stderr_of_mean();
  const double se_base = nll_.b.stderr_of_mean();
  const double cov = nll_.covariance_of_means();
  s.ppl_model = std::exp(nll_.a.mean());
  s.ppl_model_stderr = s.ppl_model * se_model;
  s.ppl_base = std::exp(nll_.b.mean());
  s.ppl_base_stderr = s.ppl_base * se_base;
  s.logprob_correlation = se_model > 0 && se_base > 0 ? cov / (se_model * se_base) : 0;
  s.ln_ppl_ratio = nll_.a.mean() - nll_.b.mean();
  s.ln_ppl_ratio_stderr = std::sqrt(std::max(0.0, se_model * se_model + se_base * se_base - 2 * cov));
  s.ppl_ratio = std::exp(s.ln_ppl_ratio);
  s.ppl_ratio_stderr = s.ppl_ratio * s.ln_ppl_ratio_stderr;
  s.ppl_diff = s.ppl_model - s.ppl_base;
  const double ppl_cov = s.ppl_model * s.ppl_base * cov;
  s.ppl_diff_stderr = std::sqrt(std::max(0.0, s.ppl_model_stderr * s.ppl_model_stderr +
                                                  s.ppl_base_stderr * s.ppl_base_stderr - 2 * ppl_cov));
  return s;
}

KldRun kld_one_pass(Backend& base, Backend& model, const std::string& text, const KldOptions& options,
                    const std::optional<std::filesystem::path>& save_base) {
  const auto start = std::chrono::steady_clock::now();
  const WindowOptions window = window_of(options, options.context_size, options.max_chunks);
  const DistributionRequest base_request{text, window, {}, options.text_name};
  auto base_stream = base.distributions(std::span(&base_request, 1));
  // The candidate evaluates exactly the base's tokens.
  const DistributionRequest model_request{"", window, base_stream->tokens()[0], options.text_name};
  auto model_stream = model.distributions(std::span(&model_request, 1));

  const int n_chunks = base_stream->chunk_counts()[0];
  std::optional<BaseFileWriter> writer;
  KldAccumulator acc;
  DistributionChunk b, m;
  while (base_stream->next(b)) {  // a slice of rows of each model at a time
    if (!model_stream->next(m)) throw RunError("the candidate produced fewer chunks than the base");
    require_same_vocab(b.n_vocab, m.n_vocab);
    require_same_slice(b, m);
    if (save_base && !writer) writer.emplace(*save_base, BaseFileHeader{options.context_size, b.n_vocab, n_chunks},
                                             base_stream->tokens()[0]);
    if (writer) writer->write_rows(b.logits);
    const size_t n_vocab = static_cast<size_t>(b.n_vocab);
    compare_chunk(b.targets, b.n_vocab, m.logits, [&](size_t i, std::span<float> out) {
      logprobs_from_logits(b.logits.subspan(i * n_vocab, n_vocab), out);
    }, acc);
    if (options.progress && b.last) options.progress(b.chunk + 1, n_chunks);
  }
  if (writer) writer->close();
  return KldRun{acc.summarize(), n_chunks, options.context_size, since(start)};
}

int save_base_file(Backend& base, const std::string& text, const KldOptions& options,
                   const std::filesystem::path& out) {
  const DistributionRequest request{text, window_of(options, options.context_size, options.max_chunks), {},
                                    options.text_name};
  auto stream = base.distributions(std::span(&request, 1));
  const int n_chunks = stream->chunk_counts()[0];
  std::optional<BaseFileWriter> writer;
  DistributionChunk chunk;
  while (stream->next(chunk)) {
    if (!writer) writer.emplace(out, BaseFileHeader{options.context_size, chunk.n_vocab, n_chunks}, stream->tokens()[0]);
    writer->write_rows(chunk.logits);
    if (options.progress && chunk.last) options.progress(chunk.chunk + 1, n_chunks);
  }
  if (writer) writer->close();
  return n_chunks;
}

KldRun kld_from_base_file(BaseFileReader& base, Backend& model, const KldOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const BaseFileHeader& h = base.header();
  int n_chunks = h.n_chunk;
  if (options.max_chunks >= 0) n_chunks = std::min(n_chunks, options.max_chunks);
  const DistributionRequest request{"", window_of(options, h.n_ctx, n_chunks), base.tokens(), options.text_name};
  auto stream = model.distributions(std::span(&request, 1));
  KldAccumulator acc;
  DistributionChunk m;
  std::span<const uint16_t> rows;  // the base's rows of the current chunk
  const size_t width = static_cast<size_t>(base_row_width(h.n_vocab));
  while (stream->next(m)) {
    require_same_vocab(h.n_vocab, m.n_vocab);
    if (m.row == 0) rows = base.read_chunk(m.chunk);  // a chunk's slices come in order
    const std::span<const uint16_t> slice = rows.subspan(static_cast<size_t>(m.row) * width);
    compare_chunk(m.targets, m.n_vocab, m.logits, [&](size_t i, std::span<float> out) {
      decode_base_row(slice.subspan(i * width, width), out);
    }, acc);
    if (options.progress && m.last) options.progress(m.chunk + 1, n_chunks);
  }
  return KldRun{acc.summarize(), n_chunks, h.n_ctx, since(start)};
}

}  // namespace qualm
