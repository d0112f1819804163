#include "records/config_key.h"

namespace qualm {

nlohmann::json config_json(const ConfigKey& c) {
  return {{"model", c.model}, {"variant", c.variant}, {"backend", c.backend}};
}

ConfigKey config_of(const nlohmann::json& row) {
  return {row.value("model", ""), row.value("variant", ""), row.value("backend", "")};
}

}  // namespace qualm
