#include "backend/llama/loglikelihood.h"

#include <gtest/gtest.h>

#include <tuple>

#include "backend/llama/decode.h"
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

std::unique_ptr<LlamaBackend> with_batches(bool tinystories, int n_batch, int n_ubatch, int threads) {
  LlamaBackendOptions options;
  options.context.n_batch = n_batch;
  options.context.n_ubatch = n_ubatch;
  options.context.threads = threads;
  return tinystories ? testing::tinystories656k(options) : testing::stories260k(options);
}

// Batch-invariant scoring: prefix-shared scores equal each request decoded alone, bit for bit,
// on both real models (on every x86 CPU: the test suite runs against an AVX2-only llama.cpp too).
TEST(Loglikelihood, PackedEqualsEachAlone) {
  for (const bool tinystories : {false, true}) {
    auto backend = with_batches(tinystories, 2048, 512, 0);
    if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
    const auto requests = multiple_choice_requests();
    const auto packed = backend->loglikelihood(requests);
    ASSERT_EQ(packed.size(), requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto alone = backend->loglikelihood(std::span(&requests[i], 1));
      ASSERT_EQ(alone[0].tokens, packed[i].tokens) << i;
      EXPECT_EQ(packed[i].logprobs, alone[0].logprobs) << "request " << i << (tinystories ? " (TinyStories-656K)" : "");
      EXPECT_EQ(packed[i].is_greedy, alone[0].is_greedy) << i;
      EXPECT_FALSE(packed[i].truncated);
    }
  }
}

// --prefix-sharing off decodes every request's whole sequence: the same numbers, bit for bit.
TEST(Loglikelihood, PrefixSharingOffScoresTheSame) {
  for (const bool tinystories : {false, true}) {
    LlamaBackendOptions options;
    options.share_prefixes = false;
    auto unshared = tinystories ? testing::tinystories656k(options) : testing::stories260k(options);
    auto shared = with_batches(tinystories, 2048, 512, 0);
    if (!unshared || !shared) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
    const auto requests = multiple_choice_requests();
    const auto a = shared->loglikelihood(requests);
    const auto b = unshared->loglikelihood(requests);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(a[i].tokens, b[i].tokens) << i;
      EXPECT_EQ(a[i].logprobs, b[i].logprobs) << i;
      EXPECT_EQ(a[i].is_greedy, b[i].is_greedy) << i;
    }
  }
}

// Nor do they depend on the batch, the micro-batch or the threads. A budget of fewer tokens
// than sequence ids per decode (-b 64 -c 64) once aborted in llama.cpp.
TEST(Loglikelihood, SmallBudgetScoresTheSame) {
  for (const bool tinystories : {false, true}) {
    auto backend = with_batches(tinystories, 2048, 512, 0);
    if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
    const auto requests = multiple_choice_requests();
    const auto want = backend->loglikelihood(requests);
    for (const auto& [b, ub, t] : {std::tuple{64, 64, 1}, std::tuple{16, 3, 2}, std::tuple{4096, 4096, 2}}) {
      const auto got = with_batches(tinystories, b, ub, t)->loglikelihood(requests);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < requests.size(); ++i) {
        EXPECT_EQ(got[i].logprobs, want[i].logprobs) << "request " << i << " -b " << b << " -ub " << ub << " -t " << t;
      }
    }
  }
}

