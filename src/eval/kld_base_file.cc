#include "eval/kld_base_file.h"

#include <cstring>

#include "core/errors.h"
#include "core/parallel.h"
#include "eval/kld_compare.h"

namespace qualm {

BaseFileWriter::BaseFileWriter(const std::filesystem::path& path, const BaseFileHeader& header,
                               std::span<const TokenId> tokens)
    : path_(path), header_(header), out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_) throw InputError(path.string(), "cannot be opened for writing", "check the directory exists and is writable");
  out_.write("_logits_", 8);
  const uint32_t n_ctx = static_cast<uint32_t>(header.n_ctx);
  out_.write(reinterpret_cast<const char*>(&n_ctx), sizeof(n_ctx));
  out_.write(reinterpret_cast<const char*>(&header.n_vocab), sizeof(int32_t));
  out_.write(reinterpret_cast<const char*>(&header.n_chunk), sizeof(int32_t));
  out_.write(reinterpret_cast<const char*>(tokens.data()),
             static_cast<std::streamsize>(static_cast<size_t>(header.n_chunk) * header.n_ctx * sizeof(TokenId)));
}

void BaseFileWriter::write_rows(std::span<const float> logits) {
  const size_t n_vocab = static_cast<size_t>(header_.n_vocab);
  const size_t width = static_cast<size_t>(base_row_width(header_.n_vocab));
  const size_t n_rows = logits.size() / n_vocab;
  rows_.resize(n_rows * width);
  parallel_for(n_rows, default_worker_count(), [&](unsigned, size_t i) {
    encode_base_row(logits.subspan(i * n_vocab, n_vocab), std::span(rows_).subspan(i * width, width));
  });
  out_.write(reinterpret_cast<const char*>(rows_.data()), static_cast<std::streamsize>(rows_.size() * sizeof(uint16_t)));
  if (!out_) throw RunError("writing " + path_.string() + " failed (disk full?)");
}

void BaseFileWriter::close() {
  out_.close();
  if (!out_) throw RunError("closing " + path_.string() + " failed (disk full?)");
}

BaseFileReader::BaseFileReader(const std::filesystem::path& path) : path_(path), in_(path, std::ios::binary) {
  const std::string where = path.string();
  if (!in_) throw InputError(where, "cannot be opened", "check the path of --base-file");
  char magic[8] = {};
  in_.read(magic, 8);
  if (!in_ || std::memcmp(magic, "_logits_", 8) != 0) {
    throw InputError(where, "is not a KL-divergence base file (no '_logits_' header)",
                     "write one with `qualm kld --save-base` or `llama-perplexity --kl-divergence-base`");
  }
  uint32_t n_ctx = 0;
  in_.read(reinterpret_cast<char*>(&n_ctx), sizeof(n_ctx));
  in_.read(reinterpret_cast<char*>(&header_.n_vocab), sizeof(int32_t));
  in_.read(reinterpret_cast<char*>(&header_.n_chunk), sizeof(int32_t));
  header_.n_ctx = static_cast<int>(n_ctx);
  if (!in_ || header_.n_ctx < 4 || header_.n_vocab <= 0 || header_.n_chunk <= 0) {
    throw InputError(where, "has a truncated or invalid header", "write the base file again");
  }
  tokens_.resize(static_cast<size_t>(header_.n_chunk) * header_.n_ctx);
  in_.read(reinterpret_cast<char*>(tokens_.data()), static_cast<std::streamsize>(tokens_.size() * sizeof(TokenId)));
  if (!in_) throw InputError(where, "ends inside its token list (truncated)", "write the base file again");
  rows_.resize(static_cast<size_t>(header_.n_scored()) * base_row_width(header_.n_vocab));
  const uint64_t expected = 8 + 3 * sizeof(int32_t) + tokens_.size() * sizeof(TokenId) +
                            static_cast<uint64_t>(header_.n_chunk) * rows_.size() * sizeof(uint16_t);
  std::error_code ec;
  const uint64_t actual = std::filesystem::file_size(path, ec);
  if (!ec && actual < expected) {
    throw InputError(where, "is truncated: its header promises " + std::to_string(expected) + " bytes, the file has " +
                                std::to_string(actual),
                     "write the base file again");
  }
}

std::span<const uint16_t> BaseFileReader::read_chunk(int chunk) {
  in_.read(reinterpret_cast<char*>(rows_.data()), static_cast<std::streamsize>(rows_.size() * sizeof(uint16_t)));
  if (!in_) {
    throw InputError(path_.string(), "ends before chunk " + std::to_string(chunk + 1) + " of " +
                                         std::to_string(header_.n_chunk) + " (truncated)",
                     "write the base file again");
  }
  return rows_;
}

}  // namespace qualm
