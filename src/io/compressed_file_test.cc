#include "io/compressed_file.h"

#include <bzlib.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>

#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

const std::string kText =
    "Roof shingle removal: A man is sitting on a roof. he\n3\nis using wrap\r\nlast line, no newline";

// Long and varied enough to span several zlib/bzip2 buffers and a 1 MiB read chunk.
std::string big_text() {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "line " + std::to_string(i * 7919 % 100003) + "\n";
  return text;
}

std::string gzip_bytes(const std::string& text) {
  uLongf size = compressBound(text.size()) + 64;
  std::string out(size, '\0');
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper, as gzip(1) writes.
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string bzip2_bytes(const std::string& text) {
  unsigned int size = static_cast<unsigned int>(text.size() + text.size() / 100 + 600);
  std::string out(size, '\0');
  EXPECT_EQ(BZ2_bzBuffToBuffCompress(out.data(), &size, const_cast<char*>(text.data()),
                                     static_cast<unsigned int>(text.size()), 9, 0, 0),
            BZ_OK);
  out.resize(size);
  return out;
}

class CompressedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("qualm_compressed_") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // The InputError message from reading path; fails the test when nothing is thrown.
  std::string error_of(const fs::path& path) {
    try {
      read_data_file(path);
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no InputError for " << path;
    return "";
  }

  fs::path dir_;
};

TEST_F(CompressedFileTest, PlainFileIsReadAsIs) { EXPECT_EQ(read_data_file(write("plain.txt", kText)), kText); }

TEST_F(CompressedFileTest, GzipRoundTrip) {
  // gzwrite for a small file, and deflate for a large one that spans many buffers.
  const fs::path small = dir_ / "small.txt.gz";
  gzFile out = gzopen(small.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(gzwrite(out, kText.data(), static_cast<unsigned>(kText.size())), static_cast<int>(kText.size()));
  ASSERT_EQ(gzclose(out), Z_OK);
  EXPECT_EQ(read_data_file(small), kText);

  const std::string big = big_text();
  EXPECT_EQ(read_data_file(write("big.txt.gz", gzip_bytes(big))), big);
}

TEST_F(CompressedFileTest, Bzip2RoundTrip) {
  EXPECT_EQ(read_data_file(write("small.txt.bz2", bzip2_bytes(kText))), kText);
  const std::string big = big_text();  // > 900k: several bzip2 blocks
  EXPECT_EQ(read_data_file(write("big.txt.bz2", bzip2_bytes(big))), big);
}

TEST_F(CompressedFileTest, ConcatenatedStreamsAreReadThrough) {
  // What `cat a.bz2 b.bz2` or pbzip2 produce.
  EXPECT_EQ(read_data_file(write("two.txt.bz2", bzip2_bytes("first\n") + bzip2_bytes("second\n"))), "first\nsecond\n");
  EXPECT_EQ(read_data_file(write("two.txt.gz", gzip_bytes("first\n") + gzip_bytes("second\n"))), "first\nsecond\n");
}

TEST_F(CompressedFileTest, EmptyCompressedTextIsEmpty) {
  EXPECT_EQ(read_data_file(write("empty.txt.bz2", bzip2_bytes(""))), "");
  EXPECT_EQ(read_data_file(write("empty.txt.gz", gzip_bytes(""))), "");
}

TEST_F(CompressedFileTest, TruncatedBzip2IsAnInputErrorNamingThePath) {
  const std::string bytes = bzip2_bytes(big_text());
  const fs::path path = write("cut.txt.bz2", bytes.substr(0, bytes.size() / 2));
  const std::string message = error_of(path);
  EXPECT_EQ(message.rfind(path.string() + ": is not valid bzip2 data", 0), 0u) << message;
}

TEST_F(CompressedFileTest, CorruptBzip2IsAnInputError) {
  std::string bytes = bzip2_bytes(big_text());
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 16; ++i) bytes[i] = static_cast<char>(~bytes[i]);
  const fs::path path = write("bad.txt.bz2", bytes);
  const std::string message = error_of(path);
  EXPECT_EQ(message.rfind(path.string() + ": is not valid bzip2 data", 0), 0u) << message;
}

TEST_F(CompressedFileTest, NotBzip2AtAllIsAnInputError) {
  const fs::path path = write("plain.txt.bz2", kText);
  EXPECT_EQ(error_of(path), path.string() +
                                ": is not valid bzip2 data: no bzip2 header"
                                " (re-download the file, or check it with bzip2 -t)");
  const fs::path empty = write("empty.bz2", "");
  EXPECT_EQ(error_of(empty).rfind(empty.string() + ": is not valid bzip2 data", 0), 0u) << error_of(empty);
}

TEST_F(CompressedFileTest, TruncatedGzipIsAnInputError) {
  const std::string bytes = gzip_bytes(big_text());
  const fs::path path = write("cut.txt.gz", bytes.substr(0, bytes.size() / 2));
  const std::string message = error_of(path);
  EXPECT_EQ(message.rfind(path.string() + ": is not valid gzip data", 0), 0u) << message;
}

TEST_F(CompressedFileTest, CorruptGzipIsAnInputError) {
  std::string bytes = gzip_bytes(big_text());
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 16; ++i) bytes[i] = static_cast<char>(~bytes[i]);
  const fs::path path = write("bad.txt.gz", bytes);
  const std::string message = error_of(path);
  EXPECT_EQ(message.rfind(path.string() + ": is not valid gzip data", 0), 0u) << message;
}

TEST_F(CompressedFileTest, NotGzipAtAllIsAnInputError) {
  // zlib would pass these bytes through unchanged; the ".gz" name says they should be gzip.
  const fs::path path = write("plain.txt.gz", kText);
  EXPECT_EQ(error_of(path).rfind(path.string() + ": is not valid gzip data", 0), 0u) << error_of(path);
  const fs::path empty = write("empty.gz", "");
  EXPECT_EQ(error_of(empty).rfind(empty.string() + ": is not valid gzip data", 0), 0u) << error_of(empty);
}

TEST_F(CompressedFileTest, MissingFileAndDirectoryAreInputErrors) {
  for (const char* name : {"nope.txt", "nope.txt.gz", "nope.txt.bz2"}) {
    const fs::path path = dir_ / name;
    EXPECT_EQ(error_of(path), path.string() + ": no such file (check the path)");
  }
  fs::create_directories(dir_ / "sub.bz2");
  EXPECT_EQ(error_of(dir_ / "sub.bz2"),
            (dir_ / "sub.bz2").string() + ": is a directory, not a file (name a text file)");
}

}  // namespace
}  // namespace qualm