// Sequences longer than 256 tokens, decoded in pieces that end on the 256th cell (the
// default), in pieces of 100 and of 7 tokens, and each alone: the same numbers, bit for bit.
// One continuation starts before the 256th token and ends after it.
TEST(Loglikelihood, PiecesAcrossThe256thCellScoreTheSame) {
  std::string story;
  for (int i = 0; i < 24; ++i) story += "Once upon a time, there was a little girl named Lily. She liked to play. ";
  const std::string half = story.substr(0, story.size() / 2);
  const std::vector<LoglikelihoodRequest> requests = {
      {story, " She was happy."}, {story, " The dog barked at the cat in the park."}, {half, " " + half}};
  for (const bool tinystories : {false, true}) {
    auto backend = with_batches(tinystories, 2048, 512, 0);
    if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
    const auto want = backend->loglikelihood(requests);
    ASSERT_EQ(want.size(), requests.size());
    ASSERT_GT(want[0].sequence.size(), 300u);
    ASSERT_FALSE(want[0].truncated);
    const size_t context = want[2].sequence.size() - want[2].tokens.size();
    ASSERT_LT(context, 256u);
    ASSERT_GT(want[2].sequence.size(), 260u);
    for (const int ub : {100, 7}) {
      const auto got = with_batches(tinystories, 2048, ub, 0)->loglikelihood(requests);
      for (size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(got[i].logprobs, want[i].logprobs) << i << " -ub " << ub;
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(backend->loglikelihood(std::span(&requests[i], 1))[0].logprobs, want[i].logprobs) << i;
    }
  }
}

// Lanes take runs of about equal decoding work, cut where neighbours share the fewest tokens
// (worked by hand: the tokens each request decodes after its predecessor are 4 1 4 1 2 1).
TEST(Loglikelihood, LaneRunsCutWhereRequestsShareLeast) {
  std::vector<PreparedRequest> prepared(6);
  prepared[0].tokens = {1, 2, 3, 4};
  prepared[1].tokens = {1, 2, 3, 5};     // shares 3
  prepared[2].tokens = {1, 9, 9, 9, 9};  // shares 1
  prepared[3].tokens = {1, 9, 9, 9, 8};  // shares 4
  prepared[4].tokens = {1, 7, 7};        // shares 1
  prepared[5].tokens = {1, 7, 6};        // shares 2
  const std::vector<size_t> order = {0, 1, 2, 3, 4, 5};
  const auto sizes = [&](size_t lanes) {
    std::vector<size_t> out;
    size_t next = 0;
    for (const auto run : lane_runs(prepared, order, lanes)) {
      EXPECT_EQ(run.data(), order.data() + next);  // runs cover the order, in order
      next += run.size();
      out.push_back(run.size());
    }
    EXPECT_EQ(next, order.size());
    return out;
  };
  EXPECT_EQ(sizes(1), (std::vector<size_t>{6}));
  EXPECT_EQ(sizes(2), (std::vector<size_t>{4, 2}));  // half the work is done inside request 2; 4 shares 1
  EXPECT_EQ(sizes(3), (std::vector<size_t>{2, 2, 2}));
  EXPECT_EQ(sizes(10), (std::vector<size_t>{2, 2, 1, 1}));
  EXPECT_TRUE(lane_runs(prepared, std::span<const size_t>(), 2).empty());
}

// Scored on one context or on four at once (lanes, each on its own thread): the same numbers.
TEST(Loglikelihood, LanesScoreTheSame) {
  for (const bool tinystories : {false, true}) {
    auto one = with_batches(tinystories, 2048, 512, 1);
    if (!one) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
    ASSERT_EQ(scoring_lanes(one->model().get(), 1), 1);
    ASSERT_EQ(scoring_lanes(one->model().get(), 4), 4);  // a small model: a lane per thread
    const auto requests = multiple_choice_requests();
    const auto want = one->loglikelihood(requests);
    const auto got = with_batches(tinystories, 2048, 512, 4)->loglikelihood(requests);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(got[i].tokens, want[i].tokens) << i;
      EXPECT_EQ(got[i].logprobs, want[i].logprobs) << i;
      EXPECT_EQ(got[i].is_greedy, want[i].is_greedy) << i;
    }
  }
}

// --engine-parity llama packs requests side by side as llama.cpp's tools do: the same tokens
// scored, the numbers within the packing noise of that engine.
TEST(Loglikelihood, LlamaParityPacksSideBySide) {
  auto invariant = stories260k();
  if (!invariant) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  EngineSettings engine;
  engine.parity = "llama";
  LlamaBackend parity(backend_options(invariant->model().path(), engine));
  const auto requests = multiple_choice_requests();
  const auto a = invariant->loglikelihood(requests);
  const auto b = parity.loglikelihood(requests);
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_EQ(a[i].tokens, b[i].tokens) << i;
    for (size_t t = 0; t < a[i].logprobs.size(); ++t) EXPECT_NEAR(a[i].logprobs[t], b[i].logprobs[t], 0.05) << i;
  }
}

// The continuation is what encode(context + continuation) adds after encode(context), with
// the context's trailing whitespace moved onto the continuation; the model is fed
// encode(context) and then those tokens (lm-evaluation-harness's _encode_pair).
TEST(Loglikelihood, BoundaryFollowsLmEvaluationHarness) {
  auto backend = stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const LlamaModel& model = backend->model();
  const PreparedRequest p = prepare_request(model, {"Tom had a big red ball. ", "He threw it."}, 2048);
  const auto context = model.tokenize("Tom had a big red ball.", true).ids;
  const auto whole = model.tokenize("Tom had a big red ball. He threw it.", true).ids;
  EXPECT_EQ(p.tokens, whole);  // this vocabulary does not merge across the boundary
  EXPECT_EQ(p.continuation_start, static_cast<int>(context.size()));

  const PreparedRequest empty = prepare_request(model, {"", "Once upon a time"}, 2048);
  EXPECT_EQ(empty.tokens.front(), model.bos());
  EXPECT_EQ(empty.continuation_start, 1);

  // lm-eval's max_length: the model reads 6 tokens, the 7th is only predicted.
  const PreparedRequest cut = prepare_request(model, {"Once upon a time there was a cat", " named Tom"}, 6);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.tokens.size(), 7u);
}

