#include "analysis/disagreements.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/utf8.h"
#include "stats/mcnemar.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

constexpr size_t kShown = 20;
constexpr size_t kContext = 40;  // characters of shared text shown before a divergence, and after it per side

using SampleKey = std::tuple<std::string, int64_t, int>;  // task, sample, rep

// Where two texts part: the byte offset of the first character that differs (whole characters).
size_t divergence(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  while (i > 0 && i < std::max(a.size(), b.size()) &&
         (static_cast<unsigned char>(i < a.size() ? a[i] : b[i]) & 0xC0) == 0x80) {
    --i;  // back to the start of the character that differs
  }
  return i;
}

// At most n characters of text from byte `from` (forward) or ending at it (backward).
std::string chars_after(std::string_view text, size_t from, size_t n) {
  size_t end = from;
  for (size_t k = 0; k < n && end < text.size(); ++k)
    end += std::max<size_t>(1, utf8_char_bytes(static_cast<unsigned char>(text[end])));
  return utf8_replacing_invalid(text.substr(from, std::min(end, text.size()) - from));
}
std::string chars_before(std::string_view text, size_t to, size_t n) {
  size_t begin = to;
  for (size_t k = 0; k < n && begin > 0; ++k) {
    --begin;
    while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  }
  return utf8_replacing_invalid(text.substr(begin, to - begin));
}

std::string output_of(const SampleRecord& r) {
  if (r.raw_output && *r.raw_output) return **r.raw_output;
  return r.candidate.value_or("");
}

using Step = std::vector<TokenChoice>;

// The text a record's steps chose, token after token (printable pieces: see TokenChoice).
std::string chosen_text(const std::vector<Step>& steps) {
  std::string out;
  for (const auto& step : steps) out += step.front().text;
  return out;
}

// One side of where two greedy outputs part: the step whose chosen token covers byte `at` of
// the chosen texts (past the end: the end-of-generation step, when the output ended so), or
// nullopt where there is none.
std::optional<size_t> step_at(const SampleRecord& r, size_t at) {
  const auto& steps = *r.top_logprobs;
  size_t end = 0;
  for (size_t k = 0; k < steps.size(); ++k) {
    end += steps[k].front().text.size();
    if (at < end) return k;
  }
  if (r.stop_reason && *r.stop_reason == "eos") return steps.size() - 1;
  return std::nullopt;
}

// Both sides' first token where two greedy outputs part (the first byte where the tokens chosen
// differ): each side's step index, unset where it has none. Both unset when either record has no
// steps (a server that gives no log-probs, older records).
struct FirstToken {
  std::optional<size_t> a, b;
};
bool has_steps(const SampleRecord& r) { return r.top_logprobs && !r.top_logprobs->empty(); }
FirstToken first_token(const SampleRecord& a, const SampleRecord& b) {
  if (!has_steps(a) || !has_steps(b)) return {};
  const std::string x = chosen_text(*a.top_logprobs), y = chosen_text(*b.top_logprobs);
  const size_t at = static_cast<size_t>(std::mismatch(x.begin(), x.end(), y.begin(), y.end()).first - x.begin());
  return {step_at(a, at), step_at(b, at)};
}

// Whether two greedy outputs part at a near tie: at each side's first differing token, its
// model gives the other side's token (by text) a probability within kNearTie of its own choice's.
constexpr double kNearTie = 0.05;
bool near_tie(const Step& a, const Step& b) {
  const auto gap = [](const Step& side, const std::string& other) {
    for (const TokenChoice& c : side) {
      if (c.text == other) return std::exp(side.front().logprob) - std::exp(c.logprob);
    }
    return 1.0;  // the other's token is not among this side's candidates
  };
  return gap(a, b.front().text) < kNearTie && gap(b, a.front().text) < kNearTie;
}

// {index, top: [{token, prob}]} of one side's step, the chosen token first; null where unset.
json side_json(const SampleRecord& r, std::optional<size_t> k) {
  if (!k) return nullptr;
  json top = json::array();
  for (const TokenChoice& c : (*r.top_logprobs)[*k]) top.push_back({{"token", c.text}, {"prob", std::exp(c.logprob)}});
  return {{"index", *k}, {"top", std::move(top)}};
}

json loglikelihoods(const SampleRecord& r) {
  json out = json::array();
  for (const ChoiceRecord& c : *r.choices) out.push_back(c.loglikelihood);
  return out;
}

// One benchmark's decisions of two configurations on the same items: right/wrong under each.
struct FlipMatrix {
  int64_t both_right = 0, only_a_right = 0, only_b_right = 0, both_wrong = 0, answers_differ = 0;
  void add(bool a_right, bool b_right, bool differ) {
    (a_right ? (b_right ? both_right : only_a_right) : (b_right ? only_b_right : both_wrong)) += 1;
    answers_differ += differ ? 1 : 0;
  }
};

json flip_matrices(const std::map<std::string, FlipMatrix>& flips) {
  json out = json::array();
  for (const auto& [task, f] : flips) {
    out.push_back({{"task", task},
                   {"compared", f.both_right + f.only_a_right + f.only_b_right + f.both_wrong},
                   {"both_right", f.both_right},
                   {"only_a_right", f.only_a_right},
                   {"only_b_right", f.only_b_right},
                   {"both_wrong", f.both_wrong},
                   {"answers_differ", f.answers_differ},
                   {"mcnemar_p", stats::mcnemar_exact(f.only_a_right, f.only_b_right).p}});
  }
  return out;
}

struct Side {
  std::map<SampleKey, const SampleRecord*> mc, greedy;
};

}  // namespace

