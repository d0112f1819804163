#include "tasks/rolling_docs.h"

#include <algorithm>

#include "core/did_you_mean.h"
#include "core/errors.h"
#include "metrics/model_metrics.h"
#include "metrics/word_count.h"
#include "tasks/task_data.h"
#include "tasks/template.h"

namespace qualm {
namespace {

bool is_kld(const TaskSpec& spec) { return spec.output_type.text == "kld"; }

metrics::model::Writer writer_of(const TaskSpec& spec) {
  return is_kld(spec) ? metrics::model::Writer::kKld : metrics::model::Writer::kRolling;
}

void check_metrics(const TaskSpec& spec) {
  // Every summary key a task can show (eval/rolling_eval.h, eval/kld_eval.h).
  const std::vector<std::string> known = metrics::model::metric_names(writer_of(spec));
  for (const std::string& m : spec.metrics) {
    if (std::find(known.begin(), known.end(), m) != known.end()) continue;
    const auto close = closest_match(m, known);
    throw InputError(spec.metrics_where.empty() ? spec.file.string() : spec.metrics_where,
                     "metric '" + m + "' is not a " + spec.output_type.text + " metric",
                     close ? "did you mean '" + *close + "'?" : "see tasks/README.md");
  }
}

}  // namespace

std::vector<std::string> rolling_task_metrics(const TaskSpec& spec) {
  if (!spec.metrics.empty()) return spec.metrics;
  return metrics::model::default_metric_names(writer_of(spec));
}

RollingTask build_rolling_task(const TaskSpec& spec, const std::string& group, const std::filesystem::path& data_dir,
                               int limit) {
  if (spec.output_type.text != "loglikelihood_rolling" && !is_kld(spec)) {
    throw UnsupportedError(spec.output_type.where,
                           "output_type " + spec.output_type.text + " is not a loglikelihood_rolling or kld task");
  }
  check_metrics(spec);
  RollingTask task{spec, group, 0, "", {}};
  const Template text = Template::parse(spec.doc_to_text.text, spec.doc_to_text.where);
  const bool has_target = !spec.doc_to_target.text.empty();
  const Template target = Template::parse(spec.doc_to_target.text, spec.doc_to_target.where);
  std::vector<Doc> docs = load_docs(spec.dataset, spec, data_dir, task.dataset_file);
  task.total_docs = docs.size();
  const size_t n = limit < 0 ? docs.size() : std::min(docs.size(), static_cast<size_t>(limit));
  for (size_t i = 0; i < n; ++i) {
    RollingDoc d;
    d.where = doc_where(task.dataset_file, docs[i], i);
    d.doc_id = static_cast<int>(i);
    const std::string counted = text.render(docs[i].fields, d.where);
    d.words = metrics::lm_eval_word_count(counted);
    d.bytes = static_cast<int64_t>(counted.size());
    d.text = has_target ? to_text(target.render_value(docs[i].fields, d.where)) : counted;
    if (docs[i].fields.contains("id")) d.id = to_text(docs[i].fields["id"]);
    if (docs[i].fields.contains("category")) d.category = to_text(docs[i].fields["category"]);
    task.docs.push_back(std::move(d));
  }
  return task;
}

}  // namespace qualm
