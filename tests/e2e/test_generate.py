"""Generation end to end: qualm generate, and qualm eval on generate tasks (filters, text
metrics, embedding metrics on the random-weight BERT fixture, skipped metrics with their
reason, determinism under a seed)."""

import json
import unittest
from collections import Counter
from pathlib import Path

from qualm_e2e import FIXTURES, QUALM, SOURCE, TempDirCase, require_data, run

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"
BERT = FIXTURES / "tiny-bert.gguf"


def samples(out):
    return [json.loads(l) for l in (Path(out) / "samples.jsonl").read_text().splitlines()]


def generate(prompts, *extra):
    args = [QUALM, "generate", "-m", MODEL, "--json", *extra]
    for p in prompts:
        args += ["-p", p]
    return [json.loads(l) for l in run(args).stdout.splitlines()]


class Generate(TempDirCase):
    def test_seeded_generation_repeats(self):
        args = [QUALM, "generate", "-m", MODEL, "-p", "Once upon a time", "-p", "Tom had a ball.", "-n", "24",
                "--temperature", "0.8", "--seed", "7", "--json"]
        first = [json.loads(l) for l in run(args).stdout.splitlines()]
        second = [json.loads(l) for l in run(args).stdout.splitlines()]
        self.assertEqual([r["text"] for r in first], [r["text"] for r in second])
        self.assertTrue(all(r["output_tokens"] == 24 and r["stop_reason"] == "length" for r in first))
        other = [json.loads(l) for l in run(args[:-3] + ["--seed", "8", "--json"]).stdout.splitlines()]
        self.assertNotEqual([r["text"] for r in first], [r["text"] for r in other])

    def test_eval_generate_tasks(self):
        out = self.dir / "gen"
        res = json.loads(run([QUALM, "eval", "-m", MODEL, "--tasks", "summarization,classification", "--limit", "3",
                              "--json", "--out", out]).stdout)
        summ = res["results"]["summarization"]
        self.assertEqual(summ["n"], 3)
        for metric in ["rouge_l", "output_length"]:
            self.assertIn(metric, summ)
            self.assertTrue(0 <= summ[metric] <= 1)
        skipped = res["tasks"]["summarization"]["skipped_metrics"]
        self.assertIn("bertscore", skipped)
        self.assertIn("embedding model", skipped["coherence"])
        recs = samples(out)
        self.assertEqual(len(recs), 6)
        for r in recs:
            self.assertIsNotNone(r["reference"])
            self.assertGreater(r["output_tokens"], 0)
            if r["task_name"] == "classification":
                self.assertNotIn("\n", r["candidate"])  # filters: strip, first_line
                self.assertEqual(r["candidate"], r["candidate"].strip())
        mean_rouge = sum(r["metrics"]["rouge_l"] for r in recs if r["task_name"] == "summarization") / 3
        self.assertAlmostEqual(summ["rouge_l"], mean_rouge, places=12)

    def test_embedding_metrics_and_determinism(self):
        if not BERT.is_file():
            self.skipTest("tiny-bert fixture not built")
        runs = []
        for name in ["a", "b"]:
            out = self.dir / f"emb-{name}"
            res = json.loads(run([QUALM, "eval", "-m", MODEL, "--tasks", "qa", "--limit", "3", "--temperature", "0.7",
                                  "--embedding-model", BERT, "--json", "--out", out]).stdout)
            runs.append((res, samples(out)))
        (res, recs), (_, again) = runs
        self.assertTrue(-1 <= res["results"]["qa"]["coherence"] <= 1)
        self.assertIn("bertscore", res["results"]["qa"])
        self.assertEqual([r["candidate"] for r in recs], [r["candidate"] for r in again])
        for a, b in zip(recs, again):
            for k, v in a["metrics"].items():
                self.assertAlmostEqual(v, b["metrics"][k], places=9)

    def test_score_embedding_metrics(self):
        if not BERT.is_file():
            self.skipTest("tiny-bert fixture not built")
        same = self.dir / "same.txt"
        same.write_text("the cat sat on the mat\na dog ran in the park\n")
        other = self.dir / "other.txt"
        other.write_text("the cat sat on the mat\nstocks fell sharply today\n")
        for metric in ["coherence", "bertscore"]:
            for layer in ["0", "1"]:
                args = [QUALM, "score", "--metric", metric, "--predictions", same, "--embedding-model", BERT,
                        "--embedding-layer", layer, "--json"]
                identical = json.loads(run(args + ["--references", same]).stdout)
                # A text against itself: cosine 1, and every token matches itself.
                for v in identical["per_sample"]:
                    self.assertAlmostEqual(v, 1.0, places=5)
                mixed = json.loads(run(args + ["--references", other]).stdout)["per_sample"]
                self.assertAlmostEqual(mixed[0], 1.0, places=5)
                self.assertLess(mixed[1], 0.99999)

    def test_prompt_suite_96_has_twelve_categories_of_eight(self):
        rows = [json.loads(l) for l in (SOURCE / "tasks/generation/prompt_suite_96.jsonl").read_text().splitlines()]
        self.assertEqual(len(rows), 96)
        counts = Counter(r["category"] for r in rows)
        self.assertEqual(set(counts), {
            "code_generation", "mathematical_reasoning", "text_summarization", "creative_writing",
            "question_answering", "translation", "sentiment_analysis", "logical_reasoning", "general_knowledge",
            "instruction_following", "dialogue", "science_knowledge"})
        self.assertTrue(all(n == 8 for n in counts.values()))


