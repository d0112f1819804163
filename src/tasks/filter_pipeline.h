#pragma once
// lm-evaluation-harness's filter pipelines (a task's filter_list) run on a document's responses,
// one per repeat, as lm_eval/filters define each function (config/task_spec.h, PipelineStep).

#include <optional>
#include <string>
#include <vector>

#include "config/task_spec.h"
#include "core/python_regex.h"

namespace qualm {

class PipelineRunner {
 public:
  // Compiles the pipeline's patterns (checked when the task file was read).
  explicit PipelineRunner(const FilterPipeline& pipeline);

  // The responses the pipeline leaves: one, or for code metrics (pass@K) several. `doc` names
  // the document in the error thrown when regex's group_select selects no match of a response
  // (lm-eval raises IndexError there): InputError naming the task file and key. `prompt` is
  // what prepend_prompt puts before each response.
  std::vector<std::string> run(std::vector<std::string> responses, const std::string& doc,
                               const std::string& prompt = "") const;

  const std::string& name() const { return pipeline_.name; }

 private:
  FilterPipeline pipeline_;
  std::vector<std::optional<PythonRegex>> regexes_;  // per step; set for kRegex
};

// One step on a list of responses (exposed for tests).
std::vector<std::string> apply_step(const PipelineStep& step, const PythonRegex* regex, std::vector<std::string> responses,
                                    const std::string& doc, const std::string& prompt = "");

}  // namespace qualm
