#pragma once
// SampleRecords from a few keys, for unit tests: the keys given over SPEC S5's defaults,
// read by SampleRecord::from_json as a samples.jsonl line is.

#include <nlohmann/json.hpp>

#include <vector>

#include "records/sample_record.h"

namespace qualm::test_records {

inline SampleRecord typed(const nlohmann::json& keys) {
  nlohmann::json r = SampleRecord{}.to_json();
  r.update(keys);
  return SampleRecord::from_json(r, "test record");
}

inline std::vector<SampleRecord> typed_all(const std::vector<nlohmann::json>& records) {
  std::vector<SampleRecord> out;
  for (const nlohmann::json& r : records) out.push_back(typed(r));
  return out;
}

}  // namespace qualm::test_records
