#include "backend/llama/quantize.h"

#include <llama.h>

#include <chrono>
#include <regex>
#include <sstream>

#include "backend/llama/runtime.h"
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

llama_ftype ftype_for(const std::string& type) {
  for (const TypeName& t : kTypes) {
    if (type == t.name) return t.ftype;
  }
  std::string known;
  for (const TypeName& t : kTypes) known += std::string(known.empty() ? "" : ", ") + t.name;
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

}  // namespace

std::vector<std::string> quantize_type_names() {
  std::vector<std::string> names;
  for (const TypeName& t : kTypes) names.emplace_back(t.name);
  return names;
}

QuantizeReport quantize_model(const std::filesystem::path& in, const std::filesystem::path& out,
                              const QuantizeOptions& options) {
  const llama_ftype ftype = ftype_for(options.type);
  const GgufSummary input = read_gguf_summary(in);
  std::error_code ec;
  if (std::filesystem::equivalent(in, out, ec)) {
    throw InputError(out.string(), "is the input file", "write the quantized model to another path");
  }
  ensure_runtime();

  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.ftype = ftype;
  params.nthread = options.threads;
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
    throw RunError("llama.cpp could not quantize " + in.string() + " to " + options.type +
                   (cause.empty() ? "" : ": " + cause));
  }
  QuantizeReport report;
  report.type = options.type;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.input_bytes = input.file_bytes;
  report.output = read_gguf_summary(out);
  report.output_bytes = report.output.file_bytes;
  report.fallbacks = parse_fallbacks(log, report.output);
  return report;
}

}  // namespace qualm::llama
