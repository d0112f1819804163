#pragma once
// llama.cpp's KL-divergence base file (`llama-perplexity --kl-divergence-base`):
// "_logits_", n_ctx, n_vocab, n_chunk, the n_chunk * n_ctx evaluated tokens, then per chunk
// (n_ctx - 1 - n_ctx/2) rows of base_row_width(n_vocab) uint16. Files written by either tool
// are read by the other.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <vector>

#include "backend/backend.h"

namespace qualm {

struct BaseFileHeader {
  int n_ctx = 0;
  int n_vocab = 0;
  int n_chunk = 0;
  int n_scored() const { return n_ctx - 1 - n_ctx / 2; }
};

class BaseFileWriter {
 public:
  BaseFileWriter(const std::filesystem::path& path, const BaseFileHeader& header, std::span<const TokenId> tokens);
  // The next scored rows of raw base logits (a chunk's, or a slice of them, in order).
  void write_rows(std::span<const float> logits);
  void close();

 private:
  std::filesystem::path path_;
  BaseFileHeader header_;
  std::ofstream out_;
  std::vector<uint16_t> rows_;
};

class BaseFileReader {
 public:
  explicit BaseFileReader(const std::filesystem::path& path);
  const BaseFileHeader& header() const { return header_; }
  const std::vector<TokenId>& tokens() const { return tokens_; }
  // Reads the next chunk's rows; throws InputError when the file ends early.
  std::span<const uint16_t> read_chunk(int chunk);

 private:
  std::filesystem::path path_;
  BaseFileHeader header_;
  std::ifstream in_;
  std::vector<TokenId> tokens_;
  std::vector<uint16_t> rows_;
};

}  // namespace qualm
