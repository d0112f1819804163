#include "tasks/task_registry.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/build_info.h"
#include "core/did_you_mean.h"
#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

bool is_task_file(const fs::path& p) {
  const std::string ext = p.extension().string();
  return (ext == ".yaml" || ext == ".yml") && !p.filename().string().starts_with("_");
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

fs::path find_tasks_dir() {
  if (const char* env = std::getenv("QUALM_TASKS_DIR"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env)) return env;
    throw InputError("QUALM_TASKS_DIR", std::string("'") + env + "' is not a directory", "point it at qualm's tasks/");
  }
  const fs::path installed = executable_dir() / ".." / "share" / "qualm" / "tasks";
  if (fs::is_directory(installed)) return installed;
  const fs::path source = fs::path(build::kSourceDir) / "tasks";
  if (fs::is_directory(source)) return source;
  throw InputError("tasks/", "the built-in task files were not found", "set QUALM_TASKS_DIR to qualm's tasks/ folder");
}

TaskIndex index_tasks(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && is_task_file(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  TaskIndex index;
  for (const fs::path& file : files) {
    TaskSpec spec = load_task_spec(file);
    const std::string name = spec.name;
    if (auto it = index.tasks.find(name); it != index.tasks.end()) {
      throw InputError(file.string(), "task '" + name + "' is also defined in " + it->second.file.string(),
                       "give each task its own name");
    }
    for (const std::string& g : spec.groups) index.groups[g].push_back(name);
    index.tasks.emplace(name, std::move(spec));
  }
  for (auto& [group, names] : index.groups) {
    if (index.tasks.count(group) != 0) throw InputError(group, "is both a task and a group", "rename one of them");
    std::sort(names.begin(), names.end());
  }
  return index;
}

std::vector<SelectedTask> select_tasks(const std::vector<std::string>& names, const TaskIndex& index) {
  std::vector<SelectedTask> out;
  std::set<std::string> seen;
  const auto add = [&](const TaskSpec& spec, const std::string& group) {
    if (seen.insert(spec.file.string() + "#" + spec.name).second) out.push_back({spec, group});
  };
  for (const std::string& name : names) {
    if (auto t = index.tasks.find(name); t != index.tasks.end()) {
      add(t->second, "");
    } else if (auto g = index.groups.find(name); g != index.groups.end()) {
      for (const std::string& member : g->second) add(index.tasks.at(member), name);
    } else if (name.find('/') != std::string::npos || name.ends_with(".yaml") || name.ends_with(".yml")) {
      add(load_task_spec(name), "");
    } else {
      std::vector<std::string> known;
      for (const auto& [n, spec] : index.tasks) known.push_back(n);
      for (const auto& [n, members] : index.groups) known.push_back(n);
      std::string hint;
      for (const std::string& m : closest_matches(name, known)) hint += (hint.empty() ? "" : ", ") + m;
      throw InputError("", "unknown task '" + name + "'",
                       hint.empty() ? "qualm tasks lists them all; a path to your own task file also works"
                                    : "closest: " + hint + "; qualm tasks lists them all");
    }
  }
  return out;
}

}  // namespace qualm
