// summary.json's `backend_equivalence`: the typed BackendEquivalence (equivalence.h) written and read.

#include <utility>

#include "analysis/equivalence.h"  // the types this file writes and reads
#include "analysis/json_fields.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

namespace {

const Figures<EquivalenceAnova> kAnovaFigures = {{"f", &EquivalenceAnova::f}, {"p", &EquivalenceAnova::p}};
const Figures<PairedTests> kPairedFigures = {{"mean_diff", &PairedTests::mean_diff},
                                             {"sd_diff", &PairedTests::sd_diff},
                                             {"t", &PairedTests::t},
                                             {"p", &PairedTests::p},
                                             {"wilcoxon_statistic", &PairedTests::wilcoxon_statistic},
                                             {"wilcoxon_p", &PairedTests::wilcoxon_p},
                                             {"tost_p", &PairedTests::tost_p},
                                             {"mde_d", &PairedTests::mde_d},
                                             {"mde", &PairedTests::mde}};
const Counts<PairedTests> kPairedCounts = {{"identical", &PairedTests::identical}};
const Figures<EquivalencePair> kPairFigures = {
    {"mean_a", &EquivalencePair::mean_a}, {"mean_b", &EquivalencePair::mean_b},
    {"t", &EquivalencePair::t},           {"df", &EquivalencePair::df},
    {"p", &EquivalencePair::p},           {"cohens_d", &EquivalencePair::cohens_d},
    {"p_holm", &EquivalencePair::p_holm}};
const Figures<AccuracyPair> kAccuracyFigures = {{"mcnemar_p", &AccuracyPair::mcnemar_p}};
const Counts<AccuracyPair> kAccuracyCounts = {{"n", &AccuracyPair::n},
                                              {"a_only_correct", &AccuracyPair::a_only_correct},
                                              {"b_only_correct", &AccuracyPair::b_only_correct},
                                              {"differing_answers", &AccuracyPair::differing_answers}};
const Figures<LoglikelihoodDelta> kDeltaFigures = {{"noise_floor", &LoglikelihoodDelta::noise_floor}};
const Counts<LoglikelihoodDelta> kDeltaCounts = {{"choices", &LoglikelihoodDelta::choices}};

json metric_json(const EquivalenceMetric& m) {
  json out = {{"metric", m.metric}, {"n", json::object()}, {"mean", json::object()}, {"anova", nullptr}};
  for (const auto& [backend, n] : m.n) out["n"][backend] = n;
  for (const auto& [backend, mean] : m.mean) out["mean"][backend] = or_null(mean);
  if (m.anova) {
    out["anova"] = {{"df_between", m.anova->df_between}, {"df_within", m.anova->df_within}};
    write(out["anova"], *m.anova, kAnovaFigures, {});
    out["significant"] = m.significant;
  } else {
    out["note"] = "a backend has fewer than two values";
  }
  return out;
}

EquivalenceMetric metric_of(const json& j) {
  EquivalenceMetric m;
  m.metric = text(j, "metric");
  if (const json& n = member(j, "n"); n.is_object()) {
    for (const auto& [backend, v] : n.items()) {
      if (v.is_number_integer()) m.n[backend] = v.get<int64_t>();
    }
  }
  if (const json& mean = member(j, "mean"); mean.is_object()) {
    for (const auto& [backend, v] : mean.items())
      m.mean[backend] = v.is_number() ? std::optional(v.get<double>()) : std::nullopt;
  }
  if (const json& a = member(j, "anova"); a.is_object()) {
    EquivalenceAnova anova{{}, {}, number(a, "df_between", 0), number(a, "df_within", 0)};
    read(a, anova, kAnovaFigures, {});
    m.anova = anova;
  }
  m.significant = flag(j, "significant", false);
  return m;
}

json paired_json(const PairedTests& p) {
  json out = {{"n", p.n}};
  if (p.n < 2) {
    out["note"] = "fewer than two prompts on both backends";
    return out;
  }
  out["equivalent"] = p.equivalent;
  write(out, p, kPairedFigures, kPairedCounts);
  return out;
}

PairedTests paired_of(const json& j) {
  PairedTests p;
  p.n = count(j, "n");
  p.equivalent = flag(j, "equivalent", false);
  read(j, p, kPairedFigures, kPairedCounts);
  return p;
}

json pair_json(const EquivalencePair& p) {
  json out = {{"metric", p.metric},       {"backend_a", p.backend_a}, {"backend_b", p.backend_b},
              {"magnitude", p.magnitude}, {"reject", p.reject},       {"paired", paired_json(p.paired)}};
  write(out, p, kPairFigures, {});
  return out;
}

EquivalencePair pair_of(const json& j) {
  EquivalencePair p;
  p.metric = text(j, "metric");
  p.backend_a = text(j, "backend_a");
  p.backend_b = text(j, "backend_b");
  p.magnitude = text(j, "magnitude");
  p.reject = flag(j, "reject", false);
  p.paired = paired_of(member(j, "paired"));
  read(j, p, kPairFigures, {});
  return p;
}

json delta_json(const std::optional<LoglikelihoodDelta>& d) {
  if (!d) return nullptr;
  json out = {{"max_abs_dll", d->max_abs_dll},
              {"mean_abs_dll", d->mean_abs_dll},
              {"within_noise", or_null(d->within_noise)},
              {"note", loglikelihood_note(*d)}};
  write(out, *d, kDeltaFigures, kDeltaCounts);
  return out;
}

std::optional<LoglikelihoodDelta> delta_of(const json& j) {
  if (!j.is_object()) return std::nullopt;
  LoglikelihoodDelta d;
  d.max_abs_dll = number(j, "max_abs_dll", 0);
  d.mean_abs_dll = number(j, "mean_abs_dll", 0);
  if (member(j, "within_noise").is_boolean()) d.within_noise = flag(j, "within_noise", false);
  read(j, d, kDeltaFigures, kDeltaCounts);
  return d;
}

json accuracy_json(const AccuracyPair& a) {
  json out = {{"backend_a", a.backend_a},
              {"backend_b", a.backend_b},
              {"acc_a", a.acc_a},
              {"acc_b", a.acc_b},
              {"loglikelihood_delta", delta_json(a.loglikelihood_delta)}};
  write(out, a, kAccuracyFigures, kAccuracyCounts);
  return out;
}

AccuracyPair accuracy_of(const json& j) {
  AccuracyPair a;
  a.backend_a = text(j, "backend_a");
  a.backend_b = text(j, "backend_b");
  a.acc_a = number(j, "acc_a", 0);
  a.acc_b = number(j, "acc_b", 0);
  a.loglikelihood_delta = delta_of(member(j, "loglikelihood_delta"));
  read(j, a, kAccuracyFigures, kAccuracyCounts);
  return a;
}

}  // namespace

