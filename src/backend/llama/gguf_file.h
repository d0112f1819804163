#pragma once
// Reads a GGUF's header and tensor table without loading weights, so that a missing,
// foreign or truncated file is refused with one clear message before llama.cpp sees it.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qualm::llama {

struct GgufTensor {
  std::string name;
  std::string type;  // ggml type name: f32, f16, q8_0, q4_K, ...
  std::vector<int64_t> shape;
  uint64_t bytes = 0;
};

struct GgufSummary {
  std::filesystem::path path;
  uint64_t file_bytes = 0;
  uint32_t version = 0;
  std::string architecture;
  std::string name;
  std::vector<GgufTensor> tensors;
  std::map<std::string, std::string> metadata;  // scalar keys as text; arrays as "[n items]"

  std::map<std::string, int> tensor_type_counts() const;
};

// Throws InputError (exit 2) naming the path and the problem.
GgufSummary read_gguf_summary(const std::filesystem::path& path);

}  // namespace qualm::llama
