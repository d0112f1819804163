#pragma once
// "## Where configurations disagree" from summary["disagreements"] (analysis/disagreements.h).

#include <nlohmann/json.hpp>

#include <ostream>

namespace qualm::report {

void write_disagreements_markdown(std::ostream& out, const nlohmann::json& summary);

}  // namespace qualm::report
