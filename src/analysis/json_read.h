#pragma once
// Reading summary.json back into its typed sections: a member missing or of another type reads
// as a default, so a report renders a summary of any age or shape without throwing.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace qualm::analysis::json_read {

inline const nlohmann::json& member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}
// The member if it is an array, else an empty one.
inline const nlohmann::json& items(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json& m = member(j, key);
  return m.is_array() ? m : kEmpty;
}
inline int64_t count(const nlohmann::json& j, const char* key) {
  const nlohmann::json& m = member(j, key);
  return m.is_number_integer() ? m.get<int64_t>() : 0;
}
inline double number(const nlohmann::json& j, const char* key, double otherwise) {
  const nlohmann::json& m = member(j, key);
  return m.is_number() ? m.get<double>() : otherwise;
}
inline std::optional<double> maybe_number(const nlohmann::json& j, const char* key) {
  const nlohmann::json& m = member(j, key);
  return m.is_number() ? std::optional<double>(m.get<double>()) : std::nullopt;
}
inline bool flag(const nlohmann::json& j, const char* key, bool otherwise) {
  const nlohmann::json& m = member(j, key);
  return m.is_boolean() ? m.get<bool>() : otherwise;
}
inline std::string text(const nlohmann::json& j, const char* key) {
  const nlohmann::json& m = member(j, key);
  return m.is_string() ? m.get<std::string>() : "";
}
inline std::vector<std::string> texts(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  for (const nlohmann::json& v : items(j, key)) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace qualm::analysis::json_read
