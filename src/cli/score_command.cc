#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "backend/llama/layer_cut.h"
#include "backend/llama/llama_backend.h"
#include "cli/commands.h"
#include "config/bounds.h"
#include "core/did_you_mean.h"
#include "core/errors.h"
#include "core/utf8.h"
#include "eval/embedding_scores.h"
#include "io/text_file.h"
#include "metrics/registry.h"
#include "metrics/rouge.h"
#include "run/backend_factory.h"

namespace qualm::cli {
namespace {

using metrics::MetricReport;
using metrics::TextMetric;

struct ScoreFlags {
  std::string metric;
  std::string predictions;
  std::vector<std::string> references;
  bool json = false;
  bool stemmer = false;
  bool ignore_punctuation = false;
  bool show_tokens = false;  // hidden: rouge's tokens of each prediction (tests the stemmer)
  std::string embedding_model;
  int embedding_layer = 0;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One text per line (a final newline ends the last line; a trailing "\r" is dropped), or in a
// .jsonl file one JSON string or {"text": ...} object per non-blank line, so texts can span lines.
std::vector<std::string> read_texts(const std::string& path) {
  const std::string content = read_text_file(path);
  if (const auto bad = find_invalid_utf8(content)) {  // texts are compared as UTF-8, and printed as JSON
    throw InputError(path + ":" + std::to_string(bad->line), "not valid UTF-8 (byte " + std::to_string(bad->byte) + " of the file)",
                     "convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8");
  }
  const bool jsonl = ends_with(path, ".jsonl");
  std::vector<std::string> texts;
  size_t start = 0;
  for (int line_no = 1; start < content.size(); ++line_no) {
    const size_t end = std::min(content.find('\n', start), content.size());
    std::string line = content.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!jsonl) {
      texts.push_back(std::move(line));
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    const nlohmann::json value = nlohmann::json::parse(line, nullptr, false);
    if (value.is_string()) {
      texts.push_back(value.get<std::string>());
    } else if (value.is_object() && value.contains("text") && value["text"].is_string()) {
      texts.push_back(value["text"].get<std::string>());
    } else {
      throw InputError(
          where, value.is_discarded() ? "not valid JSON" : "not a JSON string nor an object with a string \"text\"",
          "write each text as \"...\" or {\"text\": \"...\"}");
    }
  }
  if (texts.empty()) throw InputError(path, "has no texts", "give one text per line");
  return texts;
}

const TextMetric& metric_or_throw(const std::string& name) {
  if (const TextMetric* m = metrics::find_text_metric(name)) return *m;
  const std::vector<std::string> names = metrics::text_metric_names();
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  const auto close = closest_match(name, names);
  throw InputError("qualm score --metric", "unknown metric '" + name + "'",
                   (close ? "did you mean " + *close + "? " : "") + "text metrics: " + list);
}

void check_flags(const ScoreFlags& f, const TextMetric& m) {
  const std::string where = "qualm score --metric " + f.metric;
  if (m.runs_code) {
    throw InputError(where, f.metric + " runs code against tests, and qualm score scores texts",
                     "run a code task: qualm eval --tasks humaneval --allow-code-execution");
  }
  if (!m.score && f.embedding_model.empty()) {
    throw InputError(where, f.metric + " needs an embedding model to turn texts into vectors",
                     "give --embedding-model EMBEDDING.gguf (a BERT-family GGUF; --embedding-layer L for BERTScore's layer)");
  }
  if (m.score && !f.embedding_model.empty()) {
    throw InputError(where, "--embedding-model applies to bertscore and coherence only", "drop --embedding-model");
  }
  const bool rouge = m.name == "rouge_l" || m.name == "rouge_lsum";
  if ((f.stemmer || f.show_tokens) && !rouge) {
    const std::string flag = f.stemmer ? "--stemmer" : "--show-tokens";
    throw InputError(where, flag + " applies to rouge_l and rouge_lsum only", "drop " + flag);
  }
  if (f.ignore_punctuation && m.name != "exact_match") {
    throw InputError(where, "--ignore-punctuation applies to exact_match only", "drop --ignore-punctuation");
  }
  if (m.needs_references && f.references.empty() && !f.show_tokens) {
    throw InputError(where, "no --references file", "give --references FILE with one reference per prediction");
  }
}

std::string texts_count(size_t n) { return std::to_string(n) + (n == 1 ? " text" : " texts"); }

// references[i] holds the i-th text of every references file.
std::vector<std::vector<std::string>> read_references(const ScoreFlags& f, size_t n_predictions) {
  std::vector<std::vector<std::string>> refs(n_predictions);
  for (const std::string& path : f.references) {
    std::vector<std::string> texts = read_texts(path);
    if (texts.size() != n_predictions) {
      throw InputError(
          "qualm score",
          f.predictions + " has " + texts_count(n_predictions) + " but " + path + " has " + texts_count(texts.size()),
          "give one reference per prediction, in the same order");
    }
    for (size_t i = 0; i < n_predictions; ++i) refs[i].push_back(std::move(texts[i]));
  }
  return refs;
}

nlohmann::json report_json(const ScoreFlags& f, const TextMetric& m, const MetricReport& r) {
  const double k = m.display_scale;
  nlohmann::json out = {{"metric", m.name},
                        {"score", r.score * k},
                        {"scale", k == 1 ? 1 : 100},
                        {"aggregation", metrics::aggregation_name(m.aggregation)},
                        {"higher_is_better", m.higher_is_better},
                        {"n", r.per_sample.size()},  // predictions; per_sample is null where one has no value
                        {"nrefs", f.references.size()}};
  if (r.bleu) {
    nlohmann::json precisions = nlohmann::json::array();
    for (double p : r.bleu->precisions) precisions.push_back(p * k);
    out["precisions"] = precisions;
    out["bp"] = r.bleu->brevity_penalty;
    out["ratio"] = r.bleu->length_ratio;
    out["sys_len"] = r.bleu->translation_length;
    out["ref_len"] = r.bleu->reference_length;
  }
  if (r.prf) {
    out["precision"] = r.prf->precision;
    out["recall"] = r.prf->recall;
    out["f1"] = r.prf->f1;
  }
  if (m.name == "rouge_l" || m.name == "rouge_lsum") out["use_stemmer"] = f.stemmer;
  if (m.name == "exact_match") out["ignore_punctuation"] = f.ignore_punctuation;
  nlohmann::json per_sample = nlohmann::json::array();
  for (double x : r.per_sample) per_sample.push_back(x * k);
  out["per_sample"] = per_sample;
  return out;
}

// sacrebleu's text line ("BLEU = 35.40 60.0/40.0/30.0/20.0 (BP = ...)", "chrF2 = 45.67"), with
// two more decimals on the 0-1 scale; ROUGE and the means in the same spirit.
void print_report(const TextMetric& m, const MetricReport& r) {
  const bool percent = m.display_scale != 1;
  const int digits = percent ? 2 : 4;
  if (r.bleu) {
    std::printf("BLEU = %.*f ", digits, r.score * m.display_scale);
    for (size_t i = 0; i < r.bleu->precisions.size(); ++i) {
      std::printf("%s%.*f", i ? "/" : "", percent ? 1 : 4, r.bleu->precisions[i] * m.display_scale);
    }
    std::printf(" (BP = %.3f ratio = %.3f hyp_len = %ld ref_len = %ld)\n", r.bleu->brevity_penalty,
                r.bleu->length_ratio, r.bleu->translation_length, r.bleu->reference_length);
  } else if (m.name == "chrf") {
    std::printf("chrF2 = %.2f\n", r.score * m.display_scale);
  } else if (r.prf) {
    std::printf("%s = %.4f (P = %.4f R = %.4f, mean of %zu)\n", m.name == "rouge_l" ? "ROUGE-L" : "ROUGE-Lsum",
                r.prf->f1, r.prf->precision, r.prf->recall, r.per_sample.size());
  } else {
    const size_t valued = static_cast<size_t>(
        std::count_if(r.per_sample.begin(), r.per_sample.end(), [](double v) { return !std::isnan(v); }));
    if (valued == 0) {
      std::printf("%s: no prediction has a value (%s)\n", std::string(m.name).c_str(), std::string(m.summary).c_str());
    } else {
      std::printf("%s = %.4f (mean of %zu", std::string(m.name).c_str(), r.score, valued);
      if (valued < r.per_sample.size()) std::printf("; %zu without a value", r.per_sample.size() - valued);
      std::printf(")\n");
    }
  }
}

// bertscore / coherence: the mean over pairs, each prediction against its first reference.
MetricReport embedding_report(const ScoreFlags& f, const std::vector<std::string>& predictions,
                              const std::vector<std::vector<std::string>>& references) {
  const std::unique_ptr<Backend> embedder =
      make_embedder({f.embedding_model, f.embedding_layer, "", "", ""}, {}, llama::model_cache_dir(), nullptr);
  std::vector<std::string> firsts;
  for (const auto& r : references) firsts.push_back(r.front());
  MetricReport report;
  report.per_sample = embedding_scores(*embedder, f.metric, predictions, firsts);
  for (double v : report.per_sample) report.score += v / static_cast<double>(report.per_sample.size());
  return report;
}

int run_score(const ScoreFlags& f) {
  const TextMetric& m = metric_or_throw(f.metric);
  check_flags(f, m);
  const std::vector<std::string> predictions = read_texts(f.predictions);
  if (f.show_tokens) {
    for (const std::string& p : predictions) {
      std::string line;
      for (const std::string& t : metrics::rouge_tokenize(p, f.stemmer)) line += (line.empty() ? "" : " ") + t;
      std::printf("%s\n", line.c_str());
    }
    return 0;
  }
  const auto references = read_references(f, predictions.size());
  const MetricReport report = m.score ? m.score({predictions, references, {f.stemmer, f.ignore_punctuation}})
                                      : embedding_report(f, predictions, references);
  if (f.json) {
    std::cout << report_json(f, m, report).dump(2) << "\n";
  } else {
    print_report(m, report);
  }
  return 0;
}

}  // namespace

void add_score_command(CLI::App& app, Action& run) {
  auto flags = std::make_shared<ScoreFlags>();
  CLI::App* cmd = app.add_subcommand("score", "score predictions against references with a text metric");
  std::string names;
  for (const TextMetric& m : metrics::text_metrics()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  cmd->add_option("--metric", flags->metric, names)->required();
  cmd->add_option("--predictions", flags->predictions, "one text per line, or .jsonl of strings / {\"text\"}")
      ->required();
  cmd->add_option("--references", flags->references, "as --predictions, one per prediction; repeat for more references")
      ->allow_extra_args(false);
  cmd->add_flag("--stemmer", flags->stemmer,
                "rouge: Porter-stem words longer than 3 characters (rouge-score's use_stemmer)");
  cmd->add_flag("--ignore-punctuation", flags->ignore_punctuation, "exact_match: remove ASCII punctuation first");
  cmd->add_option("--embedding-model", flags->embedding_model, "bertscore, coherence: the embedding GGUF");
  cmd->add_option("--embedding-layer", flags->embedding_layer,
                  "bertscore: read this layer (the model is cut to its first L blocks; 0 = the last)")
      ->check(CLI::Range(bounds::kEmbeddingLayer.min, bounds::kEmbeddingLayer.max));
  add_json_flag(*cmd, flags->json);
  cmd->add_flag("--show-tokens", flags->show_tokens, "print rouge's tokens of each prediction")->group("");
  cmd->callback([flags, &run] { run = [flags] { return run_score(*flags); }; });
}

}  // namespace qualm::cli
