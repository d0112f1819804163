// summary.json's `disagreements`: the typed Disagreements (disagreements.h) written and read.

#include <cmath>

#include "analysis/disagreements.h"  // the types this file writes and reads
#include "analysis/json_fields.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

namespace {

// ---- Writing

json parting_json(const std::optional<PartingToken>& p) {
  if (!p) return nullptr;
  json top = json::array();
  for (const auto& [token, prob] : p->top) top.push_back({{"token", token}, {"prob", prob}});
  return {{"index", p->index}, {"top", std::move(top)}};
}

json item_json(const DisagreementItem& item) {
  if (const auto* m = std::get_if<AnswerItem>(&item)) {
    return {{"kind", "multiple_choice"},
            {"task", m->task},
            {"sample_id", m->sample_id},
            {"rep", m->rep},
            {"gold", m->gold ? json(*m->gold) : json(nullptr)},
            {"pred_a", m->pred_a},
            {"pred_b", m->pred_b},
            {"loglikelihoods_a", m->loglikelihoods_a},
            {"loglikelihoods_b", m->loglikelihoods_b},
            {"max_abs_dll", m->max_abs_dll}};
  }
  const auto& g = std::get<OutputItem>(item);
  return {{"kind", "generate"},
          {"task", g.task},
          {"sample_id", g.sample_id},
          {"rep", g.rep},
          {"diverges_at_char", g.diverges_at_char},
          {"shared", g.shared},
          {"a_then", g.a_then},
          {"b_then", g.b_then},
          {"first_token",
           g.with_steps ? json{{"a", parting_json(g.first_a)}, {"b", parting_json(g.first_b)}} : json(nullptr)}};
}

const Counts<FlipMatrix> kFlipCounts = {{"both_right", &FlipMatrix::both_right},
                                        {"only_a_right", &FlipMatrix::only_a_right},
                                        {"only_b_right", &FlipMatrix::only_b_right},
                                        {"both_wrong", &FlipMatrix::both_wrong},
                                        {"answers_differ", &FlipMatrix::answers_differ}};
const Counts<AnswerFlips> kAnswerCounts = {{"compared", &AnswerFlips::compared},
                                           {"differing", &AnswerFlips::differing},
                                           {"only_a_right", &AnswerFlips::only_a_right},
                                           {"only_b_right", &AnswerFlips::only_b_right}};
const Counts<OutputDiffs> kOutputCounts = {{"compared", &OutputDiffs::compared},
                                           {"differing", &OutputDiffs::differing},
                                           {"with_first_token", &OutputDiffs::with_first_token},
                                           {"near_ties", &OutputDiffs::near_ties}};

json pair_json(const PairDisagreements& p) {
  json mc = {{"mcnemar_p", p.multiple_choice.mcnemar_p}, {"by_task", json::array()}}, gen = json::object();
  write(mc, p.multiple_choice, {}, kAnswerCounts);
  for (const FlipMatrix& f : p.multiple_choice.by_task) {
    json flips = {{"task", f.task}, {"compared", f.compared()}, {"mcnemar_p", f.mcnemar_p}};
    write(flips, f, {}, kFlipCounts);
    mc["by_task"].push_back(std::move(flips));
  }
  write(gen, p.generate, {}, kOutputCounts);
  json top = json::array();
  for (const DisagreementItem& item : p.top) top.push_back(item_json(item));
  return {{"a", config_json(p.a)},
          {"b", config_json(p.b)},
          {"multiple_choice", std::move(mc)},
          {"generate", std::move(gen)},
          {"top", std::move(top)}};
}

// ---- Reading: any member may be missing or of another type (json_fields.h).

std::vector<double> numbers(const json& j, const char* key) {
  std::vector<double> out;
  for (const json& v : items(j, key)) out.push_back(v.is_number() ? v.get<double>() : NAN);
  return out;
}

std::optional<PartingToken> parting_of(const json& j) {
  if (!j.is_object()) return std::nullopt;
  PartingToken p{count(j, "index"), {}};
  for (const json& c : items(j, "top")) p.top.emplace_back(text(c, "token"), number(c, "prob", 0));
  return p;
}

DisagreementItem item_of(const json& j) {
  if (text(j, "kind") == "multiple_choice") {
    const json& gold = member(j, "gold");
    return AnswerItem{text(j, "task"),
                      count(j, "sample_id"),
                      static_cast<int>(count(j, "rep")),
                      gold.is_number_integer() ? std::optional<int64_t>(gold.get<int64_t>()) : std::nullopt,
                      count(j, "pred_a"),
                      count(j, "pred_b"),
                      numbers(j, "loglikelihoods_a"),
                      numbers(j, "loglikelihoods_b"),
                      number(j, "max_abs_dll", NAN)};
  }
  const json& first = member(j, "first_token");
  return OutputItem{text(j, "task"),
                    count(j, "sample_id"),
                    static_cast<int>(count(j, "rep")),
                    count(j, "diverges_at_char"),
                    text(j, "shared"),
                    text(j, "a_then"),
                    text(j, "b_then"),
                    first.is_object(),
                    parting_of(member(first, "a")),
                    parting_of(member(first, "b"))};
}

}  // namespace

void to_json(json& j, const Disagreements& d) {
  json pairs = json::array();
  for (const PairDisagreements& p : d.pairs) pairs.push_back(pair_json(p));
  j = {{"shown_per_pair", d.shown_per_pair}, {"pairs", std::move(pairs)}};
}

void from_json(const json& j, Disagreements& d) {
  d = {count(j, "shown_per_pair"), {}};
  for (const json& p : items(j, "pairs")) {
    PairDisagreements pair{config_of(member(p, "a")), config_of(member(p, "b")), {}, {}, {}};
    const json& mc = member(p, "multiple_choice");
    read(mc, pair.multiple_choice, {}, kAnswerCounts);
    pair.multiple_choice.mcnemar_p = number(mc, "mcnemar_p", 1);
    for (const json& f : items(mc, "by_task")) {
      FlipMatrix flips{text(f, "task")};
      read(f, flips, {}, kFlipCounts);
      flips.mcnemar_p = number(f, "mcnemar_p", 1);
      pair.multiple_choice.by_task.push_back(std::move(flips));
    }
    read(member(p, "generate"), pair.generate, {}, kOutputCounts);
    for (const json& item : items(p, "top")) pair.top.push_back(item_of(item));
    d.pairs.push_back(std::move(pair));
  }
}

}  // namespace qualm::analysis