// TinyStories-656K's vocabulary merges across the boundary ("Answer:" ends in ':' alone but in
// ': ' once the answer follows): lm-eval feeds the context's own tokens, then the tail of the
// joint encoding; llama.cpp's split (kSharedPrefix) feeds the joint encoding whole.
TEST(Loglikelihood, SplitsPartWaysWhereTheVocabularyMergesAcrossTheBoundary) {
  auto backend = testing::tinystories656k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const LlamaModel& model = backend->model();
  const std::string context = "Question: Which animal can fly?\nAnswer:", continuation = " a bird";
  const auto ctx = model.tokenize(context, true).ids;
  const auto whole = model.tokenize(context + continuation, true).ids;
  ASSERT_NE(std::vector<TokenId>(whole.begin(), whole.begin() + ctx.size()), ctx) << "the vocabulary no longer merges here";

  const PreparedRequest lm_eval = prepare_request(model, {context, continuation}, 512);
  std::vector<TokenId> fed = ctx;
  fed.insert(fed.end(), whole.begin() + static_cast<std::ptrdiff_t>(ctx.size()), whole.end());
  EXPECT_EQ(lm_eval.tokens, fed);
  EXPECT_EQ(lm_eval.continuation_start, static_cast<int>(ctx.size()));

  const PreparedRequest joint = prepare_request(model, {context, continuation, TokenSplit::kSharedPrefix, 0}, 512);
  EXPECT_EQ(joint.tokens, whole);
}

// Where the context's own tokens cover the whole text, lm-eval's split leaves the continuation
// no token: that request fails alone (a record's error), never the task.
TEST(Loglikelihood, AnEmptyContinuationFailsItsRequestAlone) {
  auto backend = stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  EXPECT_THROW(prepare_request(backend->model(), {"Once upon a time", ""}, 2048), InputError);
  const std::vector<LoglikelihoodRequest> requests = {{"Once upon a time", ""}, {"Once upon a time", " there"}};
  const auto out = backend->loglikelihood(requests);
  EXPECT_FALSE(out[0].ok());
  EXPECT_NE(out[0].error.find("adds no token"), std::string::npos) << out[0].error;
  EXPECT_TRUE(out[1].ok());
  EXPECT_EQ(out[1].logprobs.size(), 1u);
}

// llama.cpp's multiple-choice score: each group is scored from the end of the token prefix all
// of its sequences share, but never past one token short of the shortest (llama.cpp reads past
// the end of a sequence that is all shared prefix).
TEST(Loglikelihood, SharedPrefixesByHand) {
  const std::vector<LoglikelihoodRequest> requests = {
      {"", "", TokenSplit::kSharedPrefix, 7}, {"", "", TokenSplit::kSharedPrefix, 7},
      {"", "", TokenSplit::kSharedPrefix, 7}, {"", "", TokenSplit::kSharedPrefix, 8},
      {"", "", TokenSplit::kSharedPrefix, 8}, {"", "", TokenSplit::kLmEval, -1}};
  std::vector<PreparedRequest> prepared(requests.size());
  prepared[0].tokens = {1, 5, 6, 7, 9};
  prepared[1].tokens = {1, 5, 6, 8};
  prepared[2].tokens = {1, 5, 6, 7, 2};
  prepared[3].tokens = {1, 3, 4};  // a prefix of the next one
  prepared[4].tokens = {1, 3, 4, 4};
  prepared[5] = {{1, 2, 3}, 2, false, 0};
  share_prefixes(requests, prepared, std::vector<std::string>(requests.size()));
  EXPECT_EQ(prepared[0].continuation_start, 3);
  EXPECT_EQ(prepared[1].continuation_start, 3);
  EXPECT_EQ(prepared[2].continuation_start, 3);
  EXPECT_EQ(prepared[3].continuation_start, 2);  // capped: {1, 3, 4} keeps its last token
  EXPECT_EQ(prepared[4].continuation_start, 2);
  EXPECT_EQ(prepared[5].continuation_start, 2);  // lm-eval's split is left alone
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
