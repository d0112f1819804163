#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "backend/llama/runtime.h"
#include "core/build_info.h"

namespace qualm::cli {

void add_version_command(CLI::App& app, Action& run) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("version", "print qualm's version and the llama.cpp it was built against");
  add_json_flag(*cmd, *json);
  cmd->callback([json, &run] {
    run = [json] {
      if (*json) {
        nlohmann::json out = {{"qualm_version", build::kVersion},
                              {"git_commit", build::kGitCommit},
                              {"llama_cpp_commit", build::kLlamaCommit},
                              {"gpu_offload", llama::gpu_offload_available()}};
        std::cout << out.dump(2) << "\n";
      } else {
        std::cout << "qualm " << build::kVersion << " (" << build::kGitCommit << "), llama.cpp "
                  << build::kLlamaCommit << (llama::gpu_offload_available() ? " with GPU offload" : ", CPU only")
                  << "\n";
      }
      return 0;
    };
  });
}

}  // namespace qualm::cli
