"""qualm eval and qualm tasks end to end: the results.json contract, samples.jsonl records
that agree with it, mmlu as a group, few-shot and truncation, a user's own task file, and
bad input (one line, exit 2, file:line and field)."""

import bz2
import json
import shutil
import unittest
from pathlib import Path

from qualm_e2e import QUALM, SOURCE, TempDirCase, require_data, run

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"
METRICS = ["acc", "acc_norm", "acc_bytes", "acc_token_mean"]


def mean(xs):
    return sum(xs) / len(xs)


def sample_stderr(xs):
    m = mean(xs)
    return (sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) ** 0.5


class Eval(TempDirCase):
    def eval_out(self, name, *args):
        out = self.dir / name
        proc = run([QUALM, "eval", "-m", MODEL, "--json", "--out", out, *args])
        printed = json.loads(proc.stdout)
        written = json.loads((out / "results.json").read_text())
        self.assertEqual(printed, written)
        samples = [json.loads(l) for l in (out / "samples.jsonl").read_text().splitlines()]
        return printed, samples

    def test_results_agree_with_samples(self):
        res, samples = self.eval_out("arc", "--tasks", "arc_easy,arc_challenge", "--limit", "30")
        for task in ["arc_easy", "arc_challenge"]:
            r = res["results"][task]
            mine = [s for s in samples if s["task_name"] == task]
            self.assertEqual(r["n"], 30)
            self.assertEqual([s["sample_id"] for s in mine], list(range(30)))
            for m in METRICS:
                values = [s["metrics"][m] for s in mine]
                self.assertAlmostEqual(r[m], mean(values), places=12)
                self.assertAlmostEqual(r[m + "_stderr"], sample_stderr(values), places=12)
            for s in mine:
                for key in ["run_id", "model", "variant", "backend", "task_name", "task_type", "sample_id", "rep",
                            "seed", "temperature", "prompt", "reference", "candidate", "choices", "correct",
                            "gen_time_ms", "prompt_tokens", "output_tokens", "truncated", "metrics", "error"]:
                    self.assertIn(key, s)
                lls = [c["loglikelihood"] for c in s["choices"]]
                self.assertEqual(s["candidate"], s["choices"][lls.index(max(lls))]["text"])
                self.assertEqual(s["correct"], s["metrics"]["acc"] == 1.0)
                self.assertTrue(s["prompt"].startswith("Question: ") and s["prompt"].endswith("\nAnswer:"))
                self.assertTrue(all(c["n_tokens"] >= 1 and c["loglikelihood"] < 0 for c in s["choices"]))

    def test_noise_floor_is_the_run_against_each_document_alone(self):
        """The packing noise on a task's first 8 documents: each as the run scored it (together
        with the others) against it scored alone, here by runs of one document each. llama.cpp's
        packing moves TinyStories-656K's log-likelihoods a little; batch-invariant scoring not at
        all."""
        tiny = DATA / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf"
        lines = bz2.open(DATA / "datasets" / "hellaswag" / "hellaswag_val_full.txt.bz2", "rt", encoding="utf-8",
                         newline="").read().split("\n")

        def hellaswag(name, first, n, *args):
            text = self.dir / f"{name}.txt"
            text.write_text("\n".join(lines[6 * first: 6 * (first + n)]) + "\n", encoding="utf-8", newline="")
            task = self.dir / f"{name}.yaml"
            task.write_text(f"include: {SOURCE / 'tasks' / 'hellaswag' / 'hellaswag.yaml'}\ntask: hs\n"
                            f"dataset: {{path: {text}, format: hellaswag_text}}\n")
            out = self.dir / name
            run([QUALM, "eval", "-m", tiny, "--tasks", task, "--out", out, *args])
            samples = sorted((json.loads(l) for l in (out / "samples.jsonl").read_text().splitlines()),
                             key=lambda s: s["sample_id"])
            return json.loads((out / "results.json").read_text())["config"]["noise_floor"], samples

        floor, together = hellaswag("together", 0, 12, "--engine-parity", "llama")
        self.assertEqual([(f["task"], f["docs"]) for f in floor], [("hs", 8)])
        dll = 0.0
        for d in range(8):
            _, alone = hellaswag(f"alone{d}", d, 1, "--engine-parity", "llama")
            for a, b in zip(together[d]["choices"], alone[0]["choices"]):
                self.assertEqual(a["text"], b["text"])
                dll = max(dll, abs(a["loglikelihood"] - b["loglikelihood"]))
        self.assertGreater(dll, 0)
        self.assertAlmostEqual(floor[0]["max_abs_dll"], dll, delta=1e-12)
        invariant, _ = hellaswag("invariant", 0, 12)
        self.assertEqual(invariant[0]["max_abs_dll"], 0)

    def test_noise_floor_of_a_resumed_run_is_the_same(self):
        """A resumed run that did not score the first chunk itself scores it again the same way:
        the noise floor does not depend on where a run was interrupted."""
        experiment = self.dir / "floor.yaml"
        experiment.write_text(
            "experiment: floor\n"
            f"models: [{{name: tiny, path: {DATA / 'models' / 'tinystories-656k' / 'TinyStories-656K.f16.gguf'}}}]\n"
            "backends: [{name: parity, type: llama, threads: 1, context_size: 512, engine_parity: llama}]\n"
            "tasks: [{name: arc_easy, limit: 12}, {name: hellaswag, limit: 2}]\n")

        def floors(out):
            return json.loads((out / "manifest.json").read_text())["noise_floor"]

        fresh = self.dir / "fresh"
        run([QUALM, "run", experiment, "--out", fresh])
        resumed = self.dir / "resumed"
        shutil.copytree(fresh, resumed)
        lines = (fresh / "samples.jsonl").read_text().splitlines()
        kept = [l for l in lines if json.loads(l)["task_name"] != "hellaswag"]
        self.assertEqual(len(kept), 12)
        (resumed / "samples.jsonl").write_text("\n".join(kept) + "\n")
        run([QUALM, "run", experiment, "--out", resumed, "--resume"])
        self.assertEqual(len((resumed / "samples.jsonl").read_text().splitlines()), len(lines))
        self.assertGreater(floors(fresh)[0]["max_abs_dll"], 0)
        self.assertEqual(floors(resumed), floors(fresh))

    def test_mmlu_group_is_micro_average(self):
        res, samples = self.eval_out("mmlu", "--tasks", "mmlu", "--limit", "2")
        subjects = [k for k in res["results"] if k.startswith("mmlu_")]
        self.assertEqual(len(subjects), 57)
        self.assertEqual(res["results"]["mmlu"]["n"], 114)
        self.assertEqual(len(samples), 114)
        self.assertAlmostEqual(res["results"]["mmlu"]["acc"], mean([s["metrics"]["acc"] for s in samples]), places=12)
        self.assertEqual(len(res["groups"]["mmlu"]["tasks"]), 57)
        first = [s for s in samples if s["task_name"] == "mmlu_abstract_algebra"][0]
        self.assertTrue(first["prompt"].startswith(
            "The following are multiple choice questions (with answers) about abstract algebra.\n\n"))
        self.assertEqual([c["text"] for c in first["choices"]], ["A", "B", "C", "D"])

    def test_five_shot_and_left_truncation_counted(self):
        res, samples = self.eval_out("mmlu5", "--tasks", "mmlu_anatomy,mmlu_astronomy", "--limit", "3",
                                     "--num-fewshot", "5", "-c", "256")
        for s in samples:
            self.assertEqual(s["prompt"].count("\nAnswer:"), 6)
        self.assertEqual(res["tasks"]["mmlu_anatomy"]["num_fewshot"], 5)
        truncated = sum(1 for s in samples if s["truncated"])
        self.assertGreater(truncated, 0, "5-shot prompts of stories260K's vocabulary exceed 256 tokens")
        self.assertEqual(truncated, res["tasks"]["mmlu_anatomy"]["truncated"] + res["tasks"]["mmlu_astronomy"]["truncated"])

    def test_user_task_file(self):
        data = self.dir / "qa.csv"
        data.write_text("q,a,b,gold\nOnce upon a,time,dog,a\nThe cat sat on the,mat,sky,a\n")
        task = self.dir / "mine.yaml"
        task.write_text(f"include: {Path(__file__).resolve().parents[2] / 'tasks/arc/_arc.yaml'}\n"
                        f"task: mine\ndataset: {{path: {data}, fields: {{choices: [a, b]}}}}\n"
                        "doc_to_text: \"{{q}}\"\ndoc_to_target: \"{{ 0 if false else gold }}\"\n")
        proc = run([QUALM, "eval", "-m", MODEL, "--tasks", task, "--json"], check=False)
        # "0 if false" is not in the template language: the error names the task file.
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("mine.yaml", proc.stderr)
        task.write_text(task.read_text().replace("{{ 0 if false else gold }}", "{{ [a, b].index(gold) }}")
                        )
        data.write_text("q,a,b,gold\nOnce upon a,time,dog,time\nThe cat sat on the,mat,sky,mat\n")
        res = json.loads(run([QUALM, "eval", "-m", MODEL, "--tasks", task, "--json"]).stdout)
        self.assertEqual(res["results"]["mine"]["n"], 2)

    def test_tasks_lists_counts(self):
        listing = json.loads(run([QUALM, "tasks", "--json"]).stdout)
        self.assertEqual(listing["tasks"]["arc_easy"]["samples"], 2376)
        self.assertEqual(listing["tasks"]["arc_challenge"]["samples"], 1172)
        self.assertEqual(listing["tasks"]["hellaswag"]["samples"], 10042)
        self.assertEqual(listing["groups"]["mmlu"]["samples"], 14042)
        self.assertEqual(listing["tasks"]["mmlu_anatomy"]["samples"], 135)
        text = run([QUALM, "tasks"]).stdout
        self.assertIn("mmlu_world_religions", text)
        kinds = listing["kinds"]
        self.assertEqual(sum(kinds.values()), len(listing["tasks"]))
        self.assertIn(f"multiple choice by log-likelihood: {kinds['multiple_choice']} tasks", text)
        self.assertIn(f"generation, scored by text metrics: {kinds['generate']} tasks", text)