json disagreements(const RunData& run) {
  std::vector<ConfigKey> order;
  std::map<ConfigKey, Side> sides;
  for (const SampleRecord* r : run.ok_records()) {
    const TaskKind kind = run.kind_of(*r);
    auto [it, fresh] = sides.try_emplace(r->config);
    if (fresh) order.push_back(r->config);
    const SampleKey key{r->task_name, r->sample_id, r->rep};
    if (kind == TaskKind::kMultipleChoice && r->pred && r->choices && !r->choices->empty()) {
      it->second.mc[key] = r;
    } else if (kind == TaskKind::kGenerate && r->temperature.value_or(0) == 0) {
      it->second.greedy[key] = r;
    }
  }
  json pairs = json::array();
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = i + 1; j < order.size(); ++j) {
      const Side &a = sides[order[i]], &b = sides[order[j]];
      int64_t mc_compared = 0, mc_differing = 0, gen_compared = 0, gen_differing = 0, gen_stepped = 0, near_ties = 0;
      int64_t only_a_right = 0, only_b_right = 0;      // McNemar's discordant pairs
      std::map<std::string, FlipMatrix> flips;          // per task
      std::vector<std::pair<double, json>> mc_items;   // |Δ LL|, item
      std::vector<std::pair<size_t, json>> gen_items;  // divergence, item
      for (const auto& [key, ra] : a.mc) {
        const auto it = b.mc.find(key);
        if (it == b.mc.end() || it->second->choices->size() != ra->choices->size()) continue;
        const SampleRecord* rb = it->second;
        ++mc_compared;
        const bool a_right = ra->chose_gold("acc").value_or(false), b_right = rb->chose_gold("acc").value_or(false);
        only_a_right += a_right && !b_right ? 1 : 0;
        only_b_right += b_right && !a_right ? 1 : 0;
        flips[std::get<0>(key)].add(a_right, b_right, ra->pred->acc != rb->pred->acc);
        if (ra->pred->acc == rb->pred->acc) continue;
        ++mc_differing;
        double max_dll = 0;
        for (size_t c = 0; c < ra->choices->size(); ++c) {
          max_dll = std::max(max_dll, std::fabs((*ra->choices)[c].loglikelihood - (*rb->choices)[c].loglikelihood));
        }
        json item = {{"kind", "multiple_choice"},
                     {"task", std::get<0>(key)},
                     {"sample_id", std::get<1>(key)},
                     {"rep", std::get<2>(key)},
                     {"gold", ra->gold ? json(*ra->gold) : json(nullptr)},
                     {"pred_a", ra->pred->acc},
                     {"pred_b", rb->pred->acc},
                     {"loglikelihoods_a", loglikelihoods(*ra)},
                     {"loglikelihoods_b", loglikelihoods(*rb)},
                     {"max_abs_dll", max_dll}};
        mc_items.emplace_back(max_dll, std::move(item));
      }
      for (const auto& [key, ra] : a.greedy) {
        const auto it = b.greedy.find(key);
        if (it == b.greedy.end()) continue;
        ++gen_compared;
        const std::string x = output_of(*ra), y = output_of(*it->second);
        if (x == y) continue;
        ++gen_differing;
        const size_t at = divergence(x, y);
        const SampleRecord& rb = *it->second;
        const FirstToken first = first_token(*ra, rb);
        if (first.a && first.b) {
          ++gen_stepped;
          near_ties += near_tie((*ra->top_logprobs)[*first.a], (*rb.top_logprobs)[*first.b]) ? 1 : 0;
        }
        json item = {{"kind", "generate"},
                     {"task", std::get<0>(key)},
                     {"sample_id", std::get<1>(key)},
                     {"rep", std::get<2>(key)},
                     {"diverges_at_char", utf8_length(std::string_view(x).substr(0, at))},
                     {"shared", chars_before(x, at, kContext)},
                     {"a_then", chars_after(x, at, kContext)},
                     {"b_then", chars_after(y, at, kContext)},
                     {"first_token", has_steps(*ra) && has_steps(rb)
                                         ? json{{"a", side_json(*ra, first.a)}, {"b", side_json(rb, first.b)}}
                                         : json(nullptr)}};
        gen_items.emplace_back(at, std::move(item));
      }
      if (mc_compared == 0 && gen_compared == 0) continue;
      std::stable_sort(mc_items.begin(), mc_items.end(),
                       [](const auto& p, const auto& q) { return p.first > q.first; });
      std::stable_sort(gen_items.begin(), gen_items.end(),
                       [](const auto& p, const auto& q) { return p.first < q.first; });
      json top = json::array();
      for (auto& [_, item] : mc_items) {
        if (top.size() < kShown) top.push_back(std::move(item));
      }
      for (auto& [_, item] : gen_items) {
        if (top.size() < kShown) top.push_back(std::move(item));
      }
      pairs.push_back({{"a", config_json(order[i])},
                       {"b", config_json(order[j])},
                       {"multiple_choice",
                        {{"compared", mc_compared},
                         {"differing", mc_differing},
                         {"only_a_right", only_a_right},
                         {"only_b_right", only_b_right},
                         {"mcnemar_p", stats::mcnemar_exact(only_a_right, only_b_right).p},
                         {"by_task", flip_matrices(flips)}}},
                       {"generate",
                        {{"compared", gen_compared},
                         {"differing", gen_differing},
                         {"with_first_token", gen_stepped},
                         {"near_ties", near_ties}}},
                       {"top", std::move(top)}});
    }
  }
  return {{"shown_per_pair", kShown}, {"pairs", std::move(pairs)}};
}

}  // namespace qualm::analysis
