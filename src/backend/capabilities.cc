#include "backend/capabilities.h"

#include "core/errors.h"

namespace qualm {

std::string_view capability_name(Capability c) {
  switch (c) {
    case Capability::kGenerate: return "generate";
    case Capability::kLoglikelihood: return "loglikelihood";
    case Capability::kLoglikelihoodRolling: return "loglikelihood_rolling";
    case Capability::kDistributions: return "distributions";
    case Capability::kEmbed: return "embed";
  }
  return "unknown";
}

void Capabilities::require(Capability c, const std::string& backend_name) const {
  if (supports(c)) return;
  std::string why = why_not(c);
  throw UnsupportedError("backend " + backend_name,
                         std::string(capability_name(c)) + " is not supported" +
                             (why.empty() ? "" : ": " + why),
                         "use a backend and model that support it");
}

}  // namespace qualm
