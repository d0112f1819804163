#include "analysis/equivalence.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "stats/anova.h"
#include "stats/descriptive.h"
#include "stats/effect_size.h"
#include "stats/mcnemar.h"
#include "stats/multiple_testing.h"
#include "stats/power.h"
#include "stats/tost.h"
#include "stats/ttest.h"
#include "stats/wilcoxon.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

constexpr double kAlpha = 0.05;

std::string margin_text(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", m);
  return buf;
}

// (model|variant|task|sample_id|rep): the same prompt on every backend. A text, whose order
// is the order the tests see the values in.
std::string item_key(const SampleRecord& r) {
  return r.config.model + "|" + r.config.variant + "|" + r.task_name + "|" + std::to_string(r.sample_id) + "|" +
         std::to_string(r.rep);
}

struct Blocks {
  std::vector<std::string> backends;
  std::set<std::string> complete;  // model/variant
  std::vector<std::string> incomplete;
};

Blocks find_blocks(const RunData& run) {
  Blocks b;
  std::map<std::string, std::set<std::string>> backends_of;  // model/variant -> backends
  for (const SampleRecord* r : run.ok_records()) {
    const ConfigKey& l = r->config;
    if (std::find(b.backends.begin(), b.backends.end(), l.backend) == b.backends.end()) b.backends.push_back(l.backend);
    backends_of[l.model + "/" + l.variant].insert(l.backend);
  }
  for (const auto& [block, have] : backends_of) {
    if (have.size() == b.backends.size()) b.complete.insert(block);
    else b.incomplete.push_back(block);
  }
  return b;
}

// metric -> backend -> item -> value, over complete blocks.
using Values = std::map<std::string, std::map<std::string, std::map<std::string, double>>>;

Values collect(const RunData& run, const Blocks& blocks, TaskKind kind) {
  Values v;
  for (const SampleRecord* r : run.ok_records()) {
    const ConfigKey& l = r->config;
    if (run.kind_of(*r) != kind || !blocks.complete.count(l.model + "/" + l.variant)) continue;
    for (const auto& [metric, value] : r->metrics) {
      if (const auto x = r->metric(metric)) v[metric][l.backend][item_key(*r)] = *x;
    }
  }
  return v;
}

std::vector<double> values_of(const std::map<std::string, double>& m) {
  std::vector<double> out;
  out.reserve(m.size());
  for (const auto& [k, x] : m) out.push_back(x);
  return out;
}

PairedTests paired(const std::map<std::string, double>& a, const std::map<std::string, double>& b, double margin) {
  std::vector<double> x, y, d;
  for (const auto& [key, va] : a) {
    const auto it = b.find(key);
    if (it == b.end()) continue;
    x.push_back(va);
    y.push_back(it->second);
    d.push_back(va - it->second);
  }
  PairedTests out;
  out.n = static_cast<int64_t>(x.size());
  if (x.size() < 2) return out;
  const stats::TTestResult t = stats::paired_ttest(x, y);
  const stats::WilcoxonResult w = stats::wilcoxon_signed_rank(x, y);
  const stats::TostResult tost = stats::tost_paired(x, y, -margin, margin);
  const double sd = std::sqrt(stats::sample_variance(d));
  const double mde_d = stats::min_detectable_effect_paired(static_cast<double>(x.size()), kAlpha, 0.8);
  int64_t identical = 0;
  for (double v : d) identical += v == 0 ? 1 : 0;
  out.mean_diff = finite_or_unset(stats::mean(d));
  out.sd_diff = finite_or_unset(sd);
  out.identical = identical;
  out.t = finite_or_unset(t.t);
  out.p = finite_or_unset(t.p);
  out.wilcoxon_statistic = finite_or_unset(w.statistic);
  out.wilcoxon_p = finite_or_unset(w.p);
  out.tost_p = finite_or_unset(tost.p);
  out.equivalent = std::isfinite(tost.p) ? tost.p < kAlpha : identical == static_cast<int64_t>(d.size());
  out.mde_d = finite_or_unset(mde_d);
  out.mde = finite_or_unset(mde_d * sd);
  return out;
}

