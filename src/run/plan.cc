#include "run/plan.h"

#include <cstdio>
#include <map>

#include "backend/llama/gguf_file.h"
#include "backend/llama/llama_backend.h"
#include "backend/llama/runtime.h"
#include "core/errors.h"
#include "run/backend_factory.h"
#include "run/plan_checks.h"
#include "tasks/task_registry.h"

namespace qualm {
namespace {

bool matches(const std::optional<std::string>& rule, const std::string& value) { return !rule || *rule == value; }

const SkipRule* skip_rule_for(const Experiment& e, const Cell& c, const PlannedTask& t) {
  for (const SkipRule& r : e.skip) {
    if (matches(r.model, e.models[c.model].name) && matches(r.variant, e.models[c.model].variants[c.variant].name) &&
        matches(r.backend, e.backends[c.backend].name) && (matches(r.task, t.name) || matches(r.task, t.entry))) {
      return &r;
    }
  }
  return nullptr;
}

// The task's chat settings under the experiment's defaults: and then its own entry's.
TaskSpec with_chat(const Experiment& e, const TaskEntry& entry, TaskSpec spec) {
  const ChatSettings before = spec.chat;
  e.defaults.chat.apply_to(spec.chat);
  if (spec.chat != before) spec.chat_where = e.defaults.chat_where;
  const ChatSettings from_defaults = spec.chat;
  entry.chat.apply_to(spec.chat);
  if (spec.chat != from_defaults) spec.chat_where = entry.where;
  // An answer by generation is a letter or an option: a short reply, unless the task says otherwise.
  if (spec.chat.mc_mode == McMode::kGenerate && !spec.generation.max_new_tokens) spec.generation.max_new_tokens = 32;
  return spec;
}

std::optional<PlannedTask> plan_task(const Experiment& e, const TaskEntry& entry, const SelectedTask& s, int limit,
                                     std::vector<ConfigProblem>& problems) {
  PlannedTask t;
  t.name = s.spec.name;
  t.entry = entry.name;
  int docs = entry.limit;
  if (limit > 0 && (docs < 0 || docs > limit)) docs = limit;
  try {
    TaskSpec spec = with_chat(e, entry, s.spec);
    t.kind = task_kind(spec);
    if (t.kind == TaskKind::kMultipleChoice) {
      BuildOptions build;
      build.limit = docs;
      build.num_fewshot = entry.num_fewshot;
      t.mc = build_mc_task(spec, s.group, e.data_dir, build);
      t.n_docs = t.mc->docs.size();
    } else if (t.kind == TaskKind::kGenerate) {
      if (entry.num_fewshot) spec.num_fewshot = *entry.num_fewshot;
      t.temperature = entry.temperature.value_or(spec.generation.temperature.value_or(e.defaults.temperature));
      t.max_new_tokens = entry.max_new_tokens.value_or(spec.generation.max_new_tokens.value_or(e.defaults.max_new_tokens));
      t.repetitions = entry.repetitions.value_or(e.defaults.repetitions);
      spec.generation.temperature = t.temperature;
      spec.generation.max_new_tokens = t.max_new_tokens;
      t.gen = build_gen_task(spec, s.group, e.data_dir, docs);
      t.n_docs = t.gen->docs.size();
    } else {
      t.rolling = build_rolling_task(s.spec, s.group, e.data_dir, docs);
      t.n_docs = t.rolling->docs.size();
    }
  } catch (const InputError& err) {
    problems.push_back({entry.where, "task " + t.name + ": " + err.what(), ""});
    return std::nullopt;
  }
  if (t.n_docs == 0) {
    problems.push_back({entry.where,
                        "task " + t.name + ": its dataset " + t.outline().dataset + " (of " + t.spec().file.string() +
                            ") holds no documents",
                        "an experiment must evaluate something; blank lines and a CSV header alone are no documents"});
    return std::nullopt;
  }
  return t;
}

const char* kind_phrase(TaskKind kind) {
  return kind == TaskKind::kMultipleChoice ? "multiple-choice" : task_kind_name(kind);
}

// The GGUF's architecture, read from its header (a derived variant has its source's); empty
// for a file that cannot be read (check_cells names it).
std::string architecture(const ModelFiles& files, const ModelSpec& model, const VariantSpec& variant) {
  if (model.remote) return "";
  const llama::GgufSummary* gguf = files.find(ModelFiles::of(model, variant));
  return gguf != nullptr ? gguf->architecture : "";
}

}  // namespace

int64_t Plan::samples() const {
  int64_t n = 0;
  for (const Cell& c : cells) {
    if (!c.skipped) n += tasks[c.task].samples();
  }
  return n;
}

int64_t Plan::skipped_cells() const {
  int64_t n = 0;
  for (const Cell& c : cells) n += c.skipped ? 1 : 0;
  return n;
}

Capabilities declared_capabilities(const BackendSpec& b, const std::string& architecture) {
  Capabilities caps;
  const Capability all[] = {Capability::kGenerate, Capability::kLoglikelihood, Capability::kLoglikelihoodRolling,
                            Capability::kDistributions, Capability::kEmbed};
  for (Capability c : all) {
    if (b.remote()) caps.refuse(c, "a " + b.type + " backend's capabilities come from its server (remote_capabilities)");
    else if (b.device == "cuda" && !llama::gpu_offload_available())
      caps.refuse(c, "this llama.cpp was built without CUDA (rebuild it with -DGGML_CUDA=ON)");
    else if (c != Capability::kEmbed && llama::is_encoder_architecture(architecture))
      caps.refuse(c, "the model has no language-model head (architecture " + architecture + ")");
    else caps.support(c);
  }
  return caps;
}

Capability needed_capability(TaskKind kind) {
  switch (kind) {
    case TaskKind::kMultipleChoice: return Capability::kLoglikelihood;
    case TaskKind::kGenerate: return Capability::kGenerate;
    case TaskKind::kRolling: return Capability::kLoglikelihoodRolling;
    case TaskKind::kKld: return Capability::kDistributions;
  }
  return Capability::kGenerate;
}

int64_t PlannedTask::sample_id(size_t doc) const {
  return mc ? mc->doc_ids[doc] : gen ? gen->docs[doc].doc_id : rolling->docs[doc].doc_id;
}

const std::string& PlannedTask::text(size_t doc) const {
  return mc ? mc->docs[doc].context : gen ? gen->docs[doc].prompt : rolling->docs[doc].text;
}

TaskOutline PlannedTask::outline(const std::string& base_model) const {
  TaskOutline o{name, "", &spec(), kind, 0, "", 0, kind == TaskKind::kKld ? base_model : ""};
  if (mc) {
    o = {name, mc->group, &mc->spec, kind, mc->num_fewshot, mc->dataset_file, mc->total_docs, ""};
  } else if (gen) {
    o = {name, gen->group, &gen->spec, kind, gen->spec.num_fewshot, gen->dataset_file, gen->total_docs, ""};
  } else {
    o.group = rolling->group;
    o.dataset = rolling->dataset_file;
    o.dataset_docs = rolling->total_docs;
  }
  return o;
}

Plan make_plan(const Experiment& e, int limit) {
  Plan plan;
  check_text_inputs(e, plan.problems);
  std::optional<TaskIndex> index;
  try {
    index = index_tasks(find_tasks_dir());
  } catch (const InputError& err) {
    plan.problems.push_back({"tasks", err.what(), ""});
    return plan;
  }
  std::map<std::string, bool> seen;
  for (const TaskEntry& entry : e.tasks) {
    std::vector<SelectedTask> selected;
    try {
      selected = select_tasks({entry.name}, *index);
    } catch (const InputError& err) {
      plan.problems.push_back({entry.where, err.what(), ""});
      continue;
    }
    for (const SelectedTask& s : selected) {
      if (seen[s.spec.name]) {
        plan.problems.push_back({entry.where, "task " + s.spec.name + " is listed twice", "keep one entry"});
        continue;
      }
      seen[s.spec.name] = true;
      if (auto t = plan_task(e, entry, s, limit, plan.problems)) plan.tasks.push_back(std::move(*t));
    }
  }
  // A remote backend's capabilities come from its server, asked once, before anything runs.
  bool needs_loglikelihood = false;
  for (const PlannedTask& t : plan.tasks) needs_loglikelihood |= t.kind == TaskKind::kMultipleChoice;
  std::map<size_t, Capabilities> remote_caps;
  for (size_t b = 0; b < e.backends.size(); ++b) {
    if (!e.backends[b].remote() || e.backends[b].base_url.empty()) continue;  // no URL: the reader said so
    try {
      remote_caps[b] = remote_capabilities(e.backends[b], needs_loglikelihood);
    } catch (const std::exception& err) {
      plan.problems.push_back({e.backends[b].where, "backend " + e.backends[b].name + ": " + user_message(err),
                               "start the server, or check base_url"});
      for (size_t c = 0; c < kCapabilityCount; ++c) remote_caps[b].refuse(static_cast<Capability>(c), "see the problem above");
    }
  }
  const ModelFiles files = read_model_files(e);
  for (size_t m = 0; m < e.models.size(); ++m) {
    for (size_t v = 0; v < e.models[m].variants.size(); ++v) {
      const std::string arch = architecture(files, e.models[m], e.models[m].variants[v]);
      for (size_t b = 0; b < e.backends.size(); ++b) {
        const bool remote = e.backends[b].remote();
        const Capabilities caps =
            remote ? remote_caps[b] : declared_capabilities(e.backends[b], arch);
        for (size_t t = 0; t < plan.tasks.size(); ++t) {
          Cell c{m, v, b, t, std::nullopt};
          const Capability need = needed_capability(plan.tasks[t].kind);
          if (e.models[m].remote && !remote) {
            c.skipped = "model " + e.models[m].name + " is remote: true, served by remote backends only";
          } else if (remote && v > 0) {
            c.skipped = "a remote backend serves its own model (" + e.backends[b].model +
                        "), paired with each model's first variant";
          } else if (const SkipRule* rule = skip_rule_for(e, c, plan.tasks[t])) {
            c.skipped = rule->why;
          } else if (plan.tasks[t].kind == TaskKind::kKld && v == 0) {
            c.skipped = "the base variant: kld compares the other variants with it";
          } else if (const auto refusal = chat_refusal(e.backends[b], plan.tasks[t])) {
            if (plan.problems.empty() || plan.problems.back().problem != refusal->problem) plan.problems.push_back(*refusal);
            c.skipped = refusal->problem;
          } else if (!caps.supports(need)) {
            // One problem per (variant, backend, task entry): mmlu's 57 subjects are one.
            const std::string what = "backend " + e.backends[b].name + " cannot run task " + plan.tasks[t].entry +
                                     " on " + e.models[m].name + "/" + e.models[m].variants[v].name + ": " +
                                     kind_phrase(plan.tasks[t].kind) + " tasks need " +
                                     std::string(capability_name(need)) + ", and " + caps.why_not(need);
            if (plan.problems.empty() || plan.problems.back().problem != what) {
              plan.problems.push_back({e.backends[b].where, what,
                                       "add a skip rule {backend: " + e.backends[b].name + ", task: " +
                                           plan.tasks[t].entry + ", why: ...} or drop the task"});
            }
            c.skipped = caps.why_not(need);
          }
          plan.cells.push_back(c);
        }
      }
    }
  }
  check_cells(e, files, plan);
  check_code_execution(e, plan);
  check_chat_templates(e, files, plan);
  return plan;
}

void print_plan(std::ostream& out, const Experiment& e, const Plan& plan) {
  char line[512];
  out << "experiment " << e.name << " (" << e.file.string() << ")\n";
  std::snprintf(line, sizeof line, "%-16s %-10s %-12s %-28s %8s  %s\n", "model", "variant", "backend", "task",
                "samples", "");
  out << line;
  // One line per (model, variant, backend, task entry): mmlu's 57 subjects are one line.
  for (size_t i = 0; i < plan.cells.size();) {
    const Cell& c = plan.cells[i];
    const std::string& entry = plan.tasks[c.task].entry;
    int64_t samples = 0, skipped = 0, tasks = 0;
    std::string why;
    size_t j = i;
    for (; j < plan.cells.size(); ++j) {
      const Cell& d = plan.cells[j];
      if (d.model != c.model || d.variant != c.variant || d.backend != c.backend || plan.tasks[d.task].entry != entry) break;
      ++tasks;
      if (d.skipped) {
        ++skipped;
        why = *d.skipped;
      } else {
        samples += plan.tasks[d.task].samples();
      }
    }
    const std::string task = tasks > 1 ? entry + " (" + std::to_string(tasks) + " tasks)" : plan.tasks[c.task].name;
    const std::string note = skipped > 0 ? "skipped: " + why : "";
    std::snprintf(line, sizeof line, "%-16s %-10s %-12s %-28s %8lld  %s\n", e.models[c.model].name.c_str(),
                  e.models[c.model].variants[c.variant].name.c_str(), e.backends[c.backend].name.c_str(), task.c_str(),
                  static_cast<long long>(samples), note.c_str());
    out << line;
    i = j;
  }
  std::snprintf(line, sizeof line, "%zu cells: %lld to run, %lld skipped; %lld samples\n", plan.cells.size(),
                static_cast<long long>(plan.cells.size() - plan.skipped_cells()),
                static_cast<long long>(plan.skipped_cells()), static_cast<long long>(plan.samples()));
  out << line;
}

}  // namespace qualm
