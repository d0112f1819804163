#pragma once
// The embedding metrics of a run's generate records (bertscore, coherence). Records that need
// them wait in pending.jsonl while the cells run; once every model under test is freed, the
// embedding model loads once and scores them in chunks of the plan's order (the same chunks
// in every run, whatever order a resumed run logged them in), and they move to samples.jsonl.

#include "config/experiment.h"
#include "run/plan.h"
#include "run/runner.h"

namespace qualm {

// Scores the pending records that samples.jsonl lacks and appends them there. An embedding
// model that fails to load, or a server that fails, turns the rest into error records naming
// it (out.errors says so too); a served model gives no per-token vectors, so bertscore is then
// skipped with the reason.
void finish_pending(const Experiment& e, const Plan& plan, const RunContext& ctx, RunOutcome& out);

}  // namespace qualm
