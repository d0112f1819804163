#pragma once
// What `qualm run` and `qualm report` print when a run's artifacts are written.

#include <nlohmann/json.hpp>

#include <filesystem>

namespace qualm::cli {

// Composite, benchmark accuracies, invariants, gates and counts, one line each.
void print_results(const nlohmann::json& summary, const std::filesystem::path& dir);

// 3 (ExitCode::kGateFailed) when a gate in summary["gates"] did not pass, after printing
// which and by how much; else 0.
int exit_for_gates(const nlohmann::json& summary);

}  // namespace qualm::cli
