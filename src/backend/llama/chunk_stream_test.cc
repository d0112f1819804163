#include "backend/llama/chunk_stream.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace qualm::llama
