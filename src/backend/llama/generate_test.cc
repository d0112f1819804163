#include "backend/llama/generate.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "backend/llama/generate_slots.h"
#include "backend/llama/test_model.h"

namespace qualm::llama {
namespace {

std::unique_ptr<LlamaBackend> stories260k(int max_length = 4096, int parallel = 16) {
  LlamaBackendOptions options;
  options.max_length = max_length;
  options.generate_parallel = parallel;
  return testing::stories260k(options);
}

std::vector<GenerateRequest> prompts(double temperature, int max_new = 48) {
  const std::vector<std::string> texts = {
      "Once upon a time, there was a little girl named Lily.",
      "Tom had a big red ball.",
      "The sun was shining and the birds were singing.",
      "One day, a cat found a box.",
      "Sara and Ben went to the park.",
      "There was a big tree in the garden.",
      "Mom said, \"Time for bed.\"",
      "The dog was very hungry.",
      "Once upon a time",
      "A little bird wanted to fly high in the sky, so it",
  };
  std::vector<GenerateRequest> out;
  for (size_t i = 0; i < texts.size(); ++i) {
    GenerateRequest r;
    r.prompt = texts[i];
    r.options.max_new_tokens = max_new;
    r.options.temperature = temperature;
    r.options.seed = 42;
    r.sample_key = i;
    out.push_back(r);
  }
  return out;
}

// Greedy text must not depend on which prompts share a decode: on both real models, at 200
// new tokens, where texts of a packed engine part on near ties.
TEST(Generate, GreedyTextDoesNotChangeWithTheBatch) {
  for (const bool tinystories : {false, true}) {
    LlamaBackendOptions options;
    auto backend = tinystories ? testing::tinystories656k(options) : testing::stories260k(options);
    if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
    const auto requests = prompts(0.0, 200);
    const auto together = backend->generate(requests);
    ASSERT_EQ(together.size(), requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto alone = backend->generate(std::span(&requests[i], 1));
      EXPECT_EQ(together[i].text, alone[0].text) << "prompt " << i << (tinystories ? " (TinyStories-656K)" : "");
      EXPECT_EQ(together[i].output_tokens, alone[0].output_tokens) << i;
      EXPECT_GT(together[i].output_tokens, 0);
      EXPECT_FALSE(together[i].text.empty());
      EXPECT_FALSE(together[i].truncated);
    }
  }
}

// Greedy steps (GenerationOptions::top_logprobs) on both real models and both generation paths:
// recording them changes no text; one step per generated token and one for the end of
// generation; the chosen token first, at least as likely as every other, the others in order;
// and each chosen token's log-probability is the one loglikelihood() gives it when the prompt
// and output are scored again (another path through the model: prompt, then every output token
// in one decode), with F32 KV caches: F16 ones round each path's K and V at other points.
TEST(Generate, GreedyStepsAreTheModelsDistribution) {
  for (const bool tinystories : {false, true}) {
    for (const bool invariant : {true, false}) {
      LlamaBackendOptions options;
      options.batch_invariant = invariant;
      options.context.cache_type_k = options.context.cache_type_v = "f32";
      auto backend = tinystories ? testing::tinystories656k(options) : testing::stories260k(options);
      if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
      const std::string where =
          std::string(tinystories ? "TinyStories-656K" : "stories260K") + (invariant ? "" : " (packed)");
      const auto plain = backend->generate(prompts(0.0, 40));
      auto requests = prompts(0.0, 40);
      for (auto& r : requests) r.options.top_logprobs = 5;
      const auto stepped = backend->generate(requests);
      std::vector<LoglikelihoodRequest> rescore;
      for (size_t i = 0; i < requests.size(); ++i) {
        EXPECT_TRUE(plain[i].steps.empty());
        ASSERT_EQ(stepped[i].text, plain[i].text) << where << ", prompt " << i;
        const auto& steps = stepped[i].steps;
        const bool eos = stepped[i].stop_reason == "eos";
        ASSERT_EQ(steps.size(), static_cast<size_t>(*stepped[i].output_tokens + (eos ? 1 : 0))) << where << i;
        std::string text;
        for (size_t k = 0; k < steps.size(); ++k) {
          ASSERT_EQ(steps[k].size(), 5u);
          double mass = 0;
          for (size_t c = 0; c < steps[k].size(); ++c) {
            mass += std::exp(steps[k][c].logprob);
            EXPECT_LE(steps[k][c].logprob, 0.0);
            if (c >= 1) {
              EXPECT_GE(steps[k][0].logprob, steps[k][c].logprob) << where << i << " step " << k;
            }
            if (c >= 2) {
              EXPECT_GE(steps[k][c - 1].logprob, steps[k][c].logprob);
            }
            for (size_t d = 0; d < c; ++d) EXPECT_NE(steps[k][c].id, steps[k][d].id);
          }
          EXPECT_LE(mass, 1.0 + 1e-9);
          if (!(eos && k + 1 == steps.size())) text += steps[k][0].text;
        }
        EXPECT_EQ(text, stepped[i].text) << where << ", prompt " << i;
        EXPECT_EQ(stepped[i].prompt_ids.size(), static_cast<size_t>(*stepped[i].prompt_tokens));
        rescore.push_back({requests[i].prompt, stepped[i].text});
      }
      const auto scored = backend->loglikelihood(rescore);
      int compared = 0;
      for (size_t i = 0; i < requests.size(); ++i) {
        const auto& steps = stepped[i].steps;
        std::vector<TokenId> chosen;
        for (size_t k = 0; k < std::min(steps.size(), static_cast<size_t>(*stepped[i].output_tokens)); ++k) {
          chosen.push_back(steps[k][0].id);
        }
        if (scored[i].tokens != chosen) continue;  // the output tokenizes otherwise when scored again
        ++compared;
        for (size_t k = 0; k < chosen.size(); ++k) {
          EXPECT_NEAR(steps[k][0].logprob, scored[i].logprobs[k], 1e-4) << where << ", prompt " << i << " step " << k;
        }
      }
      EXPECT_GE(compared, 5) << where;
    }
  }
}

// Batch-invariant generation: a KV stream per sequence and a scratch stream, each of a multiple
// of 256 cells, so that the cells a sequence attends never depend on the others'.
TEST(GenerateContext, BatchInvariantStreams) {
  GenerateLimits limits;
  limits.n_seq = 4;
  limits.n_batch = 512;
  std::vector<GenerateRequest> requests(2);
  requests[0].options.max_new_tokens = 300;
  requests[1].options.max_new_tokens = 10;
  std::vector<PreparedPrompt> prompts(2);
  prompts[0].tokens.assign(30, 1);
  prompts[1].tokens.assign(900, 1);
  limits.kv_cells = generation_kv_cells(prompts, requests, limits.n_seq, 8192, true);
  EXPECT_EQ(limits.kv_cells, 1024);  // 911 rounded up
  const ContextOptions shape = generation_context(ContextOptions{}, limits);
  EXPECT_FALSE(shape.kv_unified);
  EXPECT_EQ(shape.n_seq, 5);
  EXPECT_EQ(shape.n_ctx, 5 * 1024);
  EXPECT_GE(shape.n_ubatch, 513);
}

TEST(Generate, SeededSamplingRepeatsAndDiffersByKey) {
  auto backend = stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  auto requests = prompts(0.9);
  const auto a = backend->generate(requests);
  std::reverse(requests.begin(), requests.end());  // order and batch neighbours change
  auto b = backend->generate(requests);
  std::reverse(b.begin(), b.end());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].text, b[i].text) << i;
  // The same prompt under two sample keys (repetitions) gives different samples.
  std::vector<GenerateRequest> reps(2, prompts(0.9)[8]);
  reps[1].sample_key = 1000;
  const auto r = backend->generate(reps);
  EXPECT_NE(r[0].text, r[1].text);
}

