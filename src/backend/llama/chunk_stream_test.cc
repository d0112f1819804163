#include "backend/llama/chunk_stream.h"

#include <gtest/gtest.h>

#include <cstring>

#include "backend/llama/test_model.h"

namespace qualm::llama {
namespace {

// The packing llama-perplexity uses: n_seq = batch / ctx chunks per decode.
TEST(PlanChunks, PacksSeveralChunksWhenTheBatchIsLarger) {
  const ChunkPlan p = plan_chunks(128, 2048);
  EXPECT_EQ(p.n_seq, 16);
  EXPECT_EQ(p.n_batch, 2048);
  EXPECT_EQ(p.first, 64);
  EXPECT_EQ(p.n_scored, 63);
  EXPECT_EQ(p.num_batches, 1);
}

TEST(PlanChunks, SplitsAChunkWhenTheBatchIsSmaller) {
  const ChunkPlan p = plan_chunks(512, 200);
  EXPECT_EQ(p.n_seq, 1);
  EXPECT_EQ(p.n_batch, 200);
  EXPECT_EQ(p.num_batches, 3);
  EXPECT_EQ(p.n_scored, 255);
}

TEST(PlanChunks, TrimsTheBatchToWholeChunks) {
  const ChunkPlan p = plan_chunks(500, 2048);
  EXPECT_EQ(p.n_seq, 4);
  EXPECT_EQ(p.n_batch, 2000);
  EXPECT_EQ(p.num_batches, 1);
}

struct Streamed {
  std::vector<float> logits;
  std::vector<TokenId> targets;
  std::vector<std::pair<int, int>> slices;  // (chunk, row)
  int lasts = 0;
  size_t widest = 0;  // rows in the largest slice
};

Streamed stream_all(LlamaBackend& backend, const std::string& text, const WindowOptions& window) {
  const DistributionRequest request{text, window, {}, "test"};
  auto stream = backend.distributions(std::span(&request, 1));
  Streamed out;
  DistributionChunk c;
  int expected_row = 0;
  while (stream->next(c)) {
    EXPECT_EQ(c.row, expected_row) << "chunk " << c.chunk;
    expected_row = c.last ? 0 : c.row + static_cast<int>(c.targets.size());
    out.logits.insert(out.logits.end(), c.logits.begin(), c.logits.end());
    out.targets.insert(out.targets.end(), c.targets.begin(), c.targets.end());
    out.slices.emplace_back(c.chunk, c.row);
    out.lasts += c.last ? 1 : 0;
    out.widest = std::max(out.widest, c.targets.size());
  }
  return out;
}

// A chunk handed over in slices of rows (decoded in pieces of that many tokens) has the whole
// chunk's rows bit for bit (SPEC S2: batch-invariant): the one-pass KLD's memory bound.
TEST(ChunkStream, SlicesOfRowsAreTheWholeChunksRows) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "Once upon a time, there was a little girl named Lily. She liked to play in the park with her dog. ";
  }
  for (auto* make : {testing::stories260k, testing::tinystories656k}) {
    auto backend = make({});
    if (!backend) GTEST_SKIP() << "shared data not found";
    const WindowOptions whole{WindowOptions::Scheme::kHalfChunk, 128, 3};
    WindowOptions sliced = whole;
    sliced.slice_rows = 16;
    const Streamed a = stream_all(*backend, text, whole);
    const Streamed b = stream_all(*backend, text, sliced);
    ASSERT_EQ(a.slices.size(), 3u);  // one slice per chunk
    EXPECT_EQ(a.lasts, 3);
    EXPECT_EQ(a.widest, 63u);
    EXPECT_EQ(b.lasts, 3);
    EXPECT_EQ(b.slices.size(), 3u * 4);  // rows 64..126 in pieces of 16 tokens: 16, 16, 16, 15
    EXPECT_EQ(b.widest, 16u);
    EXPECT_EQ(a.targets, b.targets);
    ASSERT_EQ(a.logits.size(), b.logits.size());
    EXPECT_EQ(std::memcmp(a.logits.data(), b.logits.data(), a.logits.size() * sizeof(float)), 0);
  }
}

// 512-token chunks: the unscored half in one piece and the scored half in 256 (the default), in
// slices of 64 rows (qualm kld), or everything in pieces of 100 and of 7 tokens: the same rows.
TEST(ChunkStream, PiecesOfAnySizeGiveTheSameRows) {
  std::string text;
  for (int i = 0; i < 90; ++i) text += "Once upon a time, there was a little girl named Lily. She liked to play. ";
  const WindowOptions whole{WindowOptions::Scheme::kHalfChunk, 512, 2};
  WindowOptions sliced = whole;
  sliced.slice_rows = 64;
  for (const bool tinystories : {false, true}) {
    const auto make = [&](int n_ubatch) {
      LlamaBackendOptions options;
      options.context.n_ubatch = n_ubatch;
      return tinystories ? testing::tinystories656k(options) : testing::stories260k(options);
    };
    auto backend = make(512);
    if (!backend) GTEST_SKIP() << "shared data not found";
    const Streamed want = stream_all(*backend, text, whole);
    ASSERT_EQ(want.lasts, 2);
    ASSERT_EQ(want.targets.size(), 2u * 255);
    const Streamed slices = stream_all(*backend, text, sliced);
    EXPECT_EQ(slices.widest, 64u);
    for (const Streamed& got : {slices, stream_all(*make(100), text, whole), stream_all(*make(7), text, whole)}) {
      EXPECT_EQ(got.targets, want.targets);
      ASSERT_EQ(got.logits.size(), want.logits.size());
      EXPECT_EQ(std::memcmp(got.logits.data(), want.logits.data(), want.logits.size() * sizeof(float)), 0)
          << (tinystories ? "TinyStories-656K" : "stories260K");
    }
  }
}

}  // namespace
}  // namespace qualm::llama
