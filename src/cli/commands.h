#pragma once
// One function per subcommand: each declares its options on `app` and sets `run` to the
// action main() calls after a successful parse.

#include <CLI/CLI.hpp>

#include <functional>

namespace qualm::cli {

using Action = std::function<int()>;

void add_perplexity_command(CLI::App& app, Action& run);
void add_kld_command(CLI::App& app, Action& run);
void add_quantize_command(CLI::App& app, Action& run);
void add_version_command(CLI::App& app, Action& run);
void add_eval_command(CLI::App& app, Action& run);
void add_generate_command(CLI::App& app, Action& run);
void add_tasks_command(CLI::App& app, Action& run);
void add_score_command(CLI::App& app, Action& run);
void add_run_command(CLI::App& app, Action& run);
void add_compare_command(CLI::App& app, Action& run);
void add_report_command(CLI::App& app, Action& run);
void add_merge_command(CLI::App& app, Action& run);

// --json, on every command that can print its result as JSON.
inline CLI::Option* add_json_flag(CLI::App& cmd, bool& json, const std::string& what = "print one JSON object") {
  return cmd.add_flag("--json", json, what);
}

}  // namespace qualm::cli
