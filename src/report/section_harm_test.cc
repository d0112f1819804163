#include "report/section_harm.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/quant_harm.h"
#include "analysis/test_records.h"
#include "report/doc.h"

namespace qualm::report {
namespace {

using nlohmann::json;

json ppl_record(const std::string& variant, double loglikelihood) {
  return {{"model", "m"},
          {"variant", variant},
          {"backend", "cpu"},
          {"task_name", "wikitext"},
          {"task_type", "perplexity"},
          {"sample_id", 0},
          {"rep", 0},
          {"error", nullptr},
          {"metrics", {{"loglikelihood", loglikelihood}, {"n_tokens", 100.0}, {"words", 20.0}}}};
}

std::string markdown(const std::vector<json>& records) {
  Doc doc;
  add_quantization_harm_section(doc, analysis::quantization_harm(analysis::testing::run_of(json::object(), records)));
  return to_markdown(doc);
}

TEST(MarkdownHarmTest, OneVariantIsOneLine) {
  const std::string md = markdown({ppl_record("f32", -200)});
  EXPECT_EQ(md,
            "## Quantization harm\n\nNot applicable: every model has one variant in this run, and the study "
            "measures each variant against its model's first (add variants, e.g. `variants: [f32, {quantize: "
            "Q8_0}]`).\n\n");
}

TEST(MarkdownHarmTest, ThresholdsAndTheirGates) {
  const std::string md = markdown({ppl_record("f32", -200), ppl_record("Q4_0", -210)});
  EXPECT_NE(md.find("| Q4_0 | 8.1662 | +10.52 % |"), std::string::npos) << md;  // e^2.1, e^0.1 - 1
  EXPECT_NE(md.find("- **FAIL** ppl_delta_pct m/Q4_0: +10.52 % (limit |ΔPPL| ≤ 5.00 %, by -5.52)"), std::string::npos)
      << md;
  EXPECT_NE(md.find("- **MISSING** same_top m/Q4_0"), std::string::npos) << md;
  EXPECT_NE(md.find("    harm.abs_ppl_delta_pct <= 5.0000\n    harm.max_category_kld <= 0.0500\n"
                    "    harm.same_top >= 0.9000\n"),
            std::string::npos)
      << md;
}

}  // namespace
}  // namespace qualm::report
