#include "backend/llama/gguf_file.h"

#include <ggml.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include "core/errors.h"
#include "core/utf8.h"

namespace qualm::llama {
namespace {

// GGUF's value types (gguf.h), in file order.
enum ValueType : uint32_t {
  kU8, kI8, kU16, kI16, kU32, kI32, kF32, kBool, kString, kArray, kU64, kI64, kF64, kTypeCount
};
constexpr size_t kScalarBytes[kTypeCount] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr uint32_t kMaxVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr size_t kMaxTensorName = 64;  // GGML_MAX_NAME, with its terminating NUL
constexpr int kMaxDims = 4;            // GGML_MAX_DIMS

const char* const kCorrupt = "GGUF header or tensor table is unreadable (truncated or corrupt)";
const char* const kFix = "download or convert the file again";

// Little-endian values read from the stream, never past `size` bytes.
class Reader {
 public:
  Reader(std::istream& in, uint64_t size, const std::string& where) : in_(in), size_(size), where_(where) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(where_, std::string(kCorrupt) + ": " + problem, kFix);
  }

  void need(uint64_t n, const char* what) const {
    if (n > left()) fail(std::string(what) + " runs past the end of the file (byte " + std::to_string(pos_) + ")");
  }

  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    std::array<char, sizeof(T)> buf{};
    if (!in_.read(buf.data(), buf.size())) fail(std::string("cannot read ") + what);
    pos_ += sizeof(T);
    T v;
    std::memcpy(&v, buf.data(), sizeof(T));
    return v;
  }

  std::string string(const char* what) {
    const uint64_t n = read<uint64_t>(what);
    need(n, what);
    std::string s(static_cast<size_t>(n), '\0');
    if (n > 0 && !in_.read(s.data(), static_cast<std::streamsize>(n))) fail(std::string("cannot read ") + what);
    pos_ += n;
    return s;
  }

  void skip(uint64_t n, const char* what) {
    need(n, what);
    if (!in_.seekg(static_cast<std::streamoff>(n), std::ios::cur)) fail(std::string("cannot read ") + what);
    pos_ += n;
  }

 private:
  std::istream& in_;
  uint64_t pos_ = 0, size_;
  const std::string& where_;
};

std::string as_utf8(const std::string& s) { return utf8_replacing_invalid(s); }

std::string scalar_text(Reader& r, ValueType type) {
  switch (type) {
    case kU8: return std::to_string(r.read<uint8_t>("a value"));
    case kI8: return std::to_string(r.read<int8_t>("a value"));
    case kU16: return std::to_string(r.read<uint16_t>("a value"));
    case kI16: return std::to_string(r.read<int16_t>("a value"));
    case kU32: return std::to_string(r.read<uint32_t>("a value"));
    case kI32: return std::to_string(r.read<int32_t>("a value"));
    case kU64: return std::to_string(r.read<uint64_t>("a value"));
    case kI64: return std::to_string(r.read<int64_t>("a value"));
    case kF32: return std::to_string(r.read<float>("a value"));
    case kF64: return std::to_string(r.read<double>("a value"));
    case kBool: return r.read<uint8_t>("a value") != 0 ? "true" : "false";
    case kString: return as_utf8(r.string("a string value"));
    default: return "?";
  }
}

// One key's value: scalars as text, arrays skipped (their length checked against the file).
std::string read_value(Reader& r, uint32_t type, const std::string& key) {
  if (type == kArray) {
    const uint32_t item = r.read<uint32_t>("an array's type");
    const uint64_t n = r.read<uint64_t>("an array's length");
    if (item >= kTypeCount || item == kArray) r.fail("key '" + key + "' is an array of unknown type " + std::to_string(item));
    if (item == kString) {
      if (n > r.left() / 8) r.fail("key '" + key + "' says it holds " + std::to_string(n) + " strings, more than the file can");
      for (uint64_t i = 0; i < n; ++i) r.skip(r.read<uint64_t>("a string's length"), "a string");
    } else {
      if (n > r.left() / kScalarBytes[item]) r.fail("key '" + key + "' holds more values than the file has bytes");
      r.skip(n * kScalarBytes[item], "an array");
    }
    return "[" + std::to_string(n) + " items]";
  }
  if (type >= kTypeCount) r.fail("key '" + key + "' has unknown value type " + std::to_string(type));
  return scalar_text(r, static_cast<ValueType>(type));
}

