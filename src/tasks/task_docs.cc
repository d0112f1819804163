#include "tasks/task_docs.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "io/dataset.h"
#include "tasks/chat_prompt.h"
#include "tasks/choice_answer.h"
#include "tasks/task_data.h"
#include "tasks/template.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Templates {
  Template description, text, target, choice;
  std::vector<Template> choice_list;
  bool has_description = false;
};

Templates compile(const TaskSpec& spec) {
  Templates t{Template::parse(spec.description.text, spec.description.where),
              Template::parse(spec.doc_to_text.text, spec.doc_to_text.where),
              Template::parse(spec.doc_to_target.text, spec.doc_to_target.where),
              Template::parse(spec.doc_to_choice.text, spec.doc_to_choice.where),
              {}};
  t.has_description = !spec.description.text.empty();
  for (const Sourced& c : spec.choice_list) t.choice_list.push_back(Template::parse(c.text, c.where));
  return t;
}

std::vector<std::string> render_choices(const Templates& t, const TaskSpec& spec, const Doc& doc,
                                        const std::string& where) {
  std::vector<std::string> out;
  if (!t.choice_list.empty()) {
    for (const Template& c : t.choice_list) out.push_back(c.render(doc.fields, where));
    return out;
  }
  const json value = t.choice.render_value(doc.fields, where);
  if (!value.is_array()) {
    throw InputError(where, "doc_to_choice '" + spec.doc_to_choice.text + "' gave " + to_text(value) + ", not a list",
                     "doc_to_choice must give the list of choices (" + spec.doc_to_choice.where + ")");
  }
  for (const json& v : value) out.push_back(to_text(v));
  return out;
}

int render_target(const Templates& t, const TaskSpec& spec, const Doc& doc, const std::vector<std::string>& choices,
                  const std::string& where) {
  const json value = t.target.render_value(doc.fields, where);
  long long index = -1;
  if (value.is_number_integer()) {
    index = value.get<long long>();
  } else if (value.is_string()) {
    const std::string s = value.get<std::string>();
    const bool digits = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && s.size() < 10) {
      index = std::stoll(s);
    } else {
      auto it = std::find(choices.begin(), choices.end(), s);
      if (it == choices.end()) {
        throw InputError(where, "doc_to_target '" + spec.doc_to_target.text + "' gave '" + s +
                                    "', which is neither an index nor one of the choices",
                         "fix the row's answer field");
      }
      index = it - choices.begin();
    }
  } else {
    throw InputError(where, "doc_to_target '" + spec.doc_to_target.text + "' gave " + to_text(value),
                     "the target must be a choice index or a choice's text");
  }
  if (index < 0 || index >= static_cast<long long>(choices.size())) {
    throw InputError(where, "doc_to_target '" + spec.doc_to_target.text + "' gave " + std::to_string(index) +
                                ", out of range for " + std::to_string(choices.size()) + " choices",
                     "the answer field must be 0.." + std::to_string(choices.size() - 1));
  }
  return static_cast<int>(index);
}

struct Rendered {
  std::string text;
  std::vector<std::string> choices;
  int gold = 0;
};

Rendered render_doc(const Templates& t, const TaskSpec& spec, const Doc& doc, const std::string& where) {
  Rendered r;
  r.text = t.text.render(doc.fields, where);
  if (scores_one_continuation(spec)) {  // the one continuation is the target's text
    r.choices = {t.target.render(doc.fields, where)};  // as written: " {{word}}" keeps its space
    if (r.choices[0].empty()) throw InputError(where, "doc_to_target gave an empty continuation", "fix the row");
    return r;
  }
  r.choices = render_choices(t, spec, doc, where);
  if (r.choices.empty()) throw InputError(where, "the document has no choices", "check doc_to_choice");
  r.gold = render_target(t, spec, doc, r.choices, where);
  return r;
}

}  // namespace

std::string dataset_relative_path(const TaskSpec& spec) { return fill_vars(spec.dataset.path, spec); }

fs::path dataset_file(const TaskSpec& spec, const fs::path& data_dir) {
  return resolve_dataset(dataset_relative_path(spec), spec.dataset.base_dir, data_dir);
}

size_t count_task_docs(const TaskSpec& spec, const fs::path& data_dir) {
  std::string name;
  return load_docs(spec.dataset, spec, data_dir, name).size();
}

