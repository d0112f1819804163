#include "backend/llama/sequence_decoder.h"

#include <gtest/gtest.h>

namespace qualm::llama {
namespace {

using Pieces = std::vector<int>;

// Pieces end on multiples of 256 (the cells llama.cpp attends over), hold at most max_piece
// tokens, and leave no token alone where two can go together. Cases worked by hand.
TEST(PieceSizes, EndOnTheAttendedCellsAndNeverLeaveATokenAlone) {
  EXPECT_EQ(piece_sizes(0, 512, 512), (Pieces{256, 256}));
  EXPECT_EQ(piece_sizes(0, 512, 100), (Pieces{100, 100, 56, 100, 100, 56}));
  EXPECT_EQ(piece_sizes(200, 100, 512), (Pieces{56, 44}));
  EXPECT_EQ(piece_sizes(0, 257, 512), (Pieces{255, 2}));  // not 256 and one
  EXPECT_EQ(piece_sizes(255, 3, 512), (Pieces{3}));       // one before the boundary goes with the next
  EXPECT_EQ(piece_sizes(255, 300, 512), (Pieces{257, 43}));
  EXPECT_EQ(piece_sizes(10, 7, 3), (Pieces{3, 2, 2}));
  EXPECT_EQ(piece_sizes(0, 1, 8), (Pieces{1}));
  EXPECT_EQ(piece_sizes(5, 0, 8), Pieces{});
  EXPECT_EQ(piece_sizes(0, 6, 1), (Pieces{2, 2, 2}));  // a piece holds at least two
}

TEST(PieceSizes, InvariantPieceIsAPhysicalBatchOfAtMost256) {
  EXPECT_EQ(invariant_piece(512, 2048), 256);
  EXPECT_EQ(invariant_piece(100, 2048), 100);
  EXPECT_EQ(invariant_piece(512, 40), 40);
  EXPECT_EQ(invariant_piece(1, 1), 2);
}

}  // namespace
}  // namespace qualm::llama
