#include "run/shards.h"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <tuple>

#include "core/errors.h"
#include "core/sha256.h"

namespace qualm {
namespace {

// About four bytes a token, at least one.
int64_t tokens(const std::string& text) { return static_cast<int64_t>(text.size() / 4 + 1); }

// The tokens one document costs to score: its context and every choice, its prompt and what
// it may generate (a generated token costs a decode step of its own), once per repeat, its text (twice for
// kld: the base and the candidate).
int64_t document_cost(const PlannedTask& t, size_t doc) {
  switch (t.kind) {
    case TaskKind::kMultipleChoice: {
      int64_t n = tokens(t.text(doc));
      for (const std::string& c : t.mc->docs[doc].choices) n += tokens(c);
      return n;
    }
    case TaskKind::kGenerate:  // each of lm-eval's repeats generates again
      return static_cast<int64_t>(std::max(1, t.spec().repeats)) *
             (tokens(t.text(doc)) + 4 * static_cast<int64_t>(t.max_new_tokens));
    case TaskKind::kRolling:
      return tokens(t.text(doc));
    case TaskKind::kKld:
      return 2 * tokens(t.text(doc));
  }
  return 1;
}

bool parse_int(std::string_view s, int& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

size_t chunk_documents(TaskKind kind) {
  switch (kind) {
    case TaskKind::kMultipleChoice:
      return 64;
    case TaskKind::kGenerate:
      return 16;  // the llama backend's parallel sequences
    case TaskKind::kRolling:
    case TaskKind::kKld:
      return 8;
  }
  return 8;
}

std::vector<WorkUnit> work_units(const Plan& plan) {
  std::vector<WorkUnit> units;
  for (size_t c = 0; c < plan.cells.size(); ++c) {
    if (plan.cells[c].skipped) continue;
    const PlannedTask& t = plan.tasks[plan.cells[c].task];
    const size_t chunk = chunk_documents(t.kind);
    for (int rep = 0; rep < t.repetitions; ++rep) {
      for (size_t begin = 0; begin < t.n_docs; begin += chunk) {
        WorkUnit u{c, rep, begin, std::min(t.n_docs, begin + chunk), 0};
        for (size_t d = u.begin; d < u.end; ++d) u.cost += document_cost(t, d);
        units.push_back(u);
      }
    }
  }
  return units;
}

std::string ShardSpec::dir_name() const { return std::to_string(index) + "-of-" + std::to_string(count); }

std::optional<ShardSpec> parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  ShardSpec s;
  if (slash == std::string::npos || !parse_int(std::string_view(text).substr(0, slash), s.index) ||
      !parse_int(std::string_view(text).substr(slash + 1), s.count) || s.count < 1 || s.index < 0 ||
      s.index >= s.count) {
    return std::nullopt;
  }
  return s;
}

std::optional<ShardSpec> resolve_shard(const std::string& shard_flag, int shard_count_flag, Getenv getenv) {
  if (shard_flag.empty() && shard_count_flag <= 0) return std::nullopt;
  const auto env_int = [&](const char* name) -> std::optional<int> {
    const char* v = getenv(name);
    int n = 0;
    if (v == nullptr || *v == '\0') return std::nullopt;
    if (!parse_int(v, n) || n < 0)
      throw InputError(std::string("$") + name, std::string("'") + v + "' is not a number",
                       "unset it or set a job array index");
    return n;
  };
  if (!shard_flag.empty() && shard_flag != "env") {
    const std::optional<ShardSpec> s = parse_shard(shard_flag);
    if (!s)
      throw InputError("--shard " + shard_flag, "not I/N with 0 <= I < N",
                       "e.g. --shard 0/4 for the first of four shards, or --shard env in a job array");
    if (shard_count_flag > 0 && shard_count_flag != s->count) {
      throw InputError("--shard-count " + std::to_string(shard_count_flag), "differs from --shard " + shard_flag,
                       "give one of them");
    }
    return s;
  }
  ShardSpec s;
  std::string from;
  if (const std::optional<int> id = env_int("SLURM_ARRAY_TASK_ID")) {
    s.index = *id - env_int("SLURM_ARRAY_TASK_MIN").value_or(0);
    from = "SLURM_ARRAY_TASK_ID";
  } else if (const std::optional<int> k8s = env_int("JOB_COMPLETION_INDEX")) {
    s.index = *k8s;
    from = "JOB_COMPLETION_INDEX";
  } else {
    throw InputError("--shard env", "no job array index: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set",
                     "submit with sbatch --array, as a Kubernetes Indexed Job, or give --shard I/N");
  }
  if (shard_count_flag > 0) {
    s.count = shard_count_flag;
  } else if (const std::optional<int> n = env_int("SLURM_ARRAY_TASK_COUNT")) {
    s.count = *n;
  } else {
    throw InputError("--shard env", "no shard count: SLURM_ARRAY_TASK_COUNT is not set", "give --shard-count N");
  }
  if (s.count < 1 || s.index < 0 || s.index >= s.count) {
    throw InputError("--shard env", from + " gives shard " + std::to_string(s.index) + " of " + std::to_string(s.count),
                     "the array's indices must run from 0 (or SLURM_ARRAY_TASK_MIN) to N-1");
  }
  return s;
}

ShardDeal deal_units(const std::vector<WorkUnit>& units, const ShardSpec& spec) {
  std::vector<size_t> order(units.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest first (ties in plan order), each to the least-loaded shard (ties: the lowest index).
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return units[a].cost > units[b].cost; });
  std::vector<int64_t> load(static_cast<size_t>(spec.count), 0);
  ShardDeal deal;
  deal.shard_of.assign(units.size(), 0);
  deal.owned.assign(units.size(), false);
  for (size_t u : order) {
    const size_t s = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[s] += units[u].cost;
    deal.shard_of[u] = static_cast<int>(s);
  }
  std::string text = std::to_string(spec.count);
  for (size_t u = 0; u < units.size(); ++u) {
    const WorkUnit& w = units[u];
    text += "\n" + std::to_string(w.cell) + " " + std::to_string(w.rep) + " " + std::to_string(w.begin) + " " +
            std::to_string(w.end) + " " + std::to_string(deal.shard_of[u]);
    if (deal.shard_of[u] == spec.index) {
      deal.owned[u] = true;
      deal.samples += w.samples();
      ++deal.units;
    }
  }
  deal.sha256 = sha256_hex(text);
  return deal;
}

ShardFilter::ShardFilter(const std::vector<WorkUnit>& units, const ShardDeal& deal)
    : all_(false), samples_(deal.samples) {
  for (size_t u = 0; u < units.size(); ++u) {
    if (deal.owned[u]) owned_.emplace_back(units[u].cell, units[u].rep, units[u].begin);
  }
  std::sort(owned_.begin(), owned_.end());
}

bool ShardFilter::owns(size_t cell, int rep, size_t begin) const {
  return all_ || std::binary_search(owned_.begin(), owned_.end(), std::make_tuple(cell, rep, begin));
}

}  // namespace qualm
