#pragma once
// Reads a GGUF's header and tensor table without loading weights, so that a missing,
// foreign or truncated file is refused with one clear message before llama.cpp sees it.
// The reader is qualm's own (bounds-checked against the file size, no llama.cpp log lines),
// with llama.cpp's gguf.cpp rules: versions 2 and 3, unique keys and tensor names, a
// power-of-two alignment, tensor types and shapes ggml knows, contiguous tensor offsets.

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
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
  // Scalar keys as text (strings with any byte that is not UTF-8 shown as U+FFFD); arrays as
  // "[n items]".
  std::map<std::string, std::string> metadata;

  std::map<std::string, int> tensor_type_counts() const;
  // An integer metadata value, e.g. "llama.attention.head_count"; nullopt when absent or not one.
  std::optional<int64_t> metadata_int(const std::string& key) const;
};

// Throws InputError (exit 2) naming the path and the problem.
GgufSummary read_gguf_summary(const std::filesystem::path& path);

// read_gguf_summary of a model to load: it must hold tensors (a vocabulary-only GGUF has none).
GgufSummary read_model_file(const std::filesystem::path& path);

// The same from a stream holding `stream_bytes` bytes; `where` names it in messages.
GgufSummary parse_gguf(std::istream& in, uint64_t stream_bytes, const std::string& where);

// The attention heads' K and V widths (`ARCH.attention.key_length` / `value_length`, else
// `embedding_length / head_count`); nullopt when the header does not say.
struct HeadDims {
  int64_t k = 0, v = 0;
};
std::optional<HeadDims> attention_head_dims(const GgufSummary& gguf);

}  // namespace qualm::llama