TEST(Generate, StopSequencesAndLength) {
  auto backend = stories260k();
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  auto requests = prompts(0.0, 64);
  const auto free_run = backend->generate(requests);
  for (auto& r : requests) r.options.stop = {"."};
  const auto stopped = backend->generate(requests);
  for (size_t i = 0; i < requests.size(); ++i) {
    const size_t dot = free_run[i].text.find('.');
    if (dot == std::string::npos) continue;
    EXPECT_EQ(stopped[i].text, free_run[i].text.substr(0, dot)) << i;
    EXPECT_EQ(stopped[i].stop_reason, "stop") << i;
  }
  auto one = prompts(0.0, 5);
  one.resize(1);
  const auto five = backend->generate(one);
  EXPECT_EQ(five[0].output_tokens, 5);
  EXPECT_EQ(five[0].stop_reason, "length");
}

TEST(Generate, LongPromptLosesTokensFromTheLeft) {
  auto backend = stories260k(64);
  if (!backend) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  GenerateRequest r;
  for (int i = 0; i < 20; ++i) r.prompt += "The cat sat on the mat and looked at the dog. ";
  r.options.max_new_tokens = 8;
  const auto out = backend->generate(std::span(&r, 1));
  EXPECT_TRUE(out[0].truncated);
  EXPECT_EQ(out[0].prompt_tokens, 64 - 8);
  EXPECT_LE(out[0].output_tokens, 8);
}