constexpr uint64_t kSaturated = std::numeric_limits<uint64_t>::max();

uint64_t saturated_add(uint64_t a, uint64_t b) { return a > kSaturated - b ? kSaturated : a + b; }

uint64_t padded(uint64_t n, uint64_t alignment) {
  return n > kSaturated - alignment ? kSaturated : (n + alignment - 1) / alignment * alignment;
}

GgufTensor read_tensor(Reader& r, std::set<std::string>& names) {
  GgufTensor t;
  const std::string raw = r.string("a tensor name");
  t.name = as_utf8(raw);
  if (raw.size() >= kMaxTensorName) r.fail("tensor name '" + t.name + "' is longer than 63 bytes");
  if (!names.insert(raw).second) r.fail("tensor '" + t.name + "' appears twice");
  const uint32_t dims = r.read<uint32_t>("a tensor's dimension count");
  if (dims > kMaxDims) r.fail("tensor '" + t.name + "' has " + std::to_string(dims) + " dimensions (at most 4)");
  std::array<int64_t, kMaxDims> ne = {1, 1, 1, 1};
  for (uint32_t d = 0; d < dims; ++d) {
    ne[d] = r.read<int64_t>("a tensor's shape");
    if (ne[d] < 0) r.fail("tensor '" + t.name + "' has a negative dimension");
  }
  int64_t elements = 1;
  for (const int64_t n : ne) {
    if (n != 0 && elements > std::numeric_limits<int64_t>::max() / n) r.fail("tensor '" + t.name + "' is too large");
    elements *= n;
  }
  const uint32_t type = r.read<uint32_t>("a tensor's type");
  const int64_t block = type < GGML_TYPE_COUNT ? ggml_blck_size(static_cast<ggml_type>(type)) : 0;
  if (block <= 0) r.fail("tensor '" + t.name + "' has unknown ggml type " + std::to_string(type));
  const char* type_name = ggml_type_name(static_cast<ggml_type>(type));
  t.type = type_name != nullptr ? type_name : "?";
  if (ne[0] % block != 0) {
    r.fail("tensor '" + t.name + "' rows of " + std::to_string(ne[0]) + " are not whole blocks of its type " + t.type);
  }
  const uint64_t type_size = ggml_type_size(static_cast<ggml_type>(type));
  const uint64_t blocks = static_cast<uint64_t>(elements / block);
  if (type_size > 0 && blocks > std::numeric_limits<uint64_t>::max() / 2 / type_size) {
    r.fail("tensor '" + t.name + "' is too large");
  }
  t.bytes = blocks * type_size;
  int used = kMaxDims;
  while (used > 1 && ne[used - 1] == 1) --used;
  t.shape.assign(ne.begin(), ne.begin() + used);
  return t;
}

}  // namespace

std::map<std::string, int> GgufSummary::tensor_type_counts() const {
  std::map<std::string, int> counts;
  for (const auto& t : tensors) ++counts[t.type];
  return counts;
}

