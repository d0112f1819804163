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

constexpr size_t kShown = 20;

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

// One side's step, the chosen token first, as probabilities; nullopt where unset.
std::optional<PartingToken> parting_token(const SampleRecord& r, std::optional<size_t> k) {
  if (!k) return std::nullopt;
  PartingToken out{static_cast<int64_t>(*k), {}};
  for (const TokenChoice& c : (*r.top_logprobs)[*k]) out.top.emplace_back(c.text, std::exp(c.logprob));
  return out;
}

std::vector<double> loglikelihoods(const SampleRecord& r) {
  std::vector<double> out;
  for (const ChoiceRecord& c : *r.choices) out.push_back(c.loglikelihood);
  return out;
}

void add(FlipMatrix& f, bool a_right, bool b_right, bool differ) {
  (a_right ? (b_right ? f.both_right : f.only_a_right) : (b_right ? f.only_b_right : f.both_wrong)) += 1;
  f.answers_differ += differ ? 1 : 0;
}

struct Side {
  std::map<SampleKey, const SampleRecord*> mc, greedy;
};

}  // namespace

Disagreements disagreements(const RunData& run) {
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
  Disagreements out{static_cast<int64_t>(kShown), {}};
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = i + 1; j < order.size(); ++j) {
      const Side &a = sides[order[i]], &b = sides[order[j]];
      PairDisagreements pair{order[i], order[j], {}, {}, {}};
      AnswerFlips& mc = pair.multiple_choice;
      OutputDiffs& gen = pair.generate;
      std::map<std::string, FlipMatrix> flips;               // per task
      std::vector<std::pair<double, AnswerItem>> mc_items;   // |Δ LL|, item
      std::vector<std::pair<size_t, OutputItem>> gen_items;  // divergence, item
      for (const auto& [key, ra] : a.mc) {
        const auto it = b.mc.find(key);
        if (it == b.mc.end() || it->second->choices->size() != ra->choices->size()) continue;
        const SampleRecord* rb = it->second;
        ++mc.compared;
        const bool a_right = ra->chose_gold("acc").value_or(false), b_right = rb->chose_gold("acc").value_or(false);
        mc.only_a_right += a_right && !b_right ? 1 : 0;
        mc.only_b_right += b_right && !a_right ? 1 : 0;
        add(flips[std::get<0>(key)], a_right, b_right, ra->pred->acc != rb->pred->acc);
        if (ra->pred->acc == rb->pred->acc) continue;
        ++mc.differing;
        double max_dll = 0;
        for (size_t c = 0; c < ra->choices->size(); ++c) {
          max_dll = std::max(max_dll, std::fabs((*ra->choices)[c].loglikelihood - (*rb->choices)[c].loglikelihood));
        }
        mc_items.emplace_back(max_dll,
                              AnswerItem{std::get<0>(key), std::get<1>(key), std::get<2>(key), ra->gold, ra->pred->acc,
                                         rb->pred->acc, loglikelihoods(*ra), loglikelihoods(*rb), max_dll});
      }
      for (const auto& [key, ra] : a.greedy) {
        const auto it = b.greedy.find(key);
        if (it == b.greedy.end()) continue;
        ++gen.compared;
        const std::string x = output_of(*ra), y = output_of(*it->second);
        if (x == y) continue;
        ++gen.differing;
        const size_t at = divergence(x, y);
        const SampleRecord& rb = *it->second;
        const FirstToken first = first_token(*ra, rb);
        if (first.a && first.b) {
          ++gen.with_first_token;
          gen.near_ties += near_tie((*ra->top_logprobs)[*first.a], (*rb.top_logprobs)[*first.b]) ? 1 : 0;
        }
        gen_items.emplace_back(
            at, OutputItem{std::get<0>(key), std::get<1>(key), std::get<2>(key),
                           static_cast<int64_t>(utf8_length(std::string_view(x).substr(0, at))),
                           chars_before(x, at, kDisagreementContextChars),
                           chars_after(x, at, kDisagreementContextChars), chars_after(y, at, kDisagreementContextChars),
                           has_steps(*ra) && has_steps(rb), parting_token(*ra, first.a), parting_token(rb, first.b)});
      }
      if (mc.compared == 0 && gen.compared == 0) continue;
      mc.mcnemar_p = stats::mcnemar_exact(mc.only_a_right, mc.only_b_right).p;
      for (auto& [task, f] : flips) {
        f.task = task;
        f.mcnemar_p = stats::mcnemar_exact(f.only_a_right, f.only_b_right).p;
        mc.by_task.push_back(std::move(f));
      }
      std::stable_sort(mc_items.begin(), mc_items.end(),
                       [](const auto& p, const auto& q) { return p.first > q.first; });
      std::stable_sort(gen_items.begin(), gen_items.end(),
                       [](const auto& p, const auto& q) { return p.first < q.first; });
      for (auto& [_, item] : mc_items) {
        if (pair.top.size() < kShown) pair.top.emplace_back(std::move(item));
      }
      for (auto& [_, item] : gen_items) {
        if (pair.top.size() < kShown) pair.top.emplace_back(std::move(item));
      }
      out.pairs.push_back(std::move(pair));
    }
  }
  return out;
}

}  // namespace qualm::analysis
