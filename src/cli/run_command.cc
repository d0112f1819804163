#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

#include "backend/llama/layer_cut.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/sha256.h"
#include "analysis/summary.h"
#include "cli/run_output.h"
#include "config/bounds.h"
#include "config/gate.h"
#include "report/run_report.h"
#include "run/manifest.h"
#include "run/plan.h"
#include "run/runner.h"
#include "run/sample_log.h"
#include "run/shards.h"
#include "run/variants.h"

namespace qualm::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunFlags {
  std::string config;
  std::string out;
  bool resume = false;
  bool dry_run = false;
  int limit = -1;
  std::vector<std::string> gates;  // --gate, after the experiment's gates:
  std::string shard;               // --shard I/N or env
  int shard_count = 0;             // --shard-count N
};

// The experiment and its plan, or every problem in the file, its tasks, models and backends,
// and `more(experiment)` (the output folder), all at once (exit 2).
std::pair<Experiment, Plan> load(const std::string& file, int limit,
                                 const std::function<std::vector<ConfigProblem>(const Experiment&)>& more = {}) {
  ExperimentLoad loaded = load_experiment(file);
  std::vector<ConfigProblem> problems = loaded.problems;
  Plan plan;
  // A file that parsed plans too, so that problems in tasks and models come in the same list.
  if (!loaded.experiment.models.empty() && !loaded.experiment.tasks.empty()) {
    plan = make_plan(loaded.experiment, limit);
    problems.insert(problems.end(), plan.problems.begin(), plan.problems.end());
  }
  if (more) {
    for (const ConfigProblem& p : more(loaded.experiment)) problems.push_back(p);
  }
  if (!problems.empty()) {
    std::set<std::string> printed;
    for (const ConfigProblem& p : problems) {
      if (printed.insert(p.message()).second) std::cerr << "qualm: error: " << p.message() << "\n";
    }
    throw InputError(file, std::to_string(printed.size()) + " problem(s) in the experiment", "see above");
  }
  return {std::move(loaded.experiment), std::move(plan)};
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) throw InputError(path.string(), "not valid JSON", "start a new run without --resume");
  return j;
}

// --resume without --out continues the newest runs/<experiment>-* directory.
fs::path latest_run(const std::string& experiment) {
  fs::path best;
  if (fs::is_directory("runs")) {
    for (const auto& entry : fs::directory_iterator("runs")) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory() && name.starts_with(experiment + "-") && (best.empty() || name > best.filename().string())) {
        best = entry.path();
      }
    }
  }
  if (best.empty()) throw InputError("--resume", "no run of " + experiment + " under runs/", "name it with --out DIR");
  return best;
}

void print_dry_run(const Experiment& e, const Plan& plan) {
  print_plan(std::cout, e, plan);
  for (const ModelSpec& m : e.models) {
    for (const VariantSpec& v : m.variants) {
      if (m.remote) {
        std::cout << "variant " << m.name << "/" << v.name << ": served by remote backends\n";
        continue;
      }
      const VariantFile f = variant_file(m, v, llama::model_cache_dir(), false);
      std::cout << "variant " << m.name << "/" << v.name << ": " << f.path.string();
      if (f.derived) std::cout << (f.exists ? " (derived, cached)" : " (derived with qualm quantize when run)");
      std::cout << "\n";
    }
  }
}

// Where the run writes: --out, else the newest run to resume, else a new runs/<experiment>-<time>.
fs::path run_dir(const RunFlags& f, const Experiment& e) {
  if (!f.out.empty()) return f.out;
  return f.resume ? latest_run(e.name) : fs::path("runs") / (e.name + "-" + utc_stamp());
}

// A shard writes its records and manifest only; `qualm merge` writes the reports of the whole.
int finish_shard(const ShardSpec& shard, const analysis::RunData& data, const RunOutcome& outcome, const fs::path& out) {
  const json& counts = data.manifest["counts"];
  std::printf("shard %d/%d: %lld of %lld samples in %s, %lld errors\n", shard.index, shard.count,
              static_cast<long long>(counts.value("evaluated", int64_t{0}) + counts.value("errors", int64_t{0})),
              static_cast<long long>(data.planned), data.dir.string().c_str(),
              static_cast<long long>(counts.value("errors", int64_t{0})));
  std::printf("when all %d shards are done: qualm merge %s\n", shard.count, out.string().c_str());
  for (const std::string& why : outcome.errors) std::cerr << "qualm: error: " << why << "\n";
  return counts.value("errors", int64_t{0}) > 0 ? static_cast<int>(ExitCode::kRunFailed) : 0;
}

