#include "analysis/variance.h"

#include <gtest/gtest.h>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

json rec(const std::string& backend, const std::string& task, int sample, int rep, json metrics) {
  return {{"model", "m"},          {"variant", "f32"}, {"backend", backend}, {"task_name", task},
          {"task_type", task},     {"sample_id", sample}, {"rep", rep},      {"error", nullptr},
          {"metrics", std::move(metrics)}};
}

// rouge_l on three samples x three repetitions per backend; the CVs and the Levene and
// Brown-Forsythe values come from SciPy 1.10.1:
//   scipy.stats.variation([0.2, 0.2, 0.8], ddof=1) = 0.8660254037844386, ...
//   scipy.stats.levene(cpu_dev, gpu_dev, center='mean') = (0.09343065693430615, 0.7638012357275017)
//   scipy.stats.levene(cpu_dev, gpu_dev, center='median') = (0.004756242568370929, 0.945871626639037)
// where *_dev are each value minus its sample's mean.
RunData variance_run() {
  const json manifest = {{"plan",
                          {{"tasks",
                            {{{"name", "creative_writing"}, {"kind", "generate"}, {"repetitions", 3}, {"temperature", 0.7}},
                             {{"name", "qa"}, {"kind", "generate"}, {"repetitions", 1}}}}}}};
  const std::vector<std::vector<double>> cpu = {{0.2, 0.2, 0.8}, {0.4, 0.4, 0.7}, {0.5, 0.5, 0.6}};
  const std::vector<std::vector<double>> gpu = {{0.3, 0.3, 0.6}, {0.1, 0.2, 0.3}, {1.0, 0.9, 0.5}};
  std::vector<json> records;
  for (int s = 0; s < 3; ++s) {
    for (int rep = 0; rep < 3; ++rep) {
      json m = {{"rouge_l", cpu[s][rep]}, {"exact_match", 0.0}};
      if (s == 0) m["coherence"] = rep == 0 ? -0.1 : rep == 1 ? 0.0 : 0.1;  // mean 0 with spread
      records.push_back(rec("cpu", "creative_writing", s, rep, m));
      records.push_back(rec("gpu", "creative_writing", s, rep, {{"rouge_l", gpu[s][rep]}}));
    }
  }
  records.push_back(rec("cpu", "creative_writing", 7, 0, {{"rouge_l", 0.9}}));  // one repetition: left out
  json failed = rec("cpu", "creative_writing", 7, 1, {{"rouge_l", 0.1}});
  failed["error"] = "decode failed";
  records.push_back(failed);
  records.push_back(rec("cpu", "qa", 0, 0, {{"rouge_l", 0.3}}));  // one repetition per plan
  return testing::run_of(manifest, records);
}

const VarianceCell* find_cell(const SamplingVariance& v, const std::string& backend, const std::string& metric) {
  for (const VarianceCell& c : v.cells) {
    if (c.config.backend == backend && c.metric == metric) return &c;
  }
  return nullptr;
}

TEST(VarianceTest, PerSampleCvs) {
  const SamplingVariance v = sampling_variance(variance_run());
  const VarianceCell* cpu = find_cell(v, "cpu", "rouge_l");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->task_name, "creative_writing");
  EXPECT_EQ(cpu->n_samples, 3);
  ASSERT_EQ(cpu->cvs.size(), 3u);
  EXPECT_NEAR(cpu->cvs[0], 0.8660254037844386, 1e-12);
  EXPECT_NEAR(cpu->cvs[1], 0.34641016151377535, 1e-12);
  EXPECT_NEAR(cpu->cvs[2], 0.10825317547305481, 1e-12);
  EXPECT_EQ(cpu->sample_ids, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_NEAR(cpu->cv.mean_cv.value(), 0.44022958025708964, 1e-12);
  EXPECT_NEAR(cpu->cv.median_cv.value(), 0.34641016151377535, 1e-12);
  EXPECT_NEAR(cpu->cv.max_cv.value(), 0.8660254037844386, 1e-12);
  EXPECT_NEAR(cpu->mean_score.value(), 0.47777777777777775, 1e-12);
  EXPECT_EQ(cpu->cv.below_5pct, 0.0);
  EXPECT_EQ(cpu->cv.below_20pct, 1.0 / 3);
  EXPECT_EQ(cpu->stability, "high variance");

  const VarianceCell* gpu = find_cell(v, "gpu", "rouge_l");
  ASSERT_NE(gpu, nullptr);
  EXPECT_NEAR(gpu->cvs[0], 0.43301270189221935, 1e-12);
  EXPECT_NEAR(gpu->cvs[1], 0.5, 1e-12);
  EXPECT_NEAR(gpu->cvs[2], 0.3307189138830739, 1e-12);
  EXPECT_NEAR(gpu->cv.mean_cv.value(), 0.4212438719250977, 1e-12);
}

