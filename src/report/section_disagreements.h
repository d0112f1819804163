#pragma once
// The "Where configurations disagree" section of report.md and report.html, from the
// summary's disagreements (analysis/disagreements.h).

#include "analysis/disagreements.h"
#include "report/doc.h"

namespace qualm::report {

void add_disagreements_section(Doc& doc, const analysis::Disagreements& disagreements);

}  // namespace qualm::report