// What a shard's manifest says of its part: `qualm merge` checks it.
json shard_json(const ShardSpec& spec, const ShardDeal& deal, size_t units) {
  return {{"index", spec.index}, {"count", spec.count}, {"units", deal.units}, {"units_total", units},
          {"samples", deal.samples}, {"partition_sha256", deal.sha256}};
}

int run_run(const RunFlags& f) {
  for (const std::string& g : f.gates) (void)parse_gate(g, "--gate");  // bad text: exit 2 before anything runs
  const auto getenv = [](const char* name) -> const char* { return std::getenv(name); };
  const std::optional<ShardSpec> shard = resolve_shard(f.shard, f.shard_count, getenv);
  if (shard && f.out.empty()) {
    throw InputError("--shard", "needs --out DIR, the same folder for every shard",
                     "e.g. --out runs/big on every shard, then qualm merge runs/big");
  }
  const auto out_problems = [&f](const Experiment& e) -> std::vector<ConfigProblem> {
    if (f.dry_run || (f.out.empty() && (f.resume || e.name.empty()))) return {};
    const fs::path dir = run_dir(f, e);
    if (const auto why = output_dir_problem(dir)) {
      return {{"--out " + dir.string(), *why, "name a folder qualm can write to"}};
    }
    return {};
  };
  const auto [e, plan] = load(f.config, f.limit, out_problems);
  const std::vector<WorkUnit> units = work_units(plan);
  const ShardDeal deal = deal_units(units, shard.value_or(ShardSpec{}));
  if (f.dry_run) {
    print_dry_run(e, plan);
    if (shard) {
      std::printf("shard %d/%d: %zu of %zu work units, %lld of %lld samples\n", shard->index, shard->count, deal.units,
                  units.size(), static_cast<long long>(deal.samples), static_cast<long long>(plan.samples()));
    }
    return 0;
  }
  // A shard's folder; a shard started again (a requeued array task) continues where it stopped.
  const fs::path dir = shard ? fs::path(f.out) / "shards" / shard->dir_name() : run_dir(f, e);
  const bool resume = f.resume || (shard && fs::exists(dir / "manifest.json"));
  std::string run_id = shard ? fs::path(f.out).filename().string() + "-" + shard->dir_name() : dir.filename().string();
  ManifestTimes times{utc_now(), ""};
  if (resume) {
    if (!fs::exists(dir / "manifest.json")) {
      throw InputError(dir.string(), "no run to resume here (manifest.json is missing)", "drop --resume to start one");
    }
    const json old = read_json(dir / "manifest.json");
    if (old.value("config_sha256", "") != sha256_hex(e.text) || old.value("limit", -1) != f.limit) {
      throw InputError(f.config, "differs from the experiment (or --limit) the run in " + dir.string() + " was started with",
                       "resume with the same file and --limit, or start a new run");
    }
    if (shard && old.value("shard", json::object()).value("partition_sha256", "") != deal.sha256) {
      throw InputError(dir.string(), "holds a shard of another partition of the work", "use a new --out for these shards");
    }
    run_id = old.value("run_id", run_id);
    times.started_at = old.value("started_at", times.started_at);
  }
  fs::create_directories(dir);
  SampleLog samples(dir / "samples.jsonl", resume);
  std::unique_ptr<SampleLog> pending;
  if (e.embedding_model) pending = std::make_unique<SampleLog>(dir / "pending.jsonl", resume);
  if (resume) {
    std::fprintf(stderr, "resuming %s: %lld records kept%s%s\n", dir.string().c_str(),
                 static_cast<long long>(samples.resumed()),
                 samples.dropped_errors() > 0 ? (", " + std::to_string(samples.dropped_errors()) + " error records retried").c_str() : "",
                 samples.dropped_torn_line() ? ", a torn last line dropped" : "");
  }
  const auto annotate = [&](json& manifest) {
    manifest["limit"] = f.limit;
    if (shard) manifest["shard"] = shard_json(*shard, deal, units.size());
  };
  json manifest = make_manifest(e, plan, run_id, times, nullptr, json::object());
  annotate(manifest);
  write_atomically(dir / "manifest.json", manifest.dump(2) + "\n");

  const ShardFilter filter = shard ? ShardFilter(units, deal) : ShardFilter();
  RunContext context{run_id, llama::model_cache_dir(), &samples, pending.get()};
  context.shard = shard ? &filter : nullptr;
  const RunOutcome outcome = run_experiment(e, plan, context);
  // Every pending record is in samples.jsonl now, unless the embedding model failed: then a
  // resumed run embeds them from pending.jsonl without generating again.
  const bool embedding_failed = std::any_of(outcome.errors.begin(), outcome.errors.end(),
                                            [](const std::string& why) { return why.starts_with("embedding model"); });
  if (pending && !embedding_failed) {
    pending.reset();
    fs::remove(dir / "pending.jsonl");
  }

  times.finished_at = utc_now();
  manifest = make_manifest(e, plan, run_id, times, &outcome, json::object());
  annotate(manifest);
  analysis::RunData data = analysis::make_run_data(manifest, read_samples(dir / "samples.jsonl"));
  data.dir = dir;
  if (shard) data.planned = deal.samples;  // a shard's counts are of its part
  manifest["counts"] = data.manifest["counts"] = analysis::record_counts(data);
  write_atomically(dir / "manifest.json", manifest.dump(2) + "\n");
  if (shard) return finish_shard(*shard, data, outcome, f.out);
  const analysis::Summary summary = report::write_run_reports(data, f.gates);
  print_results(summary, dir);
  constexpr size_t kShown = 5;  // the rest are in summary.json and samples.jsonl
  for (size_t i = 0; i < outcome.errors.size() && i < kShown; ++i) std::cerr << "qualm: error: " << outcome.errors[i] << "\n";
  if (outcome.errors.size() > kShown) {
    std::cerr << "qualm: error: ... and " << outcome.errors.size() - kShown
              << " more failed cells (summary.json lists every error record)\n";
  }
  if (summary.counts.errors > 0) return static_cast<int>(ExitCode::kRunFailed);
  return exit_for_gates(summary);
}

