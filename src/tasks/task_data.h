#pragma once
// What every task kind shares: its dataset read, fields mapped and {{vars}} filled in, and
// each document's location for messages.

#include <filesystem>
#include <string>
#include <vector>

#include "config/task_spec.h"
#include "io/dataset.h"

namespace qualm {

// The task's vars as a template scope.
nlohmann::json vars_scope(const TaskSpec& spec);

// A template written in the task file, rendered with its vars only (dataset paths).
std::string fill_vars(const Sourced& s, const TaskSpec& spec);

// "file:line", or "file (document N)" for formats that are not line-based.
std::string doc_where(const std::string& file, const Doc& doc, size_t index);

// "./x" is relative to the folder of the task file that wrote it; anything else to the data dir.
std::filesystem::path resolve_dataset(const std::string& path, const std::filesystem::path& base_dir,
                                      const std::filesystem::path& data_dir);

// Reads a dataset and applies its field mapping; each document's scope also holds the vars.
// display_name receives the path as written. Throws InputError naming file:line and field.
std::vector<Doc> load_docs(const DatasetSpec& d, const TaskSpec& spec, const std::filesystem::path& data_dir,
                           std::string& display_name);

// Shots for one document: first_n takes the split's first documents; seeded draws them
// with a generator seeded from (seed, doc id), so a document's shots do not depend on which
// other documents run. self: the document's index in the pool when shots come from the task's
// own split (never its own shot), else -1.
std::vector<size_t> pick_fewshot(const FewshotSpec& f, size_t pool, int k, long self, int doc_id);

}  // namespace qualm
