#include "backend/llama/gguf_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/data_dir.h"
#include "core/errors.h"

namespace qualm::llama {
namespace {

namespace fs = std::filesystem;

std::string error_of(const fs::path& p) {
  try {
    read_gguf_summary(p);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

fs::path temp_file(const std::string& name, const std::string& bytes) {
  const fs::path p = fs::temp_directory_path() / ("qualm-test-" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

TEST(GgufFile, MissingFile) {
  EXPECT_NE(error_of("/nonexistent/model.gguf").find("no such model file"), std::string::npos);
}

TEST(GgufFile, NotGguf) {
  const fs::path p = temp_file("not.gguf", "hello, this is text");
  EXPECT_NE(error_of(p).find("is not a GGUF file"), std::string::npos);
  fs::remove(p);
}

TEST(GgufFile, TruncatedHeaderAndTruncatedData) {
  const auto data = find_data_dir();
  if (!data) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  const fs::path model = *data / "models" / "stories260K.gguf";
  std::ifstream in(model, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  const GgufSummary whole = read_gguf_summary(model);
  EXPECT_EQ(whole.architecture, "llama");
  EXPECT_EQ(whole.file_bytes, bytes.size());
  EXPECT_GT(whole.tensors.size(), 10u);

  const fs::path header_cut = temp_file("header-cut.gguf", bytes.substr(0, 100));
  EXPECT_NE(error_of(header_cut).find("truncated or corrupt"), std::string::npos) << error_of(header_cut);
  const fs::path data_cut = temp_file("data-cut.gguf", bytes.substr(0, bytes.size() - 1000));
  EXPECT_NE(error_of(data_cut).find("truncated: the tensor table needs"), std::string::npos) << error_of(data_cut);
  fs::remove(header_cut);
  fs::remove(data_cut);
}

// Hostile headers: every cut of the file and every byte of its header set to 0xFF is either
// read or refused with InputError, never a crash or a huge allocation.
TEST(GgufFile, EveryCutAndCorruptedByteIsRefusedCleanly) {
  const auto data = find_data_dir();
  if (!data) GTEST_SKIP() << "shared data not found: set QUALM_DATA_DIR";
  std::ifstream in(*data / "models" / "stories260K.gguf", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto outcome = [](const std::string& b) {
    std::istringstream s(b);
    try {
      return parse_gguf(s, b.size(), "m.gguf").tensors.empty() ? std::string("empty") : std::string("read");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
  };
  EXPECT_EQ(outcome(""), "m.gguf: is empty (0 bytes), not a GGUF model (download or convert the file again)");
  const size_t header = 8192;
  for (size_t n = 1; n < std::min(bytes.size(), header); n += 7) {
    EXPECT_NE(outcome(bytes.substr(0, n)), "read") << n;
  }
  EXPECT_NE(outcome(bytes.substr(0, bytes.size() - 1)).find("truncated: the tensor table needs"), std::string::npos);
  for (size_t i = 0; i < std::min(bytes.size(), header); i += 3) {
    std::string b = bytes;
    b[i] = '\xFF';
    (void)outcome(b);  // either is fine; it must return
  }
  std::string counts = bytes;  // a tensor count no file could hold
  for (size_t i = 8; i < 16; ++i) counts[i] = '\x7F';
  EXPECT_NE(outcome(counts).find("tensors, more than the file can"), std::string::npos) << outcome(counts);
}

}  // namespace
}  // namespace qualm::llama