class FewCellsManySequences(TempDirCase):
    """Short prompts and a small -n need fewer KV cells than --parallel has sequences: the
    context once came out with n_batch = n_ctx below n_seq_max, and llama.cpp aborted on
    GGML_ASSERT(n_outputs_max <= cparams.n_outputs_max). The reference is each prompt alone
    on one sequence (--parallel 1), itself the head of a longer greedy run."""

    PROMPTS = ["Once", "Tom"]

    def alone(self, n):
        texts = {p: generate([p], "-n", n, "--parallel", "1")[0]["text"] for p in self.PROMPTS}
        for p in self.PROMPTS:
            self.assertTrue(generate([p], "-n", "32", "--parallel", "1")[0]["text"].startswith(texts[p]), p)
        return texts

    def test_generate(self):
        for n in ["1", "4"]:
            want = self.alone(n)
            for parallel in [[], ["--parallel", "2"], ["--parallel", "256"]]:
                for prompts in [self.PROMPTS[:1], self.PROMPTS]:
                    got = generate(prompts, "-n", n, *parallel)
                    self.assertEqual([r["text"] for r in got], [want[p] for p in prompts], (n, parallel))
                    self.assertTrue(all(r["output_tokens"] == int(n) for r in got), (n, parallel))

    def test_eval_and_run(self):
        """The runner generates a task's documents in chunks and warms up on one request."""
        (self.dir / "short.jsonl").write_text("".join(json.dumps({"prompt": p, "reference": "x"}) + "\n"
                                                      for p in self.PROMPTS))
        task = self.dir / "short_prompts.yaml"
        task.write_text("task: short_prompts\noutput_type: generate\ntask_type: creative_writing\n"
                        "dataset: {path: ./short.jsonl, format: jsonl}\n"
                        "doc_to_text: \"{{prompt}}\"\ndoc_to_target: \"{{reference}}\"\n"
                        "generation_kwargs: {max_new_tokens: 4}\nmetrics: [output_length]\n")
        experiment = self.dir / "short.yaml"
        experiment.write_text(f"experiment: short\ndata_dir: {DATA}\n"
                              "defaults: {temperature: 0.0, max_new_tokens: 4, seed: 42, warmup: 1, repetitions: 1}\n"
                              "models:\n  - {name: stories260k, path: models/stories260K.gguf}\n"
                              "backends:\n  - {name: cpu, type: llama, threads: 2}\n"
                              f"tasks:\n  - {{name: {task}}}\n")
        want = self.alone("4")
        run([QUALM, "eval", "-m", MODEL, "--tasks", task, "--json", "--out", self.dir / "eval"])
        run([QUALM, "run", experiment, "--out", self.dir / "run"])
        for out in ["eval", "run"]:
            recs = sorted(samples(self.dir / out), key=lambda r: r["sample_id"])
            self.assertEqual([r["candidate"] for r in recs], [want[p] for p in self.PROMPTS], out)
            self.assertTrue(all(r["output_tokens"] == 4 for r in recs), out)


if __name__ == "__main__":
    unittest.main()
