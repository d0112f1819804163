#pragma once
// What yaml-cpp reports badly or not at all, checked around it for experiment and task files:
// bytes that are not UTF-8 (strings go into JSON records), a file too large, brackets nested
// deeper than its parser recurses ("bad file"), a quote that is never closed (yaml-cpp reads
// it to the end of the file and the keys after it vanish), and aliases that make a cycle or
// expand past any sensible size.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

namespace qualm {

inline constexpr size_t kMaxYamlBytes = 1 << 20;  // experiment and task files
inline constexpr int kMaxYamlDepth = 64;          // nested lists and mappings
inline constexpr size_t kMaxYamlNodes = 200000;   // values, aliases counted each time they are used

struct YamlTextProblem {
  int line = 0;  // 1-based; 0 = the file as a whole
  std::string problem, fix;
};

// The first problem in the text before it is parsed.
std::optional<YamlTextProblem> check_yaml_text(std::string_view text);

// The first problem in a parsed document: nested too deep or too many values (alias cycles
// and alias bombs end up here).
std::optional<YamlTextProblem> check_yaml_tree(const YAML::Node& root);

// Parses text, turning yaml-cpp's failures into a problem; every check above applies.
struct YamlParse {
  YAML::Node root;
  std::optional<YamlTextProblem> problem;
};
YamlParse parse_yaml(const std::string& text);

}  // namespace qualm
