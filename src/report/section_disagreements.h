#pragma once
// The "Where configurations disagree" section of report.md and report.html, from
// summary["disagreements"] (analysis/disagreements.h).

#include <nlohmann/json.hpp>

#include "report/doc.h"

namespace qualm::report {

void add_disagreements_section(Doc& doc, const nlohmann::json& summary);

}  // namespace qualm::report
