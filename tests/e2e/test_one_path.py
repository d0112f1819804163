"""qualm eval is a one-cell qualm run (issue 17): on both real models, multiple-choice tasks and a
generate task with corpus metrics (BLEU, sacreBLEU, chrF) and an embedding metric go through
`qualm eval` and through `qualm run` of the same experiment. The records are the same, and every
metric of results.json equals the matching row of the run's summary.json and aggregate.csv,
value and count, with the aggregation each names (a corpus BLEU is the corpus statistic in both,
not the mean of the sentence scores the records keep)."""

import csv
import json
import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import FIXTURES, QUALM, TempDirCase, require_data, run  # noqa: E402

DATA = require_data()
MODELS = {"stories260K": DATA / "models" / "stories260K.gguf",
          "TinyStories-656K": DATA / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf"}
LIMIT = 16

# TinyStories paragraphs continued from their first sentence, scored against the rest of the
# paragraph with the corpus metrics; 48 new tokens keep it quick.
STORY_TASK = r"""task: story_overlap
output_type: generate
task_type: creative_writing
dataset: {path: datasets/tinystories/tinystories_valid_prefix.txt, format: lines}
doc_to_text: "Continue the children's story.\n\n{{ text | regex_replace('^(.*?[.!?]\"?)\\s+\\S.*$', '\\\\1') }}"
doc_to_target: "{{ text | regex_replace('^(?:.*?[.!?]\"?\\s+(\\S.*)|.*)$', '\\\\1') }}"
generation_kwargs: {max_new_tokens: 48, stop: ["\n"]}
filters: [truncate_at_stop, strip]
metrics: [bleu, sacrebleu, chrf, rouge_l, exact_match, coherence, repetition]
"""

SKIP_FIELDS = {"run_id", "model", "variant", "gen_time_ms"}  # labels and timings


def records(path):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            out[(r["task_name"], r["sample_id"], r["rep"])] = {k: v for k, v in r.items() if k not in SKIP_FIELDS}
    return out


class OnePathTest(TempDirCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.task_file = cls.dir / "story_overlap.yaml"
        cls.task_file.write_text(STORY_TASK)
        cls.tasks = ["arc_easy", "hellaswag", str(cls.task_file)]
        cls.out = {}
        for name, model in MODELS.items():
            exp = cls.dir / f"{name}.yaml"
            exp.write_text(f"""experiment: one_path
data_dir: {DATA}
defaults: {{temperature: 0.0, seed: 42, warmup: 0}}
models:
  - {{name: m, path: {model}}}
backends:
  - {{name: llama, type: llama}}
tasks:
""" + "".join(f"  - {{name: {t}, limit: {LIMIT}}}\n" for t in cls.tasks) +
                           f"embedding_model: {{path: {FIXTURES / 'tiny-bert.gguf'}}}\n")
            run_dir, eval_dir = cls.dir / f"run-{name}", cls.dir / f"eval-{name}"
            run([QUALM, "run", exp, "--out", run_dir])
            run([QUALM, "eval", "-m", model, "--tasks", ",".join(cls.tasks), "--limit", str(LIMIT),
                 "--embedding-model", FIXTURES / "tiny-bert.gguf", "--out", eval_dir])
            cls.out[name] = (run_dir, eval_dir)

    def test_same_records(self):
        for name, (run_dir, eval_dir) in self.out.items():
            a, b = records(run_dir / "samples.jsonl"), records(eval_dir / "samples.jsonl")
            self.assertEqual(len(a), 3 * LIMIT, name)
            self.assertEqual(a.keys(), b.keys(), name)
            for k in a:
                self.assertEqual(a[k], b[k], f"{name} {k}")

    def test_every_metric_equals_the_run_rows(self):
        for name, (run_dir, eval_dir) in self.out.items():
            results = json.loads((eval_dir / "results.json").read_text())
            samples = [json.loads(line) for line in (eval_dir / "samples.jsonl").read_text().splitlines()]
            summary = json.loads((run_dir / "summary.json").read_text())
            rows = {(r["task_name"], r["metric"]): r for r in summary["tasks"]}
            with open(run_dir / "aggregate.csv", newline="") as f:
                csv_rows = {(r["task_name"], r["metric"]): r for r in csv.DictReader(f)}
            compared = 0
            for task, row in results["results"].items():
                metrics = [m for m in row if m != "n" and not m.endswith("_stderr")]
                self.assertTrue(metrics, task)
                for metric in metrics:
                    value = row[metric]
                    s, c = rows[(task, metric)], csv_rows[(task, metric)]
                    self.assertEqual(value, s["mean"], f"{name} {task} {metric}")
                    self.assertEqual(value, float(c["mean"]), f"{name} {task} {metric}")
                    self.assertEqual(s["aggregation"], c["aggregation"])
                    details = results["tasks"][task]
                    if "metrics" in details:  # generate: each metric names its aggregation and count
                        self.assertEqual(details["metrics"][metric]["aggregation"], s["aggregation"], metric)
                        self.assertEqual(details["metrics"][metric]["n"], s["n"], metric)
                    compared += 1
                # n counts the documents scored; a metric may have fewer (repetition: none under 8 words).
                scored = sum(1 for r in samples if r["task_name"] == task and r["error"] is None)
                self.assertEqual(row["n"], scored, task)
                self.assertGreaterEqual(row["n"], max(rows[(task, m)]["n"] for m in metrics), task)
            # 4 acc metrics x 2 tasks + 7 generate metrics, less repetition where every output is
            # under 8 words (TinyStories-656K stops at the first newline here): then it is skipped.
            skipped = results["tasks"]["story_overlap"].get("skipped_metrics", {})
            self.assertEqual(compared, 15 - ("repetition" in skipped), name)

    def test_corpus_metrics_are_corpus_statistics(self):
        """bleu, sacrebleu and chrf: the corpus value, with null stderr, and the records keep the
        sentence values; where the model's continuations overlap the references at all, the two
        differ (TinyStories-656K writes TinyStories prose)."""
        differ = 0
        for name, (run_dir, eval_dir) in self.out.items():
            results = json.loads((eval_dir / "results.json").read_text())
            row = results["results"]["story_overlap"]
            recs = [r for r in records(eval_dir / "samples.jsonl").values() if r["task_name"] == "story_overlap"]
            for metric in ("bleu", "sacrebleu", "chrf"):
                self.assertEqual(results["tasks"]["story_overlap"]["metrics"][metric]["aggregation"], "corpus")
                self.assertIsNone(row[metric + "_stderr"])
                sentence = [r["metrics"][metric] for r in recs if metric in r["metrics"]]
                mean = sum(sentence) / len(sentence)
                differ += abs(row[metric] - mean) > 1e-9
            self.assertEqual(results["tasks"]["story_overlap"]["metrics"]["rouge_l"]["aggregation"], "mean")
            self.assertIsNotNone(row["rouge_l_stderr"])
        self.assertGreater(differ, 0, "no corpus value differs from its sentence mean: the check says nothing")


if __name__ == "__main__":
    unittest.main()