// The engine's packing noise (manifest noise_floor, measured by the runner) of a backend:
// the largest over the model variants it ran; null where it was not measured.
std::optional<double> noise_floor_of(const RunData& run, const std::string& backend) {
  std::optional<double> floor;
  for (const json& n : run.manifest.value("noise_floor", json::array())) {
    if (n.value("backend", "") != backend || !n.contains("max_abs_dll") || !n["max_abs_dll"].is_number()) continue;
    floor = std::max(floor.value_or(0.0), n["max_abs_dll"].get<double>());
  }
  return floor;
}

// Per-choice log-likelihoods of two backends on the same prompts: how far apart they are, and
// whether that is more than either engine moves by packing alone.
std::optional<LoglikelihoodDelta> loglikelihood_delta(const RunData& run, const std::string& a, const std::string& b,
                                                      const std::map<std::string, std::vector<double>>& lls_a,
                                                      const std::map<std::string, std::vector<double>>& lls_b) {
  double max_abs = 0, sum_abs = 0;
  int64_t n = 0;
  for (const auto& [key, va] : lls_a) {
    const auto it = lls_b.find(key);
    if (it == lls_b.end() || it->second.size() != va.size()) continue;
    for (size_t c = 0; c < va.size(); ++c) {
      const double d = std::fabs(va[c] - it->second[c]);
      max_abs = std::max(max_abs, d);
      sum_abs += d;
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  const std::optional<double> fa = noise_floor_of(run, a), fb = noise_floor_of(run, b);
  LoglikelihoodDelta out{n, max_abs, sum_abs / static_cast<double>(n), std::nullopt, std::nullopt};
  if (fa && fb) {
    out.noise_floor = std::max(*fa, *fb);
    out.within_noise = max_abs <= *out.noise_floor;
  }
  return out;
}

std::vector<AccuracyPair> accuracy(const RunData& run, const Blocks& blocks) {
  // Whether acc chose the gold answer in multiple-choice records, and pred for answer identity.
  // backend -> item -> (acc chose gold, pred)
  std::map<std::string, std::map<std::string, std::pair<bool, McPredictions>>> items;
  std::map<std::string, std::map<std::string, std::vector<double>>> lls;  // backend -> item -> per choice
  for (const SampleRecord* r : run.ok_records()) {
    const ConfigKey& l = r->config;
    if (run.kind_of(*r) != TaskKind::kMultipleChoice || !blocks.complete.count(l.model + "/" + l.variant)) continue;
    const auto correct = r->chose_gold("acc");
    if (!r->metric("acc") || !correct) continue;
    items[l.backend][item_key(*r)] = {*correct, *r->pred};
    std::vector<double>& choice_lls = lls[l.backend][item_key(*r)];
    for (const ChoiceRecord& c : r->choices.value_or(std::vector<ChoiceRecord>{})) {
      if (!std::isnan(c.loglikelihood)) choice_lls.push_back(c.loglikelihood);  // NaN: null in the file
    }
  }
  std::vector<AccuracyPair> out;
  for (size_t i = 0; i < blocks.backends.size(); ++i) {
    for (size_t j = i + 1; j < blocks.backends.size(); ++j) {
      const auto& a = items[blocks.backends[i]];
      const auto& b = items[blocks.backends[j]];
      int64_t n = 0, a_only = 0, b_only = 0, differing = 0, correct_a = 0, correct_b = 0;
      for (const auto& [key, va] : a) {
        const auto it = b.find(key);
        if (it == b.end()) continue;
        ++n;
        const bool ca = va.first, cb = it->second.first;
        correct_a += ca;
        correct_b += cb;
        a_only += ca && !cb;
        b_only += cb && !ca;
        differing += va.second != it->second.second ? 1 : 0;
      }
      if (n == 0) continue;
      const stats::McNemarResult m = stats::mcnemar_exact(a_only, b_only);
      out.push_back({blocks.backends[i], blocks.backends[j], n, static_cast<double>(correct_a) / n,
                     static_cast<double>(correct_b) / n, a_only, b_only, finite_or_unset(m.p), differing,
                     loglikelihood_delta(run, blocks.backends[i], blocks.backends[j], lls[blocks.backends[i]],
                                         lls[blocks.backends[j]])});
    }
  }
  return out;
}

}  // namespace

BackendEquivalence backend_equivalence(const RunData& run) {
  const Blocks blocks = find_blocks(run);
  BackendEquivalence out;
  out.backends = blocks.backends;
  out.complete_blocks.assign(blocks.complete.begin(), blocks.complete.end());
  out.incomplete_blocks = blocks.incomplete;
  out.tost_margin = run.tost_margin;
  out.alpha = kAlpha;
  if (!compared(out)) return out;
  const Values values = collect(run, blocks, TaskKind::kGenerate);
  std::vector<double> p_values;
  for (const auto& [metric, by_backend] : values) {
    std::vector<std::vector<double>> groups;
    EquivalenceMetric row;
    row.metric = metric;
    for (const std::string& b : blocks.backends) {
      const auto it = by_backend.find(b);
      groups.push_back(it != by_backend.end() ? values_of(it->second) : std::vector<double>{});
      row.mean[b] = finite_or_unset(groups.back().empty() ? NAN : stats::mean(groups.back()));
      row.n[b] = static_cast<int64_t>(groups.back().size());
    }
    bool usable = true;
    for (const auto& g : groups) usable = usable && g.size() >= 2;
    if (usable) {
      const stats::AnovaResult a = stats::one_way_anova(groups);
      row.anova = {finite_or_unset(a.f), finite_or_unset(a.p), a.df_between, a.df_within};
      row.significant = std::isfinite(a.p) && a.p < kAlpha;
    }
    out.metrics.push_back(std::move(row));
    for (size_t i = 0; i < groups.size(); ++i) {
      for (size_t j = i + 1; j < groups.size(); ++j) {
        if (groups[i].size() < 2 || groups[j].size() < 2) continue;
        const stats::TTestResult t = stats::student_ttest(groups[i], groups[j]);
        const double d = stats::cohens_d(groups[i], groups[j]);
        EquivalencePair pair;
        pair.metric = metric;
        pair.backend_a = blocks.backends[i];
        pair.backend_b = blocks.backends[j];
        pair.mean_a = finite_or_unset(stats::mean(groups[i]));
        pair.mean_b = finite_or_unset(stats::mean(groups[j]));
        pair.t = finite_or_unset(t.t);
        pair.df = finite_or_unset(t.df);
        pair.p = finite_or_unset(t.p);
        pair.cohens_d = finite_or_unset(d);
        pair.magnitude = stats::effect_magnitude_name(stats::effect_magnitude(d));
        pair.paired = paired(by_backend.at(blocks.backends[i]), by_backend.at(blocks.backends[j]), run.tost_margin);
        out.pairs.push_back(std::move(pair));
        p_values.push_back(std::isfinite(t.p) ? t.p : NAN);
      }
    }
  }
  if (!p_values.empty()) {
    const stats::HolmResult h = stats::holm_adjust(p_values, kAlpha);
    for (size_t i = 0; i < out.pairs.size(); ++i) {
      out.pairs[i].p_holm = finite_or_unset(h.adjusted[i]);
      out.pairs[i].reject = static_cast<bool>(h.reject[i]);
    }
  }
  out.accuracy = accuracy(run, blocks);
  return out;
}

bool compared(const BackendEquivalence& e) { return e.backends.size() >= 2 && !e.complete_blocks.empty(); }

// Holm's family is every pair: one Student t-test each.
std::string equivalence_note(const BackendEquivalence& e) {
  if (!compared(e)) {
    return e.backends.size() < 2 ? "one backend: nothing to compare"
                                 : "no (model, variant) ran on every backend: no complete block";
  }
  return "groups pool every generate sample of the complete blocks; Holm over all " + std::to_string(e.pairs.size()) +
         " pairwise Student t-tests; TOST on paired differences within ±" + margin_text(e.tost_margin) +
         " (analysis: tost_margin); mde = minimum detectable mean difference at 80 % power";
}

const char* loglikelihood_note(const LoglikelihoodDelta& d) {
  if (!d.noise_floor || !d.within_noise) {
    return "the packing noise of a backend was not measured (a remote backend, or a run before it was)";
  }
  if (*d.within_noise) {
    return "every difference is within the packing noise of the engines themselves: not evidence of a difference "
           "between the configurations";
  }
  return *d.noise_floor == 0 ? "both engines are batch-invariant (packing noise 0): every difference is the "
                               "configurations'"
                             : "the largest difference exceeds the engines' packing noise";
}

}  // namespace qualm::analysis
