#include "backend/capabilities.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace qualm {
namespace {

TEST(Capabilities, RefusalCarriesItsReason) {
  Capabilities caps;
  caps.support(Capability::kDistributions);
  caps.refuse(Capability::kLoglikelihood, "server refuses echo");
  EXPECT_TRUE(caps.supports(Capability::kDistributions));
  EXPECT_FALSE(caps.supports(Capability::kLoglikelihood));
  EXPECT_FALSE(caps.supports(Capability::kEmbed));
  EXPECT_NO_THROW(caps.require(Capability::kDistributions, "x"));
  try {
    caps.require(Capability::kLoglikelihood, "openai");
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("loglikelihood"), std::string::npos) << what;
    EXPECT_NE(what.find("server refuses echo"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace qualm
