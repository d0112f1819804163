#pragma once
// What load_experiment reads values with: every value comes back with its file:line, ${VAR}
// expanded, type and range checked; a bad value becomes a ConfigProblem and an empty result
// instead of an exception, so that one pass reports every problem in the file.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "config/bounds.h"
#include "config/experiment.h"

namespace qualm {

inline constexpr long long kNoMax = std::numeric_limits<long long>::max();
inline constexpr double kNoMaxNumber = std::numeric_limits<double>::infinity();

class ExperimentReader {
 public:
  // `text` is the file's content, to find the line of a key written with no value.
  ExperimentReader(std::string file, const std::string& text, std::vector<ConfigProblem>& problems)
      : file_(std::move(file)), text_(text), problems_(problems) {}

  const std::string& file() const { return file_; }
  std::string where(const YAML::Node& node) const;
  void add(const std::string& where, const std::string& problem, const std::string& fix = "");
  void add(const YAML::Node& at, const std::string& problem, const std::string& fix = "") {
    add(where(at), problem, fix);
  }

  // False, with a problem naming `key`, when the node is not of that shape.
  bool is_map(const YAML::Node& node, const std::string& key, const std::string& example);
  bool is_list(const YAML::Node& node, const std::string& key, const std::string& example);
  // A problem for every key outside `allowed` (with a did-you-mean) and every repeated key.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& section);

  // A single value with ${VAR} expanded; nullopt after a problem.
  std::optional<std::string> text(const YAML::Node& node, const std::string& key);
  // `fix` is said with a value out of range.
  std::optional<long long> integer(const YAML::Node& node, const std::string& key, long long min, long long max,
                                   const std::string& fix = "");
  std::optional<double> number(const YAML::Node& node, const std::string& key, double min, double max);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& key);
  // `value` must be one of `allowed` (case-insensitive); returns the allowed spelling.
  std::optional<std::string> one_of(const YAML::Node& node, const std::string& value, const std::string& key,
                                    const std::vector<std::string>& allowed);

  // ${NAME} from the environment (a lone $ is kept); nullopt, with a problem, when NAME is unset.
  std::optional<std::string> expand(const std::string& raw, const YAML::Node& at);

 private:
  int line_of_null(const YAML::Mark& mark) const;

  std::string file_;
  const std::string& text_;
  std::vector<ConfigProblem>& problems_;
};

// Where a path written in the experiment points: absolute as written; "./x" and "../x" from
// the experiment file's folder; anything else under the data directory.
struct ExperimentPaths {
  std::optional<std::filesystem::path> data_dir;
  std::filesystem::path file_dir;  // absolute
  // nullopt, with a problem, for a data-relative path when no data directory was found.
  std::optional<std::filesystem::path> resolve(const std::string& written, const YAML::Node& at,
                                               ExperimentReader& r) const;
};

// A problem when `path` is not a file: "<what> not found: PATH".
void require_file(const std::filesystem::path& path, const YAML::Node& at, const std::string& what,
                  ExperimentReader& r);

std::string lower_case(std::string s);

// An integer the reader checked against an int range.
inline int as_int(long long v) { return static_cast<int>(v); }

// Problems for a name that is too long (bounds::kNameBytes), holds a control character, or is
// used twice in one list; `names` holds those read so far.
// A task entry may be a file's path: it may be as long as a path (4096 bytes).
void check_name(const std::string& name, std::vector<std::string>& names, const YAML::Node& at,
                const std::string& what, ExperimentReader& r, size_t max_bytes = bounds::kNameBytes.max);

// The cost table: columns model,variant,backend,usd_per_million_tokens (others ignored).
// Problems name file:LINE of the CSV; a file that cannot be read is named at `at`.
std::vector<CostRow> read_cost_csv(const std::filesystem::path& file, const YAML::Node& at, ExperimentReader& r);

}  // namespace qualm
