#include "metrics/model_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "analysis/metric_info.h"
#include "core/errors.h"
#include "eval/kld_eval.h"
#include "eval/rolling_eval.h"
#include "records/metric_aggregation.h"
#include "tasks/rolling_docs.h"

namespace qualm::metrics::model {
namespace {

std::set<std::string> keys_of(const std::map<std::string, double>& m) {
  std::set<std::string> out;
  for (const auto& [k, v] : m) out.insert(k);
  return out;
}

std::set<std::string> declared(Writer writer) {
  const std::vector<std::string> names = metric_names(writer);
  return {names.begin(), names.end()};
}

TEST(ModelMetrics, TheTableDeclaresExactlyWhatEvalWrites) {
  EXPECT_EQ(declared(Writer::kKld), keys_of(kld_metrics(KldSummary{})));
  EXPECT_EQ(declared(Writer::kRolling), keys_of(rolling_metrics(-10, 5, 3, 7)));
}

TEST(ModelMetrics, NamesAreUniquePerWriterAndSharedNamesAgree) {
  for (Writer w : {Writer::kRolling, Writer::kKld}) {
    EXPECT_EQ(declared(w).size(), metric_names(w).size());
  }
  for (const ModelMetric& m : model_metrics()) {
    const ModelMetric* first = find_model_metric(m.name);
    ASSERT_NE(first, nullptr) << m.name;
    EXPECT_EQ(first->lower_is_better, m.lower_is_better) << m.name;
    EXPECT_EQ(first->aggregation, m.aggregation) << m.name;
    EXPECT_EQ(first->range.has_value(), m.range.has_value()) << m.name;
    if (m.range) {
      EXPECT_LT(m.range->lo, m.range->hi) << m.name;
    }
  }
  EXPECT_EQ(find_model_metric("acc"), nullptr);
}

TEST(ModelMetrics, TaskDefaultsAreDeclaredAndKeepTheirOrder) {
  for (Writer w : {Writer::kRolling, Writer::kKld}) {
    for (const std::string& d : default_metric_names(w)) EXPECT_TRUE(declared(w).count(d)) << d;
  }
  TaskSpec spec;
  spec.output_type.text = "loglikelihood_rolling";
  EXPECT_EQ(rolling_task_metrics(spec),
            (std::vector<std::string>{"word_perplexity", "byte_perplexity", "bits_per_byte", "token_perplexity"}));
  spec.output_type.text = "kld";
  EXPECT_EQ(rolling_task_metrics(spec),
            (std::vector<std::string>{"kld_mean", "kld_p99", "same_top", "rms_dp", "ppl_ratio"}));
}

TEST(ModelMetrics, AnUnknownTaskMetricSuggestsADeclaredOne) {
  TaskSpec spec;
  spec.output_type.text = "kld";
  spec.metrics = {"kld_maen"};
  spec.metrics_where = "t.yaml:3";
  try {
    build_rolling_task(spec, "", "/nonexistent", -1);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "t.yaml:3: metric 'kld_maen' is not a kld metric (did you mean 'kld_mean'?)");
  }
}

TEST(ModelMetrics, MetricInfoReadsTheTable) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(analysis::metric_range(kKldMean), std::make_pair(0.0, kInf));
  EXPECT_EQ(analysis::metric_range(kWordPerplexity), std::make_pair(1.0, kInf));
  EXPECT_EQ(analysis::metric_range(kDpMean), std::make_pair(-1.0, 1.0));
  EXPECT_EQ(analysis::metric_range(kNTokens), std::nullopt);
  EXPECT_EQ(analysis::metric_range("perplexity"), std::make_pair(1.0, kInf));  // a loglikelihood task's
  EXPECT_FALSE(analysis::higher_is_better(kKldMean));
  EXPECT_FALSE(analysis::higher_is_better(kKldStderr));
  EXPECT_FALSE(analysis::higher_is_better(kBitsPerByte));
  EXPECT_TRUE(analysis::higher_is_better(kSameTop));
  EXPECT_TRUE(analysis::higher_is_better(kLoglikelihood));
}

TEST(ModelMetrics, RmsDpAggregatesAsTheRootOfTokenWeightedSquares) {
  const MetricAggregation& a = metric_aggregation(kRmsDp);
  EXPECT_EQ(a.kind, AggregationKind::kWeighted);
  std::vector<std::vector<double>> states;
  for (const auto& [rms, n] : std::vector<std::pair<double, double>>{{0.1, 1}, {0.3, 3}}) {
    SampleRecord r;
    r.metrics = {{kRmsDp, rms}, {kNTokens, n}};
    const auto s = a.state(r);
    ASSERT_TRUE(s.has_value());
    states.push_back(*s);
  }
  EXPECT_NEAR(aggregate_states(a, states), std::sqrt((0.01 * 1 + 0.09 * 3) / 4), 1e-12);
  EXPECT_EQ(metric_aggregation(kNTokens).kind, AggregationKind::kMean);
  EXPECT_EQ(metric_aggregation(kKldP99).kind, AggregationKind::kMean);
  EXPECT_EQ(metric_aggregation(kPplRatio).kind, AggregationKind::kWeighted);
  EXPECT_EQ(metric_aggregation(kWordPerplexity).kind, AggregationKind::kWeighted);
}

}  // namespace
}  // namespace qualm::metrics::model