std::optional<int64_t> GgufSummary::metadata_int(const std::string& key) const {
  const auto it = metadata.find(key);
  if (it == metadata.end() || it->second.empty()) return std::nullopt;
  int64_t v = 0;
  size_t i = it->second[0] == '-' ? 1 : 0;
  if (i == it->second.size()) return std::nullopt;
  for (; i < it->second.size(); ++i) {
    const char c = it->second[i];
    if (c < '0' || c > '9' || v > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return it->second[0] == '-' ? -v : v;
}

GgufSummary parse_gguf(std::istream& in, uint64_t stream_bytes, const std::string& where) {
  Reader r(in, stream_bytes, where);
  if (stream_bytes == 0) throw InputError(where, "is empty (0 bytes), not a GGUF model", kFix);
  if (stream_bytes < 4 || r.read<uint32_t>("the magic") != kMagic) {
    throw InputError(where, "is not a GGUF file (its first bytes are not 'GGUF')",
                     "convert the model to GGUF, e.g. with llama.cpp's convert_hf_to_gguf.py");
  }
  GgufSummary s;
  s.file_bytes = stream_bytes;
  s.version = r.read<uint32_t>("the version");
  if (s.version == 0 || (s.version & 0xFFFF) == 0) {
    r.fail("version " + std::to_string(s.version) + " (a file of another byte order?)");
  }
  if (s.version == 1) {
    throw InputError(where, "is a GGUF version 1 file, which llama.cpp no longer reads", "convert the model again");
  }
  if (s.version > 100) r.fail("version " + std::to_string(s.version));  // no such version: not a GGUF header
  if (s.version > kMaxVersion) {
    throw InputError(where, "is GGUF version " + std::to_string(s.version) + "; this llama.cpp reads up to version 3",
                     "convert the model with a matching llama.cpp");
  }
  const uint64_t n_tensors = r.read<uint64_t>("the tensor count");
  const uint64_t n_kv = r.read<uint64_t>("the key count");
  // Each key takes at least 12 bytes, each tensor entry at least 24: bound the counts by the file.
  if (n_kv > r.left() / 12) r.fail("it says it holds " + std::to_string(n_kv) + " keys, more than the file can");
  if (n_tensors > r.left() / 24) r.fail("it says it holds " + std::to_string(n_tensors) + " tensors, more than the file can");

  uint64_t alignment = kDefaultAlignment;
  for (uint64_t k = 0; k < n_kv; ++k) {
    const std::string key = r.string("a key");
    if (key.empty()) r.fail("key " + std::to_string(k) + " is empty");
    const std::string shown = as_utf8(key);
    if (s.metadata.count(shown) > 0) r.fail("key '" + shown + "' appears twice");
    const uint32_t type = r.read<uint32_t>("a value type");
    const std::string value = read_value(r, type, shown);
    s.metadata[shown] = value;
    if (key == "general.alignment") {
      if (type != kU32) r.fail("general.alignment is not a uint32");
      alignment = std::stoull(value);
      if (alignment == 0 || (alignment & (alignment - 1)) != 0) r.fail("general.alignment is not a power of 2");
    }
  }
  if (auto it = s.metadata.find("general.architecture"); it != s.metadata.end()) s.architecture = it->second;
  if (auto it = s.metadata.find("general.name"); it != s.metadata.end()) s.name = it->second;

  std::set<std::string> names;
  uint64_t expected = 0;  // tensors follow each other, each padded to the alignment
  uint64_t data_end = 0;  // from the start of the data section
  for (uint64_t t = 0; t < n_tensors; ++t) {
    GgufTensor tensor = read_tensor(r, names);
    const uint64_t offset = r.read<uint64_t>("a tensor's offset");
    if (offset != expected) {
      r.fail("tensor '" + tensor.name + "' is at offset " + std::to_string(offset) + ", expected " +
             std::to_string(expected));
    }
    data_end = saturated_add(offset, tensor.bytes);
    expected = saturated_add(offset, padded(tensor.bytes, alignment));
    s.tensors.push_back(std::move(tensor));
  }
  const uint64_t needs = saturated_add(padded(r.pos(), alignment), data_end);
  if (!s.tensors.empty() && needs > stream_bytes) {
    const std::string wanted = needs == kSaturated ? "more" : std::to_string(needs);
    throw InputError(where, "truncated: the tensor table needs " + wanted + " bytes but the file has " +
                                std::to_string(stream_bytes),
                     kFix);
  }
  return s;
}

GgufSummary read_gguf_summary(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string where = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(where, "no such model file", "check the path");
  if (!fs::is_regular_file(path, ec)) throw InputError(where, "is not a regular file", "name a .gguf file");
  const uint64_t size = fs::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw InputError(where, "cannot be opened for reading", "check its permissions");
  GgufSummary s = parse_gguf(in, size, where);
  s.path = path;
  return s;
}

GgufSummary read_model_file(const std::filesystem::path& path) {
  GgufSummary s = read_gguf_summary(path);
  if (s.tensors.empty()) {
    throw InputError(path.string(), "holds no tensors (a vocabulary-only GGUF?)", "give a model with its weights");
  }
  return s;
}

std::optional<HeadDims> attention_head_dims(const GgufSummary& g) {
  const std::string a = g.architecture + ".";
  const auto heads = g.metadata_int(a + "attention.head_count");
  const auto width = g.metadata_int(a + "embedding_length");
  const auto k = g.metadata_int(a + "attention.key_length");
  const auto v = g.metadata_int(a + "attention.value_length");
  HeadDims d;
  if (heads && width && *heads > 0) d.k = d.v = *width / *heads;
  if (k) d.k = *k;
  if (v) d.v = *v;
  if (d.k <= 0 || d.v <= 0) return std::nullopt;
  return d;
}

}  // namespace qualm::llama
