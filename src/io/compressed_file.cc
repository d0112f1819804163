#include "io/compressed_file.h"

#include <bzlib.h>
#include <zlib.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "core/errors.h"
#include "io/text_file.h"

namespace qualm {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr const char* kGzipFix = "re-download the file, or check it with gzip -t";
constexpr const char* kBzip2Fix = "re-download the file, or check it with bzip2 -t";

std::string read_gzip(const std::filesystem::path& path) {
  require_regular_file(path);
  std::unique_ptr<gzFile_s, decltype(&gzclose)> file(gzopen(path.c_str(), "rb"), &gzclose);
  if (!file) throw InputError(path.string(), "cannot be opened for reading", "check its permissions");
  gzbuffer(file.get(), 256 * 1024);
  std::string out;
  std::vector<char> chunk(kChunk);
  for (;;) {
    const int got = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = Z_OK;
      const char* why = gzerror(file.get(), &code);
      if (code == Z_ERRNO) throw InputError(path.string(), "read failed", "check the file and the disk");
      throw InputError(path.string(), std::string("is not valid gzip data: ") + why, kGzipFix);
    }
    // gzread passes non-gzip bytes through unchanged; a ".gz" name promises gzip, so refuse.
    if (gzdirect(file.get())) {
      throw InputError(path.string(), "is not valid gzip data: no gzip header", kGzipFix);
    }
    if (got == 0) break;
    out.append(chunk.data(), static_cast<size_t>(got));
  }
  // A stream cut short is not a read error: gzread returns what it had and leaves Z_BUF_ERROR.
  int code = Z_OK;
  gzerror(file.get(), &code);
  if (code == Z_BUF_ERROR) {
    throw InputError(path.string(), "is not valid gzip data: it ends mid-stream (truncated)", kGzipFix);
  }
  return out;
}

const char* bzip2_problem(int bzerror) {
  switch (bzerror) {
    case BZ_DATA_ERROR_MAGIC:
      return "is not valid bzip2 data: no bzip2 header";
    case BZ_DATA_ERROR:
      return "is not valid bzip2 data: a block fails its check (corrupt)";
    case BZ_UNEXPECTED_EOF:
      return "is not valid bzip2 data: it ends mid-stream (truncated)";
    case BZ_MEM_ERROR:
      return "cannot be decompressed: out of memory";
    default:
      return "is not valid bzip2 data";
  }
}

// One BZ2_bzReadOpen handle; closing needs an error out-parameter, so no plain deleter.
struct Bzip2Reader {
  BZFILE* handle = nullptr;
  ~Bzip2Reader() { close(); }
  void close() {
    if (handle == nullptr) return;
    int ignored = BZ_OK;
    BZ2_bzReadClose(&ignored, handle);
    handle = nullptr;
  }
};

std::string read_bzip2(const std::filesystem::path& path) {
  require_regular_file(path);
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw InputError(path.string(), "cannot be opened for reading", "check its permissions");
  std::string out;
  std::vector<char> chunk(kChunk);
  std::vector<char> unused;  // bytes read past one stream's end: the start of the next
  Bzip2Reader reader;
  for (;;) {
    int bzerror = BZ_OK;
    reader.handle = BZ2_bzReadOpen(&bzerror, file.get(), 0, 0, unused.empty() ? nullptr : unused.data(),
                                   static_cast<int>(unused.size()));
    if (bzerror != BZ_OK) throw InputError(path.string(), bzip2_problem(bzerror), kBzip2Fix);
    while (bzerror == BZ_OK) {
      const int got = BZ2_bzRead(&bzerror, reader.handle, chunk.data(), static_cast<int>(chunk.size()));
      if (bzerror == BZ_OK || bzerror == BZ_STREAM_END) out.append(chunk.data(), static_cast<size_t>(got));
    }
    if (bzerror == BZ_IO_ERROR) throw InputError(path.string(), "read failed", "check the file and the disk");
    if (bzerror != BZ_STREAM_END) throw InputError(path.string(), bzip2_problem(bzerror), kBzip2Fix);
    // Copy the leftover before closing: it points into the handle's buffer.
    void* left = nullptr;
    int left_size = 0;
    BZ2_bzReadGetUnused(&bzerror, reader.handle, &left, &left_size);
    unused.assign(static_cast<char*>(left), static_cast<char*>(left) + left_size);
    reader.close();
    if (unused.empty()) {
      // Peek rather than trust feof: the last read may have stopped exactly at the end.
      const int next = std::fgetc(file.get());
      if (next == EOF) break;
      unused.push_back(static_cast<char>(next));
    }
  }
  if (std::ferror(file.get())) throw InputError(path.string(), "read failed", "check the file and the disk");
  return out;
}

}  // namespace

std::string read_data_file(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  if (name.ends_with(".gz")) return read_gzip(path);
  if (name.ends_with(".bz2")) return read_bzip2(path);
  return read_text_file(path);
}

}  // namespace qualm