int run_validate(const std::string& file) {
  const auto [e, plan] = load(file, -1);
  std::printf("%s: ok: %zu models, %zu backends, %zu tasks; %zu cells (%lld skipped), %lld samples\n", file.c_str(),
              e.models.size(), e.backends.size(), plan.tasks.size(), plan.cells.size(),
              static_cast<long long>(plan.skipped_cells()), static_cast<long long>(plan.samples()));
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "run an experiment: models x variants x backends x tasks, with every artifact (SPEC S5)");
  cmd->add_option("experiment", flags->config, "experiment YAML")->required();
  cmd->add_option("--out", flags->out, "run directory (default runs/<experiment>-<UTC time>)");
  cmd->add_flag("--resume", flags->resume, "continue a killed run in --out (default: the newest under runs/)");
  cmd->add_option("--limit", flags->limit, "at most N documents per task")->check(CLI::Range(bounds::kLimit.min, bounds::kLimit.max));
  cmd->add_flag("--dry-run", flags->dry_run, "print the matrix: cells, samples, skipped cells and why");
  cmd->add_option("--gate", flags->gates, "quality gate METRIC[@TASK][:MODEL] OP VALUE (repeatable); a failure exits 3");
  cmd->add_option("--shard", flags->shard,
                  "run shard I/N of the work into --out/shards/I-of-N (then qualm merge); 'env': the index "
                  "from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX");
  cmd->add_option("--shard-count", flags->shard_count, "N shards, the index from the job array's environment")
      ->check(CLI::Range(1, 100000));
  cmd->callback([flags, &run] { run = [flags] { return run_run(*flags); }; });

  auto file = std::make_shared<std::string>();
  CLI::App* validate = app.add_subcommand("validate", "check an experiment file: every problem with file:line");
  validate->add_option("experiment", *file, "experiment YAML")->required();
  validate->callback([file, &run] { run = [file] { return run_validate(*file); }; });
}

}  // namespace qualm::cli