// Requests needing fewer KV cells than --parallel sequences (a short prompt, a few new
// tokens) once aborted in llama.cpp: the context had n_seq_max = 16 output rows to reserve
// but a batch of only n_ctx = 7 tokens. Greedy text equals the single-sequence path's.
TEST(Generate, FewCellsManySequences) {
  auto parallel = stories260k(4096, 16);
  auto single = stories260k(4096, 1);
  if (!parallel) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  for (const int max_new : {1, 2, 4}) {
    std::vector<GenerateRequest> requests(2);
    requests[0].prompt = "Once";
    requests[1].prompt = "Tom";
    for (size_t i = 0; i < requests.size(); ++i) {
      requests[i].options.max_new_tokens = max_new;
      requests[i].sample_key = i;
    }
    for (const size_t n : {size_t{1}, size_t{2}}) {
      const auto got = parallel->generate(std::span(requests.data(), n));
      ASSERT_EQ(got.size(), n);
      for (size_t i = 0; i < n; ++i) {
        const auto alone = single->generate(std::span(&requests[i], 1));
        EXPECT_EQ(got[i].text, alone[0].text) << "max_new " << max_new << " prompt " << i;
        EXPECT_EQ(got[i].output_tokens, max_new) << i;
        EXPECT_FALSE(got[i].text.empty()) << i;
      }
    }
  }
}

TEST(GenerateContext, HoldsAnOutputRowPerSequence) {
  for (const int kv_cells : {1, 3, 7, 15, 100, 8192}) {
    for (const int n_seq : {1, 2, 16, 256}) {
      for (const int n_batch : {1, 2, 16, 2048}) {
        GenerateLimits limits;
        limits.kv_cells = kv_cells;
        limits.n_seq = n_seq;
        limits.n_batch = n_batch;
        limits.batch_invariant = false;  // continuous batching in one KV cache
        const ContextOptions shape = generation_context(ContextOptions{}, limits);
        const std::string at = std::to_string(kv_cells) + "/" + std::to_string(n_seq) + "/" + std::to_string(n_batch);
        EXPECT_EQ(shape.n_seq, n_seq) << at;
        EXPECT_GE(shape.n_ctx, kv_cells) << at;
        EXPECT_LE(shape.n_seq, std::min(shape.n_batch, shape.n_ctx)) << at;
        // generate_batch decodes at most n_batch prompt tokens plus one per sequence, and never
        // more than the KV cells its admitted requests reserved.
        EXPECT_GE(shape.n_batch, std::min(n_batch + n_seq, kv_cells)) << at;
        EXPECT_TRUE(shape.kv_unified);
      }
    }
  }
}

TEST(Generate, SequenceSeedsDiffer) {
  EXPECT_NE(sequence_seed(42, 0), sequence_seed(42, 1));
  EXPECT_NE(sequence_seed(42, 0), sequence_seed(43, 0));
  EXPECT_EQ(sequence_seed(7, 3), sequence_seed(7, 3));
}

// A byte-level vocabulary can stop mid-character at the token limit (GPT-2's "\xe2\x80" of a
// dash): the result is UTF-8, the cut character U+FFFD per byte, as printing and records need.
TEST(FinishedResult, CutCharacterBecomesReplacementCharacters) {
  Slot slot;
  slot.text = "a \xE2\x80";
  slot.generated = 3;
  const GenerateResult r = finished_result(slot, "length");
  EXPECT_EQ(r.text, "a \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(r.output_tokens, 3);
  slot.text = "caf\xC3\xA9";  // whole characters stay as they are
  EXPECT_EQ(finished_result(slot, "length").text, "caf\xC3\xA9");
}

}  // namespace
}  // namespace qualm::llama
