#include "tasks/gen_docs.h"

#include <map>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "metrics/registry.h"
#include "tasks/task_data.h"
#include "tasks/template.h"

namespace qualm {

std::vector<std::string> generation_metrics(const TaskSpec& spec) {
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

GenTask build_gen_task(const TaskSpec& spec, const std::string& group, const std::filesystem::path& data_dir,
                       int limit) {
  if (spec.output_type.text != "generate") {
    throw UnsupportedError(spec.output_type.where, "output_type " + spec.output_type.text + " is not a generate task");
  }
  for (const std::string& m : generation_metrics(spec)) {
    if (metrics::find_text_metric(m) != nullptr) continue;
    const auto close = closest_match(m, metrics::text_metric_names());
    throw InputError(spec.metrics_where.empty() ? spec.file.string() : spec.metrics_where,
                     "unknown metric '" + m + "'", close ? "did you mean '" + *close + "'?" : "see qualm score --help");
  }
  GenTask task{spec, group, 0, "", {}};
  const Template description = Template::parse(spec.description.text, spec.description.where);
  const Template text = Template::parse(spec.doc_to_text.text, spec.doc_to_text.where);
  const bool has_target = !spec.doc_to_target.text.empty();
  const Template target = Template::parse(spec.doc_to_target.text, spec.doc_to_target.where);
  const std::vector<Doc> docs = load_docs(spec.dataset, spec, data_dir, task.dataset_file);
  task.total_docs = docs.size();
  const size_t n = limit < 0 ? docs.size() : std::min(docs.size(), static_cast<size_t>(limit));
  for (size_t i = 0; i < n; ++i) {
    GenDoc d;
    d.where = doc_where(task.dataset_file, docs[i], i);
    d.doc_id = static_cast<int>(i);
    d.prompt = description.render(docs[i].fields, d.where) + text.render(docs[i].fields, d.where);
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
