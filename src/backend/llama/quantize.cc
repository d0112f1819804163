#include "backend/llama/quantize.h"

#include <llama.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>

#include "backend/llama/imatrix_file.h"
#include "backend/llama/runtime.h"
#include "core/atomic_file.h"
#include "core/errors.h"

namespace qualm::llama {
namespace {

struct TypeName {
  const char* name;
  llama_ftype ftype;
};

// llama-quantize's names for the types qualm offers.
constexpr TypeName kTypes[] = {
    {"F32", LLAMA_FTYPE_ALL_F32},          {"F16", LLAMA_FTYPE_MOSTLY_F16},
    {"BF16", LLAMA_FTYPE_MOSTLY_BF16},     {"Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},
    {"Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K},     {"Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M},
    {"Q5_K_S", LLAMA_FTYPE_MOSTLY_Q5_K_S}, {"Q5_1", LLAMA_FTYPE_MOSTLY_Q5_1},
    {"Q5_0", LLAMA_FTYPE_MOSTLY_Q5_0},     {"Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M},
    {"Q4_K_S", LLAMA_FTYPE_MOSTLY_Q4_K_S}, {"Q4_1", LLAMA_FTYPE_MOSTLY_Q4_1},
    {"Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},     {"IQ4_NL", LLAMA_FTYPE_MOSTLY_IQ4_NL},
    {"Q3_K_L", LLAMA_FTYPE_MOSTLY_Q3_K_L}, {"Q3_K_M", LLAMA_FTYPE_MOSTLY_Q3_K_M},
    {"Q3_K_S", LLAMA_FTYPE_MOSTLY_Q3_K_S}, {"Q2_K", LLAMA_FTYPE_MOSTLY_Q2_K},
};

// The type in any case, as llama-quantize takes it (q4_k_m is Q4_K_M).
const TypeName& type_for(const std::string& type) {
  std::string upper = type;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const TypeName& t : kTypes) {
    if (upper == t.name) return t;
  }
  std::string known;
  for (const std::string& name : quantize_type_names()) known += (known.empty() ? "" : ", ") + name;
  throw InputError("TYPE", "unknown quantization type '" + type + "'", "use one of " + known);
}

// llama.cpp explains each fallback in a warning line:
// "warning: NAME - ncols N not divisible by K (required for type T) ... -> falling back to U"
std::vector<TensorFallback> parse_fallbacks(const std::string& log, const GgufSummary& output) {
  static const std::regex line(
      R"(warning: (\S+)\s+- ncols\s+(\d+) not divisible by\s+(\d+) \(required for type\s+(\S+)\))");
  std::vector<TensorFallback> found;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    TensorFallback f;
    f.tensor = (*it)[1];
    f.ncols = std::stoll((*it)[2]);
    f.block = std::stoll((*it)[3]);
    f.wanted = (*it)[4];
    for (const GgufTensor& t : output.tensors) {
      if (t.name == f.tensor) f.used = t.type;
    }
    found.push_back(std::move(f));
  }
  return found;
}

llama_model_kv_override string_override(const char* key, const std::string& value) {
  llama_model_kv_override o{};
  o.tag = LLAMA_KV_OVERRIDE_TYPE_STR;
  std::snprintf(o.key, sizeof(o.key), "%s", key);
  std::snprintf(o.val_str, sizeof(o.val_str), "%s", value.c_str());
  return o;
}

llama_model_kv_override int_override(const char* key, int64_t value) {
  llama_model_kv_override o{};
  o.tag = LLAMA_KV_OVERRIDE_TYPE_INT;
  std::snprintf(o.key, sizeof(o.key), "%s", key);
  o.val_i64 = value;
  return o;
}

// The importance matrix and the metadata llama-quantize records beside it.
struct ImatrixParams {
  ImportanceMatrix matrix;
  std::vector<llama_model_imatrix_data> data;
  std::vector<llama_model_kv_override> overrides;

  ImatrixParams(const std::filesystem::path& path) : matrix(read_imatrix(path)) {
    for (const auto& [name, values] : matrix.entries) data.push_back({name.c_str(), values.data(), values.size()});
    data.push_back({nullptr, nullptr, 0});
    overrides.push_back(string_override("quantize.imatrix.file", path.string()));
    if (!matrix.datasets.empty()) overrides.push_back(string_override("quantize.imatrix.dataset", matrix.datasets[0]));
    overrides.push_back(int_override("quantize.imatrix.entries_count", static_cast<int64_t>(matrix.entries.size())));
    if (matrix.chunk_count > 0) overrides.push_back(int_override("quantize.imatrix.chunks_count", matrix.chunk_count));
    overrides.emplace_back();
    overrides.back().key[0] = 0;
  }
};

}  // namespace

std::string file_type_name(const GgufSummary& gguf) {
  if (auto it = gguf.metadata.find("general.file_type"); it != gguf.metadata.end()) {
    for (const TypeName& t : kTypes) {
      if (it->second == std::to_string(static_cast<int>(t.ftype))) return t.name;
    }
    return "ftype " + it->second;
  }
  std::string best;
  int most = 0;
  for (const auto& [type, count] : gguf.tensor_type_counts()) {
    if (count > most) most = count, best = type;
  }
  for (char& ch : best) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return best;
}

std::vector<std::string> quantize_type_names() {
  std::vector<std::string> names;
  for (const TypeName& t : kTypes) names.emplace_back(t.name);
  return names;
}

QuantizeReport quantize_model(const std::filesystem::path& in, const std::filesystem::path& out,
                              const QuantizeOptions& options) {
  const TypeName& type = type_for(options.type);
  const llama_ftype ftype = type.ftype;
  const GgufSummary input = read_model_file(in);
  std::error_code ec;
  if (std::filesystem::equivalent(in, out, ec)) {
    throw InputError(out.string(), "is the input file", "write the quantized model to another path");
  }
  if (const auto why = output_file_problem(out)) throw InputError(out.string(), *why, "name a file in a folder qualm can write to");
  ensure_runtime();

  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.ftype = ftype;
  params.nthread = options.threads;
  std::optional<ImatrixParams> imatrix;
  if (!options.imatrix.empty()) {
    imatrix.emplace(options.imatrix);
    params.imatrix = imatrix->data.data();
    params.kv_overrides = imatrix->overrides.data();
  }
  std::string log;
  const auto start = std::chrono::steady_clock::now();
  uint32_t rc;
  {
    LogCapture capture([&log](const std::string& text) { log += text; });
    take_error_log();
    rc = llama_model_quantize(in.c_str(), out.c_str(), &params);
  }
  if (rc != 0) {
    std::string cause = take_error_log();
    std::error_code ignored;
    std::filesystem::remove(out, ignored);  // nothing half-written is left
    // llama.cpp's writer is a std::ofstream with exceptions on: its text says nothing of the cause.
    if (cause.find("basic_ios") != std::string::npos || cause.find("iostream") != std::string::npos) {
      cause = "writing " + out.string() + " failed (is the disk full?)";
    }
    throw RunError("llama.cpp could not quantize " + in.string() + " to " + std::string(type.name) +
                   (cause.empty() ? "" : ": " + cause));
  }
  QuantizeReport report;
  report.type = type.name;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.input_bytes = input.file_bytes;
  report.output = read_gguf_summary(out);
  report.output_bytes = report.output.file_bytes;
  report.fallbacks = parse_fallbacks(log, report.output);
  report.imatrix_entries = imatrix ? static_cast<int>(imatrix->matrix.entries.size()) : 0;
  return report;
}

}  // namespace qualm::llama
