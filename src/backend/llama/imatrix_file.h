#pragma once
// Importance matrices written by llama-imatrix: its GGUF format (<tensor>.in_sum2 and
// <tensor>.counts) and the legacy .dat format, turned into the per-tensor mean squared
// activations llama.cpp's quantizer takes, as llama-quantize prepares them.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qualm::llama {

struct ImportanceMatrix {
  std::map<std::string, std::vector<float>> entries;  // tensor name -> values
  std::vector<std::string> datasets;
  int chunk_count = -1;
};

// Throws InputError naming the file and the problem.
ImportanceMatrix read_imatrix(const std::filesystem::path& path);

}  // namespace qualm::llama