class FieldFlags(TempDirCase):
    """llama.cpp's short flags and lm-eval's names do what qualm's own options do."""

    def results(self, name, *args):
        out = self.dir / name
        run([QUALM, "eval", "--tasks", "arc_easy", "--limit", "4", *args])
        return json.loads((out / "results.json").read_text())["results"], out

    def test_llama_and_lm_eval_names_equal_qualm_options(self):
        ours, _ = self.results("ours", "-m", MODEL, "--gpu-layers", "0", "--ubatch-size", "64", "--flash-attn", "off",
                               "--cache-type-k", "f16", "--cache-type-v", "f16", "--num-fewshot", "1",
                               "--out", self.dir / "ours")
        theirs, out = self.results("theirs", "--model_args", f"pretrained={MODEL}", "-ngl", "0", "-ub", "64",
                                   "-fa", "off", "-ctk", "f16", "-ctv", "f16", "--num_fewshot", "1", "--log_samples",
                                   "--output_path", self.dir / "theirs")
        self.assertEqual(ours, theirs)
        self.assertTrue((out / "samples.jsonl").is_file())
        self.assertEqual(json.loads(run([QUALM, "eval", "-m", MODEL, "--tasks", "arc_easy", "--limit", "2", "--device",
                                         "cpu", "--json"]).stdout)["config"]["engine"]["gpu_layers"], 0)

    def test_max_new_tokens_caps_generation(self):
        out = self.dir / "short"
        res = json.loads(run([QUALM, "eval", "-m", MODEL, "--tasks", "qa", "--limit", "3", "-n", "3", "--json",
                              "--out", out]).stdout)
        self.assertEqual(res["config"]["max_new_tokens"], 3)
        rows = [json.loads(l) for l in (out / "samples.jsonl").read_text().splitlines()]
        self.assertEqual(len(rows), 3)
        self.assertTrue(all(0 < r["output_tokens"] <= 3 for r in rows), [r["output_tokens"] for r in rows])

    def test_lm_eval_options_without_an_equivalent_name_the_qualm_one(self):
        proc = run([QUALM, "eval", "--model_args", f"pretrained={MODEL},dtype=float16", "--tasks", "arc_easy"],
                   check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("'dtype' has no qualm equivalent", proc.stderr)
        self.assertIn("-m MODEL.gguf", proc.stderr)
        proc = run([QUALM, "eval", "-m", MODEL, "--tasks", "arc_easy", "--batch_size", "8"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("-b/--batch-size", proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1)

    def test_version_tasks_list_and_help(self):
        self.assertIn("qualm", run([QUALM, "--version"]).stdout)
        listing = run([QUALM, "eval", "--tasks", "list"]).stdout
        self.assertIn("multiple choice by log-likelihood:", listing)
        self.assertIn("winogrande", listing)
        self.assertIn("llama.cpp: -ngl", run([QUALM, "eval", "--help"]).stdout)


class BadRows(TempDirCase):
    def refused(self, csv_text, *needles, tasks=None):
        data = self.dir / "rows.csv"
        data.write_text(csv_text)
        task = self.dir / "rows.yaml"
        task.write_text(f"task: rows\noutput_type: multiple_choice\n"
                        f"dataset: {{path: {data}, fields: {{choices: [c0, c1, c2, c3]}}}}\n"
                        "doc_to_text: \"{{question}}\\nAnswer:\"\n"
                        "doc_to_choice: [\"A\", \"B\", \"C\", \"D\"]\ndoc_to_target: \"{{answer}}\"\n")
        proc = run([QUALM, "eval", "-m", MODEL, "--tasks", tasks or task], check=False)
        self.assertEqual(proc.returncode, 2, f"{proc.stdout}\n{proc.stderr}")
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, proc.stderr)
        for needle in needles:
            self.assertIn(needle, proc.stderr)
        return proc.stderr

    HEADER = "question,c0,c1,c2,c3,answer\n"

    def test_answer_out_of_range(self):
        self.refused(self.HEADER + "q1,a,b,c,d,0\nq2,a,b,c,d,4\n", "rows.csv:3", "{{answer}}", "out of range")

    def test_missing_field(self):
        self.refused("question,c0,c1,c2,answer\nq1,a,b,c,0\n", "rows.csv:2", "field 'c3' is missing")

    def test_wrong_column_count(self):
        self.refused(self.HEADER + "q1,a,b,c,d,0\nq2,a,b,c,d\n", "rows.csv:3", "row has 5 fields, the header has 6")

    def test_unknown_task_gets_closest(self):
        self.refused(self.HEADER, "unknown task 'helaswag'", "hellaswag", tasks="helaswag")
        self.refused(self.HEADER, "mmlu_anatomy", tasks="mmlu_anatomyy")
        self.refused(self.HEADER, "arc_challenge", "arc_easy", tasks="arc")


if __name__ == "__main__":
    unittest.main()
