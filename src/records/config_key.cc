#include "records/config_key.h"

namespace qualm {

nlohmann::json config_json(const ConfigKey& c) {
  return {{"model", c.model}, {"variant", c.variant}, {"backend", c.backend}};
}

ConfigKey config_of(const nlohmann::json& row) {
  auto text = [&](const char* key) {
    const auto it = row.is_object() ? row.find(key) : row.end();
    return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return {text("model"), text("variant"), text("backend")};
}

}  // namespace qualm
