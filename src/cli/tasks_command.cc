#include <cstdio>
#include <iostream>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/data_dir.h"
#include "core/errors.h"
#include "tasks/task_docs.h"
#include "tasks/task_registry.h"

namespace qualm::cli {
namespace {

struct TasksFlags {
  bool json = false;
};

int run_tasks(const TasksFlags& f) {
  const std::filesystem::path dir = find_tasks_dir();
  const TaskIndex index = index_tasks(dir);
  const auto data_dir = find_data_dir();
  nlohmann::json out = {{"tasks_dir", dir.string()}, {"tasks", nlohmann::json::object()},
                        {"groups", nlohmann::json::object()}};
  std::map<std::string, long long> counts;
  for (const auto& [name, spec] : index.tasks) {
    long long n = -1;
    if (data_dir && std::filesystem::is_regular_file(dataset_file(spec, *data_dir))) {
      n = static_cast<long long>(count_task_docs(spec, *data_dir));
    }
    counts[name] = n;
    out["tasks"][name] = {{"samples", n < 0 ? nlohmann::json(nullptr) : nlohmann::json(n)},
                          {"output_type", spec.output_type.text},
                          {"dataset", dataset_relative_path(spec)},
                          {"file", spec.file.string()}};
  }
  for (const auto& [group, members] : index.groups) {
    long long n = 0;
    for (const std::string& m : members) n = (n < 0 || counts[m] < 0) ? -1 : n + counts[m];
    out["groups"][group] = {{"samples", n < 0 ? nlohmann::json(nullptr) : nlohmann::json(n)}, {"tasks", members}};
  }
  out["kinds"] = nlohmann::json::object();  // tasks per output_type
  for (const auto& [name, spec] : index.tasks) {
    nlohmann::json& k = out["kinds"][spec.output_type.text];
    k = k.is_null() ? 1 : k.get<int>() + 1;
  }
  if (f.json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  const auto row = [](const std::string& name, long long n, const std::string& what) {
    std::printf("  %-46s %8s  %s\n", name.c_str(), n < 0 ? "-" : std::to_string(n).c_str(), what.c_str());
  };
  // Grouped by kind, each with its count; a group sits with the kind of its first member.
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"multiple_choice", "multiple choice by log-likelihood"},
      {"generate", "generation, scored by text metrics"},
      {"loglikelihood_rolling", "perplexity of whole documents"},
      {"kld", "KL divergence against a base model (--base)"}};
  for (const auto& [kind, title] : kinds) {
    std::vector<std::string> names;
    for (const auto& [name, spec] : index.tasks) {
      if (spec.output_type.text == kind) names.push_back(name);
    }
    if (names.empty()) continue;
    std::printf("%s: %zu tasks (output_type %s)\n", title.c_str(), names.size(), kind.c_str());
    std::printf("  %-46s %8s  %s\n", "task", "samples", "dataset");
    for (const auto& [group, members] : index.groups) {
      if (members.empty() || index.tasks.at(members.front()).output_type.text != kind) continue;
      const nlohmann::json& n = out["groups"][group]["samples"];
      row(group, n.is_null() ? -1 : n.get<long long>(), "group of " + std::to_string(members.size()) + " tasks");
    }
    for (const std::string& name : names) row(name, counts[name], dataset_relative_path(index.tasks.at(name)));
    std::printf("\n");
  }
  if (!data_dir) std::printf("(no data directory: set QUALM_DATA_DIR to count samples)\n");
  std::printf("tasks from %s; a path to your own task file works wherever a task name does\n", dir.c_str());
  return 0;
}

}  // namespace

void add_tasks_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<TasksFlags>();
  CLI::App* cmd = app.add_subcommand("tasks", "list the built-in tasks and groups with their sample counts");
  add_json_flag(*cmd, flags->json);
  cmd->callback([flags, &run] { run = [flags] { return run_tasks(*flags); }; });
}

}  // namespace qualm::cli
