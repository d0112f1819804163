#pragma once
// report.md sections for summary["pareto"], ["scaling_fit"], ["task_router"] and ["kld"]:
// pipe tables like TR124's, or one line saying why a section is empty.

#include <nlohmann/json.hpp>

#include <ostream>

namespace qualm::report {

void write_pareto_markdown(std::ostream& out, const nlohmann::json& summary);
void write_scaling_markdown(std::ostream& out, const nlohmann::json& summary);
void write_router_markdown(std::ostream& out, const nlohmann::json& summary);
void write_kld_markdown(std::ostream& out, const nlohmann::json& summary);

}  // namespace qualm::report
