#include "backend/llama/loglikelihood.h"

#include <gtest/gtest.h>

#include "backend/llama/test_model.h"

namespace qualm::llama {
namespace {

std::unique_ptr<LlamaBackend> stories260k(int max_length = 4096, int n_batch = 2048) {
  LlamaBackendOptions options;
  options.max_length = max_length;
  options.context.n_batch = n_batch;
  return testing::stories260k(options);
}

std::vector<LoglikelihoodRequest> multiple_choice_requests() {
  const std::vector<std::pair<std::string, std::vector<std::string>>> docs = {
      {"Once upon a time, there was a little girl named Lily.",
       {" She liked to play.", " She liked to run.", " The dog barked.", " She"}},
      {"Tom had a big red ball. ", {"He threw it.", "He kicked it far away.", "It was blue."}},
      {"", {"Once upon a time", "The sun"}},
      {"The cat sat on the", {" mat", " mat and slept", " dog", " tree"}},
      // Different contexts behind one few-shot prefix: the prefix tree shares it across them.
      {"Lily saw a cat. The cat was big.\n\nTom saw a dog. The dog was", {" small", " happy"}},
      {"Lily saw a cat. The cat was big.\n\nTom saw a bird. The bird was", {" red", " small"}},
  };
  std::vector<LoglikelihoodRequest> out;
  for (const auto& [context, choices] : docs) {
    for (const auto& c : choices) out.push_back({context, c});
  }
  return out;
}

// Packed, prefix-shared scores equal a slow path that decodes each request alone.
TEST(Loglikelihood, PackedEqualsEachAlone) {
  auto backend = stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const auto requests = multiple_choice_requests();
  const auto packed = backend->loglikelihood(requests);
  ASSERT_EQ(packed.size(), requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto alone = backend->loglikelihood(std::span(&requests[i], 1));
    ASSERT_EQ(alone[0].tokens, packed[i].tokens) << i;
    ASSERT_EQ(alone[0].logprobs.size(), packed[i].logprobs.size()) << i;
    for (size_t t = 0; t < alone[0].logprobs.size(); ++t) {
      EXPECT_NEAR(packed[i].logprobs[t], alone[0].logprobs[t], 1e-4) << "request " << i << " token " << t;
    }
    EXPECT_EQ(packed[i].is_greedy, alone[0].is_greedy) << i;
    EXPECT_FALSE(packed[i].truncated);
  }
}

// A budget of fewer tokens than sequence ids per decode (-b 64 -c 64) once aborted in
// llama.cpp (128 output rows reserved in a batch of 64); the scores are the default's.
TEST(Loglikelihood, SmallBudgetScoresTheSame) {
  auto backend = stories260k();
  auto small = stories260k(64, 64);
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const auto requests = multiple_choice_requests();
  const auto want = backend->loglikelihood(requests);
  const auto got = small->loglikelihood(requests);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_EQ(got[i].logprobs.size(), want[i].logprobs.size()) << i;
    for (size_t t = 0; t < want[i].logprobs.size(); ++t) {
      EXPECT_NEAR(got[i].logprobs[t], want[i].logprobs[t], 1e-4) << "request " << i << " token " << t;
    }
  }
}

// The continuation is what encode(context + continuation) adds after encode(context), with
// the context's trailing whitespace moved onto the continuation.
TEST(Loglikelihood, BoundaryFollowsLmEvaluationHarness) {
  auto backend = stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const LlamaModel& model = backend->model();
  const PreparedRequest p = prepare_request(model, {"Tom had a big red ball. ", "He threw it."}, 2048);
  const auto context = model.tokenize("Tom had a big red ball.", true);
  const auto whole = model.tokenize("Tom had a big red ball. He threw it.", true);
  EXPECT_EQ(p.tokens, whole);
  EXPECT_EQ(p.continuation_start, static_cast<int>(context.size()));

  const PreparedRequest empty = prepare_request(model, {"", "Once upon a time"}, 2048);
  EXPECT_EQ(empty.tokens.front(), model.bos());
  EXPECT_EQ(empty.continuation_start, 1);

  const PreparedRequest cut = prepare_request(model, {"Once upon a time there was a cat", " named Tom"}, 6);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.tokens.size(), 6u);
}

TEST(Loglikelihood, ScoresAreLogProbabilities) {
  auto backend = stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const std::vector<LoglikelihoodRequest> r = {{"Once upon a time, there was a", " little girl"},
                                               {"Once upon a time, there was a", " purple elephant"}};
  const auto out = backend->loglikelihood(r);
  double likely = 0, unlikely = 0;
  for (double lp : out[0].logprobs) { EXPECT_LE(lp, 0); likely += lp; }
  for (double lp : out[1].logprobs) { EXPECT_LE(lp, 0); unlikely += lp; }
  EXPECT_GT(likely, unlikely);  // a TinyStories model prefers the TinyStories phrase
}

}  // namespace
}  // namespace qualm::llama
