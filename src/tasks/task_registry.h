#pragma once
// Where task files live and how names resolve: every YAML under tasks/ whose name does not
// start with "_" defines one task (files starting with "_" are bases for include:); a task's
// group: tags make groups, as lm-evaluation-harness's mmlu groups its 57 subjects.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/task_spec.h"

namespace qualm {

// $QUALM_TASKS_DIR, else share/qualm/tasks beside the executable's prefix, else tasks/ in the
// source tree this binary was built from. Throws InputError when none exists.
std::filesystem::path find_tasks_dir();

struct TaskIndex {
  std::map<std::string, TaskSpec> tasks;
  std::map<std::string, std::vector<std::string>> groups;  // group -> its tasks, sorted
};

// Loads every task file under dir. Throws InputError for a bad file or a name defined twice.
TaskIndex index_tasks(const std::filesystem::path& dir);

struct SelectedTask {
  TaskSpec spec;
  std::string group;  // the group the user named, or empty
};

// Each name is a task, a group (expanded to its tasks) or the path of a task file. Order is
// kept and repeats dropped. An unknown name throws InputError with the closest names.
std::vector<SelectedTask> select_tasks(const std::vector<std::string>& names, const TaskIndex& index);

}  // namespace qualm
