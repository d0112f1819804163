#pragma once
// BERTScore reads an intermediate layer (roberta-large: 17). llama.cpp returns the last
// layer's output, so the model is rewritten with its block count cut to L: the same metadata
// and tensors, minus blocks L and up. The cut file is cached beside the others and reused.

#include <filesystem>

namespace qualm::llama {

// The path of `in` cut to its first `layers` blocks, written into cache_dir (atomically)
// when absent. Throws InputError when layers is not in 1..block_count, RunError on I/O.
std::filesystem::path cut_to_layers(const std::filesystem::path& in, int layers,
                                    const std::filesystem::path& cache_dir);

// $QUALM_CACHE_DIR, else ~/.cache/qualm/models.
std::filesystem::path model_cache_dir();

}  // namespace qualm::llama