TEST(VarianceTest, ZeroMeanSamples) {
  const SamplingVariance v = sampling_variance(variance_run());
  const VarianceCell* zeros = find_cell(v, "cpu", "exact_match");
  ASSERT_NE(zeros, nullptr);
  EXPECT_EQ(zeros->cvs, (std::vector<double>{0.0, 0.0, 0.0}));
  EXPECT_EQ(zeros->n_zero_mean, 3);
  EXPECT_EQ(zeros->cv.below_5pct, 1.0);
  EXPECT_EQ(zeros->stability, "very stable");
  // coherence -0.1, 0, 0.1: mean 0 with spread has no CV, and no other sample has coherence.
  EXPECT_EQ(find_cell(v, "cpu", "coherence"), nullptr);
}

TEST(VarianceTest, OnlyRepeatedGenerateTasks) {
  const SamplingVariance v = sampling_variance(variance_run());
  for (const VarianceCell& c : v.cells) EXPECT_EQ(c.task_name, "creative_writing");
  EXPECT_EQ(v.overall.n, 9);  // 3 + 3 rouge_l + 3 exact_match
}

TEST(VarianceTest, LeveneAcrossBackendsMatchesScipy) {
  const SamplingVariance v = sampling_variance(variance_run());
  ASSERT_EQ(v.levene.size(), 1u);  // exact_match ran on cpu only
  const BackendVarianceTest& l = v.levene[0];
  EXPECT_EQ(l.metric, "rouge_l");
  EXPECT_EQ(l.backends, (std::vector<std::string>{"cpu", "gpu"}));
  EXPECT_EQ(l.n, (std::vector<int64_t>{9, 9}));
  EXPECT_NEAR(l.levene_w.value(), 0.09343065693430615, 1e-9);
  EXPECT_NEAR(l.levene_p.value(), 0.7638012357275017, 1e-9);
  EXPECT_NEAR(l.brown_forsythe_w.value(), 0.004756242568370929, 1e-9);
  EXPECT_NEAR(l.brown_forsythe_p.value(), 0.945871626639037, 1e-9);
}

TEST(VarianceTest, NoRepetitions) {
  const json v = sampling_variance(testing::run_of(json::object(), {rec("cpu", "qa", 0, 0, {{"rouge_l", 0.3}})}));
  EXPECT_TRUE(v["cells"].empty());
  EXPECT_TRUE(v["levene"].empty());
  EXPECT_EQ(v["overall"], json({{"n", 0}}));  // no CV figures without a CV
  EXPECT_EQ(v["note"], "no generate task ran with repetitions >= 2; set repetitions: 3 and temperature > 0");
}

TEST(SamplingVariance, ReadBackAsWritten) {
  const json written = sampling_variance(variance_run());
  ASSERT_EQ(written["cells"].size(), 3u);
  ASSERT_EQ(written["levene"].size(), 1u);
  // Figures stay floats and counts integers, as the section has always been written.
  EXPECT_TRUE(written["cells"][0]["cvs"][0].is_number_float());
  EXPECT_TRUE(written["cells"][0]["below_5pct"].is_number_float());
  EXPECT_TRUE(written["cells"][0]["n_samples"].is_number_integer());
  EXPECT_TRUE(written["cells"][0]["sample_ids"][0].is_number_integer());
  EXPECT_EQ(json(written.get<SamplingVariance>()), written);
  EXPECT_EQ(json(json::parse(written.dump()).get<SamplingVariance>()).dump(), written.dump());  // through the text
  const json none = sampling_variance(testing::run_of(json::object(), {}));
  EXPECT_EQ(json(none.get<SamplingVariance>()), none);
  // Any shape reads without throwing.
  for (const char* bad : {"null", "[]", "7", R"({"cells": 3, "overall": [], "levene": "x", "note": 1})",
                          R"({"cells": [1, "x", {"cvs": [null, "a", 0.5], "sample_ids": {}, "mean_cv": "x"}]})",
                          R"({"overall": {"n": 2.5, "mean_cv": null}, "levene": [{"backends": [1], "n": ["x"]}]})"}) {
    SamplingVariance v;
    EXPECT_NO_THROW(from_json(json::parse(bad), v)) << bad;
  }
}

}  // namespace
}  // namespace qualm::analysis
