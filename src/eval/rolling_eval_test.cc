#include "eval/rolling_eval.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/errors.h"

namespace qualm {
namespace {

// Scores one token per character, each with log-prob -0.5 per character of the text, so the
// numbers of one text never depend on the others.
class CharBackend : public Backend {
 public:
  std::string name() const override { return "chars"; }
  Capabilities capabilities() const override { return {}; }
  nlohmann::json describe() const override { return {{"type", "test"}}; }
  std::vector<GenerateResult> generate(std::span<const GenerateRequest>) override { throw RunError("no"); }
  std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest>) override {
    throw RunError("no");
  }
  std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest> requests) override {
    std::vector<RollingResult> out;
    for (const RollingRequest& r : requests) {
      EXPECT_EQ(r.window.scheme, WindowOptions::Scheme::kRolling);
      RollingResult x;
      x.targets.assign(r.text.size(), 1);
      x.logprobs.assign(r.text.size(), -0.5 * static_cast<double>(r.text.size()));
      x.n_chunks = r.text.size() > 4 ? 2 : 1;
      out.push_back(x);
    }
    return out;
  }
  std::unique_ptr<DistributionStream> distributions(std::span<const DistributionRequest>) override {
    throw RunError("no");
  }
  std::vector<EmbedResult> embed(std::span<const EmbedRequest>) override { throw RunError("no"); }
};

RollingDoc doc(const std::string& text, int64_t words, int64_t bytes) {
  RollingDoc d;
  d.text = text;
  d.words = words;
  d.bytes = bytes;
  return d;
}

TEST(RollingMetrics, AreLmEvalsDefinitions) {
  const auto m = rolling_metrics(-12.0, 6, 3, 8);
  EXPECT_DOUBLE_EQ(m.at("word_perplexity"), std::exp(4.0));
  EXPECT_DOUBLE_EQ(m.at("byte_perplexity"), std::exp(1.5));
  EXPECT_DOUBLE_EQ(m.at("bits_per_byte"), 1.5 / std::numbers::ln2);
  EXPECT_DOUBLE_EQ(m.at("token_perplexity"), std::exp(2.0));
  EXPECT_FALSE(rolling_metrics(0, 0, 1, 0).contains("byte_perplexity"));
}

// Task values weight documents by their words, bytes and tokens: exp(-sum ll / sum words).
TEST(ScoreRollingTasks, AggregatesBySumsNotByMeansOfDocuments) {
  RollingTask task;
  task.docs = {doc("ab", 1, 2), doc("abcdef", 4, 6)};  // ll -2 over 2 tokens, -18 over 6
  CharBackend backend;
  const std::vector<RollingTaskScores> s = score_rolling_tasks(backend, std::span(&task, 1));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DOUBLE_EQ(s[0].docs[0].loglikelihood, -2.0);
  EXPECT_DOUBLE_EQ(s[0].docs[1].loglikelihood, -18.0);
  EXPECT_EQ(s[0].docs[1].n_tokens, 6);
  EXPECT_TRUE(s[0].docs[1].truncated);
  EXPECT_EQ(s[0].n_truncated, 1);
  EXPECT_DOUBLE_EQ(s[0].docs[0].metrics.at("word_perplexity"), std::exp(2.0));
  EXPECT_DOUBLE_EQ(s[0].summary.at("word_perplexity"), std::exp(20.0 / 5));
  EXPECT_DOUBLE_EQ(s[0].summary.at("bits_per_byte"), 20.0 / 8 / std::numbers::ln2);
  EXPECT_DOUBLE_EQ(s[0].summary.at("token_perplexity"), std::exp(20.0 / 8));
  EXPECT_DOUBLE_EQ(s[0].summary.at("loglikelihood"), -20.0);
}

}  // namespace
}  // namespace qualm
