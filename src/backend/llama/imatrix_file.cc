#include "backend/llama/imatrix_file.h"

#include <ggml.h>
#include <gguf.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>

#include "core/errors.h"

namespace qualm::llama {
namespace {

struct GgufDeleter {
  void operator()(gguf_context* g) const { gguf_free(g); }
};
struct GgmlDeleter {
  void operator()(ggml_context* c) const { ggml_free(c); }
};

// Legacy layout: n_entries, then per entry (name length, name, ncall, nval, nval floats
// already multiplied by ncall), then optionally the chunk count and one dataset name.
ImportanceMatrix read_legacy(const std::filesystem::path& path) {
  const std::string where = path.string();
  std::ifstream in(path, std::ios::binary);
  int32_t n_entries = 0;
  in.read(reinterpret_cast<char*>(&n_entries), sizeof(n_entries));
  if (!in || n_entries < 1 || n_entries > 1'000'000) {
    throw InputError(where, "is neither a GGUF nor a legacy imatrix file", "write it with llama-imatrix");
  }
  ImportanceMatrix m;
  for (int32_t i = 0; i < n_entries; ++i) {
    int32_t len = 0;
    in.read(reinterpret_cast<char*>(&len), sizeof(len));
    if (!in || len < 1 || len > 4096) throw InputError(where, "entry " + std::to_string(i + 1) + " has a bad name", "write the file again");
    std::string name(static_cast<size_t>(len), '\0');
    in.read(name.data(), len);
    int32_t ncall = 0, nval = 0;
    in.read(reinterpret_cast<char*>(&ncall), sizeof(ncall));
    in.read(reinterpret_cast<char*>(&nval), sizeof(nval));
    if (!in || nval < 1) throw InputError(where, "entry " + name + " is truncated", "write the file again");
    std::vector<float> values(static_cast<size_t>(nval));
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
    if (!in) throw InputError(where, "entry " + name + " is truncated", "write the file again");
    if (ncall > 0) {
      for (float& v : values) v /= static_cast<float>(ncall);
    }
    m.entries[name] = std::move(values);
  }
  int32_t n_calls = 0;
  if (in.read(reinterpret_cast<char*>(&n_calls), sizeof(n_calls))) {
    m.chunk_count = n_calls;
    int32_t len = 0;
    if (in.read(reinterpret_cast<char*>(&len), sizeof(len)) && len > 0) {
      std::string dataset(static_cast<size_t>(len), '\0');
      if (in.read(dataset.data(), len)) m.datasets.push_back(dataset.c_str());
    }
  }
  return m;
}

bool strip_suffix(std::string& name, const std::string& suffix) {
  if (!name.ends_with(suffix)) return false;
  name.resize(name.size() - suffix.size());
  return true;
}

}  // namespace

ImportanceMatrix read_imatrix(const std::filesystem::path& path) {
  const std::string where = path.string();
  if (!std::filesystem::is_regular_file(path)) throw InputError(where, "no such imatrix file", "check --imatrix");
  ggml_context* raw_ctx = nullptr;
  gguf_init_params params{/*no_alloc=*/false, /*ctx=*/&raw_ctx};
  std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_from_file(path.c_str(), params));
  std::unique_ptr<ggml_context, GgmlDeleter> ctx(raw_ctx);
  if (!g) return read_legacy(path);

  const int64_t datasets = gguf_find_key(g.get(), "imatrix.datasets");
  const int64_t chunk_count = gguf_find_key(g.get(), "imatrix.chunk_count");
  const int64_t chunk_size = gguf_find_key(g.get(), "imatrix.chunk_size");
  if (datasets < 0 || chunk_count < 0 || chunk_size < 0) {
    throw InputError(where, "lacks the imatrix metadata (imatrix.datasets, chunk_count, chunk_size)",
                     "write it with llama-imatrix");
  }
  ImportanceMatrix m;
  if (gguf_get_kv_type(g.get(), datasets) == GGUF_TYPE_ARRAY && gguf_get_arr_type(g.get(), datasets) == GGUF_TYPE_STRING) {
    for (size_t i = 0; i < gguf_get_arr_n(g.get(), datasets); ++i) m.datasets.push_back(gguf_get_arr_str(g.get(), datasets, i));
  }
  m.chunk_count = static_cast<int>(gguf_get_val_u32(g.get(), chunk_count));

  std::map<std::string, std::pair<const ggml_tensor*, const ggml_tensor*>> sums_counts;
  for (ggml_tensor* t = ggml_get_first_tensor(ctx.get()); t != nullptr; t = ggml_get_next_tensor(ctx.get(), t)) {
    std::string name = t->name;
    if (strip_suffix(name, ".in_sum2")) sums_counts[name].first = t;
    else if (strip_suffix(name, ".counts")) sums_counts[name].second = t;
  }
  for (const auto& [name, sc] : sums_counts) {
    const auto [sums, counts] = sc;
    if (sums == nullptr || counts == nullptr) {
      throw InputError(where, "tensor " + name + " has sums without counts or counts without sums", "write it again");
    }
    if (sums->type != GGML_TYPE_F32 || counts->type != GGML_TYPE_F32) {
      throw InputError(where, "tensor " + name + ": sums and counts must be F32", "write it with llama-imatrix");
    }
    const int64_t n = ggml_nelements(sums);
    const int64_t n_counts = ggml_nelements(counts);
    if (n_counts < 1 || n % n_counts != 0) throw InputError(where, "tensor " + name + " has inconsistent counts", "write it again");
    const int64_t row = n / n_counts;  // one count per expert
    const float* s = static_cast<const float*>(sums->data);
    const float* c = static_cast<const float*>(counts->data);
    std::vector<float>& values = m.entries[name];
    values.resize(static_cast<size_t>(n));
    for (int64_t j = 0; j < n_counts; ++j) {
      const float count = static_cast<float>(std::lround(c[j]));
      for (int64_t i = 0; i < row; ++i) values[j * row + i] = count > 0 ? s[j * row + i] / count : 1.0f;
    }
  }
  if (m.entries.empty()) throw InputError(where, "holds no importance data", "write it with llama-imatrix");
  return m;
}

}  // namespace qualm::llama
