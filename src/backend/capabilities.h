#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace qualm {

enum class Capability { kGenerate, kLoglikelihood, kLoglikelihoodRolling, kDistributions, kEmbed };
inline constexpr size_t kCapabilityCount = 5;

std::string_view capability_name(Capability c);

// What a backend can serve, and for each call it cannot, the reason (shown before a run).
class Capabilities {
 public:
  void support(Capability c) { reasons_[index(c)].reset(); supported_[index(c)] = true; }
  void refuse(Capability c, std::string why) {
    supported_[index(c)] = false;
    reasons_[index(c)] = std::move(why);
  }
  bool supports(Capability c) const { return supported_[index(c)]; }
  std::string why_not(Capability c) const { return reasons_[index(c)].value_or(""); }

  // Throws UnsupportedError naming the backend, the call and the reason.
  void require(Capability c, const std::string& backend_name) const;

 private:
  static size_t index(Capability c) { return static_cast<size_t>(c); }
  std::array<bool, kCapabilityCount> supported_{};
  std::array<std::optional<std::string>, kCapabilityCount> reasons_{};
};

}  // namespace qualm
