#pragma once
// report.html's flip matrices: for each pair of configurations and each multiple-choice
// benchmark both ran, the 2 x 2 table of items right or wrong under each (from summary.json's
// disagreements: by_task), shaded by share, with how many answers differ and McNemar's exact p.
// Accuracy can hold while answers flip; these show it. A note where no pair shares a benchmark.

#include <string>

#include "analysis/disagreements.h"

namespace qualm::report {

std::string flip_matrices(const analysis::Disagreements& disagreements);

}  // namespace qualm::report
