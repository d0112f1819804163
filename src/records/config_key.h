#pragma once
// The identity of a configuration under test, (model, variant, backend), and of one record,
// (configuration, task, sample, repetition): every record, aggregate row, analysis and the
// sample log's de-duplication key on these two types.

#include <nlohmann/json.hpp>

#include <compare>
#include <cstdint>
#include <string>

namespace qualm {

struct ConfigKey {
  std::string model, variant, backend;
  auto operator<=>(const ConfigKey&) const = default;
  std::string str() const { return model + "/" + variant + "/" + backend; }
};

// {"model", "variant", "backend"}: how reports and summary.json name a configuration.
nlohmann::json config_json(const ConfigKey& config);
// The configuration a summary.json or manifest row names; "" for a key it lacks or holds as
// something other than a string, and for a row that is not an object.
ConfigKey config_of(const nlohmann::json& row);

// A record's identity: samples.jsonl holds at most one record per key.
struct RecordKey {
  ConfigKey config;
  std::string task_name;
  int64_t sample_id = 0;
  int rep = 0;
  auto operator<=>(const RecordKey&) const = default;
};

}  // namespace qualm
