#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "backend/llama/quantize.h"
#include "cli/commands.h"
#include "config/engine_options.h"

namespace qualm::cli {
namespace {

struct QuantizeFlags {
  std::string input;
  std::string output;
  std::string type;
  int threads = 0;
  std::string imatrix;
  bool json = false;
};

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

int run_quantize(const QuantizeFlags& f) {
  const llama::QuantizeReport r = llama::quantize_model(f.input, f.output, {f.type, f.threads, f.imatrix});
  const auto counts = r.output.tensor_type_counts();
  if (f.json) {
    nlohmann::json fallbacks = nlohmann::json::array();
    for (const auto& fb : r.fallbacks) {
      fallbacks.push_back({{"tensor", fb.tensor}, {"ncols", fb.ncols}, {"block", fb.block}, {"wanted", fb.wanted},
                           {"used", fb.used}});
    }
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& t : r.output.tensors) tensors.push_back({{"name", t.name}, {"type", t.type}, {"shape", t.shape}});
    nlohmann::json out = {{"input", f.input},
                          {"output", f.output},
                          {"type", r.type},
                          {"input_bytes", r.input_bytes},
                          {"output_bytes", r.output_bytes},
                          {"compression_ratio", r.output_bytes > 0 ? double(r.input_bytes) / double(r.output_bytes) : 0},
                          {"seconds", r.seconds},
                          {"imatrix", f.imatrix},
                          {"imatrix_entries", r.imatrix_entries},
                          {"tensor_types", counts},
                          {"fallbacks", fallbacks},
                          {"tensors", tensors}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%s -> %s (%s) in %.2f s\n", f.input.c_str(), f.output.c_str(), r.type.c_str(), r.seconds);
  std::printf("size: %.3f MiB -> %.3f MiB (%.2fx smaller)\n", mib(r.input_bytes), mib(r.output_bytes),
              r.output_bytes > 0 ? double(r.input_bytes) / double(r.output_bytes) : 0.0);
  if (r.imatrix_entries > 0) std::printf("imatrix: %s, %d entries\n", f.imatrix.c_str(), r.imatrix_entries);
  std::printf("tensor types:");
  for (const auto& [type, n] : counts) std::printf(" %s=%d", type.c_str(), n);
  std::printf("\n");
  if (r.fallbacks.empty()) {
    std::printf("fallbacks: none\n");
  } else {
    std::printf("fallbacks: %zu of %zu tensors are not the type %s asked for (row width not a multiple of the block):\n",
                r.fallbacks.size(), r.output.tensors.size(), r.type.c_str());
    for (const auto& fb : r.fallbacks) {
      std::printf("  %-32s ncols %6lld %% %3lld != 0: wanted %-6s got %s\n", fb.tensor.c_str(),
                  static_cast<long long>(fb.ncols), static_cast<long long>(fb.block), fb.wanted.c_str(),
                  fb.used.c_str());
    }
  }
  return 0;
}

}  // namespace

void add_quantize_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<QuantizeFlags>();
  CLI::App* cmd = app.add_subcommand("quantize", "quantize a GGUF with llama.cpp, reporting every type fallback");
  cmd->add_option("IN", flags->input, "input GGUF (F32/F16/BF16)")->required();
  cmd->add_option("OUT", flags->output, "output GGUF")->required();
  cmd->add_option("TYPE", flags->type, "Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0, ...")->required();
  cmd->add_option("--imatrix", flags->imatrix, "importance matrix from llama-imatrix (GGUF or legacy .dat)");
  cmd->add_option("-t,--threads", flags->threads, "threads (0 = every hardware thread)")
      ->capture_default_str()
      ->check(CLI::Range(0, engine_max(engine_option("threads"))));
  add_json_flag(*cmd, flags->json);
  cmd->callback([flags, &run] { run = [flags] { return run_quantize(*flags); }; });
}

}  // namespace qualm::cli
