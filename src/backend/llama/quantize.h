#pragma once
// qualm quantize: llama.cpp's quantization API, with the report a user needs to read the
// result honestly: the size, the tensor types, and every tensor whose type fell back
// because its row width is not a multiple of the target's block size.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "backend/llama/gguf_file.h"

namespace qualm::llama {

struct QuantizeOptions {
  std::string type;  // Q8_0, Q4_K_M, Q4_0, ... (llama-quantize's names)
  int threads = 0;   // 0: every hardware thread
  std::filesystem::path imatrix;  // empty: none
};

struct TensorFallback {
  std::string tensor;
  int64_t ncols = 0;
  int64_t block = 0;
  std::string wanted;  // the type the mixture asked for
  std::string used;    // the type written (from the output file)
};

struct QuantizeReport {
  std::string type;
  uint64_t input_bytes = 0;
  uint64_t output_bytes = 0;
  double seconds = 0;
  GgufSummary output;
  std::vector<TensorFallback> fallbacks;
  int imatrix_entries = 0;
};

std::vector<std::string> quantize_type_names();

// The file's type in llama-quantize's names ("F32", "Q8_0", ...) from general.file_type; a
// file without that key is named by its most common tensor type ("F32").
std::string file_type_name(const GgufSummary& gguf);

// Throws InputError for a bad type or input file, RunError when llama.cpp fails.
QuantizeReport quantize_model(const std::filesystem::path& in, const std::filesystem::path& out,
                              const QuantizeOptions& options);

}  // namespace qualm::llama
