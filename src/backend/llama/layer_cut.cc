#include "backend/llama/layer_cut.h"

#include <ggml.h>
#include <gguf.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "core/errors.h"

namespace qualm::llama {
namespace {

namespace fs = std::filesystem;

struct GgufDeleter {
  void operator()(gguf_context* g) const { gguf_free(g); }
};
struct GgmlDeleter {
  void operator()(ggml_context* c) const { ggml_free(c); }
};

// "blk.N." tensors with N >= layers are dropped.
bool keep_tensor(const std::string& name, int layers) {
  if (!name.starts_with("blk.")) return true;
  return std::stoi(name.substr(4, name.find('.', 4) - 4)) < layers;
}

}  // namespace

fs::path model_cache_dir() {
  if (const char* env = std::getenv("QUALM_CACHE_DIR"); env != nullptr && *env != '\0') return fs::path(env) / "models";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : ".") / ".cache" / "qualm" / "models";
}

fs::path cut_to_layers(const fs::path& in, int layers, const fs::path& cache_dir) {
  ggml_context* data_raw = nullptr;
  gguf_init_params params{/*no_alloc=*/false, &data_raw};
  std::unique_ptr<gguf_context, GgufDeleter> src(gguf_init_from_file(in.string().c_str(), params));
  std::unique_ptr<ggml_context, GgmlDeleter> data(data_raw);
  if (!src) throw InputError(in.string(), "not a readable GGUF file", "check the embedding model path");
  const int64_t arch_key = gguf_find_key(src.get(), "general.architecture");
  if (arch_key < 0) throw InputError(in.string(), "no general.architecture key");
  const std::string block_key = std::string(gguf_get_val_str(src.get(), arch_key)) + ".block_count";
  const int64_t blocks_key = gguf_find_key(src.get(), block_key.c_str());
  if (blocks_key < 0) throw InputError(in.string(), "no " + block_key + " key");
  const int blocks = static_cast<int>(gguf_get_val_u32(src.get(), blocks_key));
  if (layers < 1 || layers > blocks) {
    throw InputError("embedding layer", std::to_string(layers) + " is not in 1.." + std::to_string(blocks),
                     in.filename().string() + " has " + std::to_string(blocks) + " layers");
  }
  const fs::path out = cache_dir / (in.stem().string() + ".L" + std::to_string(layers) + ".gguf");
  if (fs::exists(out) && fs::last_write_time(out) >= fs::last_write_time(in)) return out;

  std::unique_ptr<gguf_context, GgufDeleter> dst(gguf_init_empty());
  gguf_set_kv(dst.get(), src.get());
  gguf_set_val_u32(dst.get(), block_key.c_str(), static_cast<uint32_t>(layers));
  for (int64_t i = 0; i < gguf_get_n_tensors(src.get()); ++i) {
    const char* name = gguf_get_tensor_name(src.get(), i);
    if (keep_tensor(name, layers)) gguf_add_tensor(dst.get(), ggml_get_tensor(data.get(), name));
  }
  fs::create_directories(cache_dir);
  const fs::path tmp = out.string() + ".tmp";
  if (!gguf_write_to_file(dst.get(), tmp.string().c_str(), false)) throw RunError("cannot write " + tmp.string());
  fs::rename(tmp, out);
  return out;
}

}  // namespace qualm::llama
