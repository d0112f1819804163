#include "tasks/gen_docs.h"

#include <map>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "metrics/registry.h"
#include "tasks/chat_prompt.h"
#include "tasks/choice_answer.h"
#include "tasks/task_docs.h"
#include "tasks/task_data.h"
#include "tasks/template.h"

namespace qualm {

std::vector<std::string> generation_metrics(const TaskSpec& spec) {
  if (spec.chat.mc_mode == McMode::kGenerate) return {"acc_generate", "refused"};
  if (!spec.metrics.empty()) return spec.metrics;
  static const std::map<std::string, std::vector<std::string>> kGroups = {
      {"summarization", {"rouge_l", "bertscore", "coherence", "output_length"}},
      {"qa", {"rouge_l", "bertscore", "coherence", "output_length"}},
      {"code_generation", {"bleu", "coherence", "rouge_l", "output_length"}},
      {"creative_writing", {"coherence", "output_length", "repetition"}},
      {"classification", {"exact_match", "coherence", "output_length"}},
  };
  auto it = kGroups.find(spec.task_type);
  return it != kGroups.end() ? it->second : std::vector<std::string>{"rouge_l", "output_length", "repetition"};
}

namespace {

// metric_list's aggregation and higher_is_better restate what qualm declares once per metric.
void check_metric_list(const TaskSpec& spec) {
  for (const auto& [name, o] : spec.metric_options) {
    const metrics::TextMetric* m = metrics::find_text_metric(name);
    if (m == nullptr) continue;  // named as unknown by the caller
    const std::string declared(metrics::aggregation_name(m->aggregation));
    if (!o.aggregation.text.empty() && o.aggregation.text != declared) {
      throw InputError(o.aggregation.where, "aggregation: " + name + " aggregates by " + declared + ", not " + o.aggregation.text,
                       "drop the key or write aggregation: " + declared);
    }
    const std::string direction = m->higher_is_better ? "true" : "false";
    if (!o.higher_is_better.text.empty() && o.higher_is_better.text != direction) {
      throw InputError(o.higher_is_better.where, "higher_is_better: " + name + "'s is " + direction,
                       "drop the key or write higher_is_better: " + direction);
    }
  }
  for (const std::string& name : generation_metrics(spec)) {
    const metrics::TextMetric* m = metrics::find_text_metric(name);
    if (m != nullptr && m->score == nullptr && !m->runs_code && !spec.filter_list.empty()) {
      throw InputError(spec.metrics_where.empty() ? spec.file.string() : spec.metrics_where,
                       name + " with a filter_list is not supported yet", "score it in a task without filter_list");
    }
  }
}

GenTask choice_generation_task(const TaskSpec& spec, const std::string& group, const std::filesystem::path& data_dir,
                               int limit) {
  BuildOptions options;
  options.limit = limit;
  McTask mc = build_mc_task(spec, group, data_dir, options);
  GenTask task{spec, group, mc.total_docs, mc.dataset_file, {}};
  task.spec.num_fewshot = mc.num_fewshot;
  if (task.spec.num_fewshot > 0) task.spec.generation.stop.push_back(spec.fewshot_delimiter);  // the next shot
  for (size_t i = 0; i < mc.docs.size(); ++i) {
    McDoc& d = mc.docs[i];
    GenDoc g;
    g.prompt = std::move(d.context);
    g.reference = choice_letter(d.gold);
    g.doc_id = mc.doc_ids[i];
    g.where = mc.wheres[i];
    g.messages = std::move(d.messages);
    g.choices = std::move(d.choices);
    g.gold = d.gold;
    task.docs.push_back(std::move(g));
  }
  return task;
}

}  // namespace

GenTask build_gen_task(const TaskSpec& spec, const std::string& group, const std::filesystem::path& data_dir,
                       int limit) {
  if (spec.chat.mc_mode == McMode::kGenerate) return choice_generation_task(spec, group, data_dir, limit);
  if (spec.output_type.text != "generate") {
    throw UnsupportedError(spec.output_type.where, "output_type " + spec.output_type.text + " is not a generate task");
  }
  for (const std::string& m : generation_metrics(spec)) {
    if (metrics::find_text_metric(m) != nullptr) continue;
    const auto close = closest_match(m, metrics::text_metric_names());
    throw InputError(spec.metrics_where.empty() ? spec.file.string() : spec.metrics_where,
                     "unknown metric '" + m + "'", close ? "did you mean '" + *close + "'?" : "see qualm score --help");
  }
  check_metric_list(spec);
  GenTask task{spec, group, 0, "", {}};
  const Template description = Template::parse(spec.description.text, spec.description.where);
  const Template text = Template::parse(spec.doc_to_text.text, spec.doc_to_text.where);
  const bool has_target = !spec.doc_to_target.text.empty();
  const Template target = Template::parse(spec.doc_to_target.text, spec.doc_to_target.where);
  const Sourced& shot_answer = spec.fewshot.doc_to_target.text.empty() ? spec.doc_to_target : spec.fewshot.doc_to_target;
  const Template shot_target = Template::parse(shot_answer.text, shot_answer.where);
  const std::vector<Doc> docs = load_docs(spec.dataset, spec, data_dir, task.dataset_file);
  task.total_docs = docs.size();

  // Few-shot as for multiple choice: each shot is doc_to_text + target_delimiter + doc_to_target.
  std::vector<Doc> shot_docs;
  std::string shot_file = task.dataset_file;
  const bool own_split = !spec.fewshot.dataset.has_value();
  if (spec.num_fewshot > 0 && !has_target) {
    throw InputError(spec.file.string(), "num_fewshot needs doc_to_target", "a shot shows its answer: write doc_to_target");
  }
  if (spec.num_fewshot > 0 && !own_split) shot_docs = load_docs(*spec.fewshot.dataset, spec, data_dir, shot_file);
  const std::vector<Doc>& pool = own_split ? docs : shot_docs;
  if (spec.num_fewshot > 0 && pool.size() < static_cast<size_t>(spec.num_fewshot) + (own_split ? 1 : 0)) {
    throw InputError(shot_file, "has " + std::to_string(pool.size()) + " documents, too few for " +
                                    std::to_string(spec.num_fewshot) + " shots",
                     "lower --num-fewshot");
  }

  const std::optional<Template> prefix = gen_prefix_template(spec);
  const size_t n = limit < 0 ? docs.size() : std::min(docs.size(), static_cast<size_t>(limit));
  for (size_t i = 0; i < n; ++i) {
    GenDoc d;
    d.where = doc_where(task.dataset_file, docs[i], i);
    d.doc_id = static_cast<int>(i);
    PromptParts parts;
    parts.description = description.render(docs[i].fields, d.where);
    if (spec.num_fewshot > 0) {
      const long self = own_split ? static_cast<long>(i) : -1;
      for (size_t s : pick_fewshot(spec.fewshot, pool.size(), spec.num_fewshot, self, static_cast<int>(i))) {
        const std::string shot_where = doc_where(shot_file, pool[s], s);
        parts.shots.push_back({text.render(pool[s].fields, shot_where),
                               to_text(shot_target.render_value(pool[s].fields, shot_where))});
      }
    }
    parts.question = text.render(docs[i].fields, d.where);
    if (prefix) parts.gen_prefix = prefix->render(docs[i].fields, d.where);
    d.prompt = plain_prompt(parts, spec);
    if (spec.chat.apply_chat_template) d.messages = chat_messages(parts, spec);
    if (has_target) {  // an empty reference means none: only reference-free metrics score it
      std::string reference = to_text(target.render_value(docs[i].fields, d.where));
      if (!reference.empty()) d.reference = std::move(reference);
    }
    if (docs[i].fields.contains("id")) d.id = to_text(docs[i].fields["id"]);
    if (docs[i].fields.contains("category")) d.category = to_text(docs[i].fields["category"]);
    task.docs.push_back(std::move(d));
  }
  return task;
}

}  // namespace qualm
