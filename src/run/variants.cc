#include "run/variants.h"

#include <chrono>
#include <unistd.h>

#include <fstream>

#include "backend/llama/quantize.h"
#include "core/atomic_file.h"
#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

uint64_t fnv(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// Names the source by path, size and modification time: a changed source gets a new file.
std::string source_key(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  const auto time = fs::last_write_time(file, ec).time_since_epoch().count();
  return fs::absolute(file).string() + "|" + std::to_string(size) + "|" + std::to_string(time);
}

nlohmann::json report_json(const llama::QuantizeReport& r) {
  nlohmann::json fallbacks = nlohmann::json::array();
  for (const auto& fb : r.fallbacks) {
    fallbacks.push_back({{"tensor", fb.tensor}, {"ncols", fb.ncols}, {"block", fb.block}, {"wanted", fb.wanted},
                         {"used", fb.used}});
  }
  return {{"type", r.type},
          {"input_bytes", r.input_bytes},
          {"output_bytes", r.output_bytes},
          {"compression_ratio", r.output_bytes > 0 ? double(r.input_bytes) / double(r.output_bytes) : 0.0},
          {"imatrix_entries", r.imatrix_entries},
          {"tensor_types", r.output.tensor_type_counts()},
          {"fallbacks", fallbacks}};
}

}  // namespace

VariantFile variant_file(const ModelSpec& model, const VariantSpec& variant, const fs::path& cache_dir, bool make) {
  VariantFile out;
  if (!variant.quantize) {
    out.path = variant.path.empty() ? model.path : variant.path;
    out.exists = fs::exists(out.path);
    return out;
  }
  out.derived = true;
  std::string key = source_key(model.path) + "|" + *variant.quantize;
  if (!variant.imatrix.empty()) key += "|" + source_key(variant.imatrix);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv(key)));
  out.path = cache_dir / "variants" / (model.path.stem().string() + "." + *variant.quantize + "." + hex + ".gguf");
  const fs::path sidecar = out.path.string() + ".json";
  out.exists = fs::exists(out.path) && fs::exists(sidecar);
  if (out.exists) {
    std::ifstream in(sidecar);
    out.quantization = nlohmann::json::parse(in, nullptr, false);
    return out;
  }
  if (!make) return out;
  fs::create_directories(out.path.parent_path());
  // A name of this process's own, so that two runs deriving the same variant never share a file.
  const std::string part = ".part" + std::to_string(::getpid());
  const fs::path tmp = out.path.string() + part;
  const llama::QuantizeReport report = llama::quantize_model(model.path, tmp, {*variant.quantize, 0, variant.imatrix});
  out.quantization = report_json(report);
  try {
    write_atomically(sidecar.string() + part, out.quantization.dump(2) + "\n");
  } catch (const IoError&) {
    fs::remove(tmp);
    throw;
  }
  fs::rename(tmp, out.path);
  fs::rename(sidecar.string() + part, sidecar);
  out.exists = true;
  return out;
}

}  // namespace qualm
