#pragma once
// summary.json's typed sections to and from JSON. Readers: a member missing or of another type
// reads as a default, so a report renders a summary of any age or shape without throwing.
// Tables of (key, member) pairs declare each numeric field's key once for writing and reading.

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qualm::analysis::json_fields {

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
// The member if it is a string, else unset.
inline std::optional<std::string> maybe_text(const nlohmann::json& j, const char* key) {
  const nlohmann::json& m = member(j, key);
  return m.is_string() ? std::optional<std::string>(m.get<std::string>()) : std::nullopt;
}
// An optional value for writing: null when unset.
template <class T>
nlohmann::json or_null(const std::optional<T>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json();
}
inline std::vector<std::string> texts(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  for (const nlohmann::json& v : items(j, key)) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// Each member's JSON key, once for writing and reading: optional figures (null when unset) and
// counts.
template <class T>
using Figures = std::initializer_list<std::pair<const char*, std::optional<double> T::*>>;
template <class T>
using Counts = std::initializer_list<std::pair<const char*, int64_t T::*>>;

template <class T>
void write(nlohmann::json& out, const T& value, Figures<T> figures, Counts<T> counts) {
  for (const auto& [key, field] : figures) out[key] = or_null(value.*field);
  for (const auto& [key, field] : counts) out[key] = value.*field;
}

template <class T>
void read(const nlohmann::json& j, T& value, Figures<T> figures, Counts<T> counts) {
  for (const auto& [key, field] : figures) value.*field = maybe_number(j, key);
  for (const auto& [key, field] : counts) value.*field = count(j, key);
}

}  // namespace qualm::analysis::json_fields