void to_json(json& j, const BackendEquivalence& e) {
  j = {{"backends", e.backends},
       {"complete_blocks", e.complete_blocks},
       {"incomplete_blocks", e.incomplete_blocks},
       {"tost_margin", e.tost_margin},
       {"alpha", e.alpha},
       {"note", equivalence_note(e)}};
  if (!compared(e)) return;
  j["metrics"] = json::array();
  j["pairs"] = json::array();
  j["accuracy"] = json::array();
  for (const EquivalenceMetric& m : e.metrics) j["metrics"].push_back(metric_json(m));
  for (const EquivalencePair& p : e.pairs) j["pairs"].push_back(pair_json(p));
  for (const AccuracyPair& a : e.accuracy) j["accuracy"].push_back(accuracy_json(a));
}

void from_json(const json& j, BackendEquivalence& e) {
  e = {};
  e.backends = texts(j, "backends");
  e.complete_blocks = texts(j, "complete_blocks");
  e.incomplete_blocks = texts(j, "incomplete_blocks");
  e.tost_margin = number(j, "tost_margin", e.tost_margin);
  e.alpha = number(j, "alpha", e.alpha);
  for (const json& m : items(j, "metrics")) e.metrics.push_back(metric_of(m));
  for (const json& p : items(j, "pairs")) e.pairs.push_back(pair_of(p));
  for (const json& a : items(j, "accuracy")) e.accuracy.push_back(accuracy_of(a));
}

}  // namespace qualm::analysis
