#pragma once
// Side-by-side output examples (TR124 S11, SPEC S7): for each generate task, one sample's
// candidates from every (model, variant, backend) next to its prompt and reference.
//
// The sample is chosen deterministically: among rep-0 ok records, the smallest sample_id
// (numbers before strings) that every label running the task has; when no sample is in all of
// them, the one in the most labels, smallest id first.
//
// summary["examples"] = [{task_name, sample_id, rep, doc_key?, prompt, reference,
//   n_labels, outputs [{model, variant, backend, candidate, metrics}]}] in the order tasks
// first appear in the records; [] when the run has no generate task. n_labels counts the
// labels that ran the task; outputs holds those that have the chosen sample.

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

nlohmann::json side_by_side_examples(const RunData& run);

}  // namespace qualm::analysis