const std::vector<std::string>& mc_metrics_of(const TaskSpec& spec) {
  static const std::vector<std::string> kChoices = {"acc", "acc_norm", "acc_bytes", "acc_token_mean"};
  static const std::vector<std::string> kOneContinuation = {"perplexity", "acc"};
  return scores_one_continuation(spec) ? kOneContinuation : kChoices;
}

McTask build_mc_task(const TaskSpec& spec, const std::string& group, const fs::path& data_dir,
                     const BuildOptions& options) {
  if (parse_task_kind(spec.output_type.text) != TaskKind::kMultipleChoice) {
    throw UnsupportedError(spec.output_type.where, "output_type " + spec.output_type.text + " is not supported here");
  }
  const bool single = scores_one_continuation(spec);
  const std::vector<std::string>& allowed = mc_metrics_of(spec);
  for (const std::string& m : spec.metrics) {
    if (std::find(allowed.begin(), allowed.end(), m) != allowed.end()) continue;
    const auto close = closest_match(m, allowed);
    std::string names;
    for (const std::string& a : allowed) names += (names.empty() ? "" : ", ") + a;
    throw InputError(spec.metrics_where.empty() ? spec.file.string() : spec.metrics_where,
                     "metric '" + m + "' is not a " + (single ? "loglikelihood" : "multiple-choice") + " metric",
                     close ? "did you mean '" + *close + "'?" : "use " + names);
  }
  McTask task;
  task.spec = spec;
  task.group = group;
  task.num_fewshot = options.num_fewshot.value_or(spec.num_fewshot);
  const Templates t = compile(spec);
  const std::vector<Doc> docs = load_docs(spec.dataset, spec, data_dir, task.dataset_file);
  task.total_docs = docs.size();

  std::vector<Doc> shot_docs;
  std::string shot_file = task.dataset_file;
  const bool own_split = !spec.fewshot.dataset.has_value();
  if (task.num_fewshot > 0 && !own_split) shot_docs = load_docs(*spec.fewshot.dataset, spec, data_dir, shot_file);
  const std::vector<Doc>& pool = own_split ? docs : shot_docs;
  const size_t needed = static_cast<size_t>(task.num_fewshot) + (own_split ? 1 : 0);
  if (task.num_fewshot > 0 && pool.size() < needed) {
    throw InputError(shot_file, "has " + std::to_string(pool.size()) + " documents, too few for " +
                                    std::to_string(task.num_fewshot) + " shots",
                     "lower --num-fewshot");
  }

  const std::optional<Template> prefix = gen_prefix_template(spec);
  const bool by_generation = spec.chat.mc_mode == McMode::kGenerate;
  const size_t n = options.limit < 0 ? docs.size() : std::min(docs.size(), static_cast<size_t>(options.limit));
  for (size_t i = 0; i < n; ++i) {
    const std::string where = doc_where(task.dataset_file, docs[i], i);
    const Rendered r = render_doc(t, spec, docs[i], where);
    PromptParts parts;
    if (t.has_description) parts.description = t.description.render(docs[i].fields, where);
    if (task.num_fewshot > 0) {
      const long self = own_split ? static_cast<long>(i) : -1;
      for (size_t s : pick_fewshot(spec.fewshot, pool.size(), task.num_fewshot, self, static_cast<int>(i))) {
        const std::string shot_where = doc_where(shot_file, pool[s], s);
        const Rendered shot = render_doc(t, spec, pool[s], shot_where);
        if (spec.multiple_inputs) parts.shots.push_back({shot.choices[shot.gold], shot.text});
        else if (by_generation)
          parts.shots.push_back({lettered_question(shot.text, shot.choices), choice_letter(shot.gold)});
        else parts.shots.push_back({shot.text, shot.choices[shot.gold]});
      }
    }
    if (spec.multiple_inputs) {  // the choices are contexts, doc_to_text their shared continuation
      task.docs.push_back(McDoc{plain_prompt(parts, spec), r.choices, r.gold, r.text});
    } else {
      if (by_generation) check_choice_count(r.choices.size(), where);
      parts.question = by_generation ? lettered_question(r.text, r.choices) : r.text;
      if (prefix) parts.gen_prefix = prefix->render(docs[i].fields, where);
      McDoc doc{plain_prompt(parts, spec), r.choices, r.gold, std::nullopt};
      if (spec.chat.apply_chat_template) doc.messages = chat_messages(parts, spec);
      task.docs.push_back(std::move(doc));
    }
    task.doc_ids.push_back(static_cast<int>(i));
    task.wheres.push_back(where);
  }
  return task;
}

}  // namespace qualm
