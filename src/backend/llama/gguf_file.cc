#include "backend/llama/gguf_file.h"

#include <ggml.h>
#include <gguf.h>

#include <array>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/errors.h"

namespace qualm::llama {
namespace {

struct GgufDeleter {
  void operator()(gguf_context* g) const { gguf_free(g); }
};

std::string value_text(const gguf_context* g, int64_t k) {
  switch (gguf_get_kv_type(g, k)) {
    case GGUF_TYPE_UINT8: return std::to_string(gguf_get_val_u8(g, k));
    case GGUF_TYPE_INT8: return std::to_string(gguf_get_val_i8(g, k));
    case GGUF_TYPE_UINT16: return std::to_string(gguf_get_val_u16(g, k));
    case GGUF_TYPE_INT16: return std::to_string(gguf_get_val_i16(g, k));
    case GGUF_TYPE_UINT32: return std::to_string(gguf_get_val_u32(g, k));
    case GGUF_TYPE_INT32: return std::to_string(gguf_get_val_i32(g, k));
    case GGUF_TYPE_UINT64: return std::to_string(gguf_get_val_u64(g, k));
    case GGUF_TYPE_INT64: return std::to_string(gguf_get_val_i64(g, k));
    case GGUF_TYPE_FLOAT32: return std::to_string(gguf_get_val_f32(g, k));
    case GGUF_TYPE_FLOAT64: return std::to_string(gguf_get_val_f64(g, k));
    case GGUF_TYPE_BOOL: return gguf_get_val_bool(g, k) ? "true" : "false";
    case GGUF_TYPE_STRING: return gguf_get_val_str(g, k);
    case GGUF_TYPE_ARRAY: return "[" + std::to_string(gguf_get_arr_n(g, k)) + " items]";
    default: return "?";
  }
}

}  // namespace

std::map<std::string, int> GgufSummary::tensor_type_counts() const {
  std::map<std::string, int> counts;
  for (const auto& t : tensors) ++counts[t.type];
  return counts;
}

GgufSummary read_gguf_summary(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string where = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(where, "no such model file", "check the path");
  if (!fs::is_regular_file(path, ec)) throw InputError(where, "is not a regular file", "name a .gguf file");

  GgufSummary s;
  s.path = path;
  s.file_bytes = fs::file_size(path, ec);
  {
    std::ifstream in(path, std::ios::binary);
    std::array<char, 4> magic{};
    in.read(magic.data(), magic.size());
    if (!in || std::memcmp(magic.data(), "GGUF", 4) != 0) {
      throw InputError(where, "is not a GGUF file (its first bytes are not 'GGUF')",
                       "convert the model to GGUF, e.g. with llama.cpp's convert_hf_to_gguf.py");
    }
  }
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_from_file(path.c_str(), params));
  if (!g) {
    throw InputError(where, "GGUF header or tensor table is unreadable (truncated or corrupt)",
                     "download or convert the file again");
  }
  s.version = gguf_get_version(g.get());
  for (int64_t k = 0; k < gguf_get_n_kv(g.get()); ++k) {
    s.metadata[gguf_get_key(g.get(), k)] = value_text(g.get(), k);
  }
  if (auto it = s.metadata.find("general.architecture"); it != s.metadata.end()) s.architecture = it->second;
  if (auto it = s.metadata.find("general.name"); it != s.metadata.end()) s.name = it->second;

  const size_t data_offset = gguf_get_data_offset(g.get());
  uint64_t data_end = data_offset;
  for (int64_t t = 0; t < gguf_get_n_tensors(g.get()); ++t) {
    GgufTensor tensor;
    tensor.name = gguf_get_tensor_name(g.get(), t);
    tensor.type = ggml_type_name(gguf_get_tensor_type(g.get(), t));
    const int64_t* ne = gguf_get_tensor_ne(g.get(), t);
    int dims = GGML_MAX_DIMS;
    while (dims > 1 && ne[dims - 1] == 1) --dims;
    tensor.shape.assign(ne, ne + dims);
    tensor.bytes = gguf_get_tensor_size(g.get(), t);
    data_end = std::max<uint64_t>(data_end, data_offset + gguf_get_tensor_offset(g.get(), t) + tensor.bytes);
    s.tensors.push_back(std::move(tensor));
  }
  if (data_end > s.file_bytes) {
    throw InputError(where,
                     "truncated: the tensor table needs " + std::to_string(data_end) +
                         " bytes but the file has " + std::to_string(s.file_bytes),
                     "download or convert the file again");
  }
  return s;
}

}  // namespace qualm::llama
