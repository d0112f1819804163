"""qualm run end to end (SPEC S5, issue 5): the smoke experiment's artifacts; the same
config and seed give the same records; a run killed with SIGKILL and resumed equals an
uninterrupted one (each record once, same texts and decisions, scores to 1e-6 relative);
a crash while embedding metrics were pending, with a torn last line, resumes the same way."""

import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import FIXTURES, QUALM, TempDirCase, keyed_records, require_data, run, smoke_config  # noqa: E402

TIMING_FIELDS = {"gen_time_ms", "run_id"}  # run_id names the run directory
LIMIT = "3"


def records(run_dir):
    return keyed_records(run_dir)


def close(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float)
                      and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12))


def run_smoke(config, out, *extra, check=True):
    return run([QUALM, "run", config, "--out", out, "--limit", LIMIT, *extra], check=check)


class RunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_data()
        cls.tmp_class = Path(os.environ.get("TMPDIR", "/tmp")) / f"qualm-run-test-{os.getpid()}"
        shutil.rmtree(cls.tmp_class, ignore_errors=True)
        cls.tmp_class.mkdir(parents=True)
        os.environ["QUALM_CACHE_DIR"] = str(cls.tmp_class / "cache")
        cls.config = smoke_config(cls.tmp_class)
        cls.baseline = cls.tmp_class / "baseline"
        run_smoke(cls.config, cls.baseline)
        cls.expected = records(cls.baseline)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp_class, ignore_errors=True)

    def assert_same_records(self, run_dir, exact=False):
        got = records(run_dir)
        self.assertEqual(sorted(got), sorted(self.expected))
        for key, want in self.expected.items():
            have = got[key]
            for field in ("candidate", "correct", "pred", "prompt", "reference", "error", "output_tokens"):
                self.assertEqual(have.get(field), want.get(field), f"{key} {field}")
            self.assertEqual(sorted(have["metrics"]), sorted(want["metrics"]), key)
            for name, value in want["metrics"].items():
                self.assertTrue(close(have["metrics"][name], value), f"{key} {name}: {have['metrics'][name]} != {value}")
            for c_have, c_want in zip(have.get("choices") or [], want.get("choices") or []):
                self.assertTrue(close(c_have["loglikelihood"], c_want["loglikelihood"]), key)
            if exact:
                strip = lambda r: {k: v for k, v in r.items() if k not in TIMING_FIELDS}  # noqa: E731
                self.assertEqual(strip(have), strip(want), key)

    def test_artifacts(self):
        manifest = json.loads((self.baseline / "manifest.json").read_text())
        for key in ("qualm_version", "git_commit", "config", "config_sha256", "task_sha256", "data_sha256", "models",
                    "llama_cpp_commit", "add_bos", "seeds", "started_at", "finished_at", "machine", "counts"):
            self.assertIn(key, manifest)
        self.assertEqual(manifest["counts"]["errors"], 0)
        self.assertEqual(manifest["counts"]["evaluated"], len(self.expected))
        # The embedding metrics' waiting records are all in samples.jsonl: nothing is left pending.
        self.assertFalse((self.baseline / "pending.jsonl").exists())
        variants = {m["variant"]: m for m in manifest["models"]}
        self.assertTrue(variants["Q8_0"]["derived"])
        self.assertEqual(variants["Q8_0"]["gguf"]["metadata"]["general.file_type"], "7")  # LLAMA_FTYPE_MOSTLY_Q8_0
        self.assertEqual(len(variants["f32"]["sha256"]), 64)
        with open(self.baseline / "aggregate.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(list(rows[0]), ["model", "variant", "backend", "task_name", "metric", "n", "mean", "std",
                                         "ci_low", "ci_high", "aggregation"])
        # A corpus metric's row is its corpus statistic (BLEU, chrF); every other generate and
        # multiple-choice metric's row is the mean of its records' values.
        self.assertEqual({r["metric"] for r in rows if r["aggregation"] == "corpus"} - {"bleu", "sacrebleu", "chrf"}, set())
        for row in [r for r in rows if r["aggregation"] == "mean"][:40]:
            values = [r["metrics"][row["metric"]] for k, r in self.expected.items()
                      if k[:4] == (row["model"], row["variant"], row["backend"], row["task_name"])
                      and row["metric"] in r["metrics"]]
            self.assertEqual(int(row["n"]), len(values))
            self.assertAlmostEqual(float(row["mean"]), sum(values) / len(values), places=12)
            self.assertLessEqual(float(row["ci_low"]), float(row["mean"]) + 1e-12)
            self.assertGreaterEqual(float(row["ci_high"]), float(row["mean"]) - 1e-12)
        summary = json.loads((self.baseline / "summary.json").read_text())
        self.assertEqual({i["name"]: i["status"] for i in summary["invariants"]},
                         {"metric_ranges": "PASS", "no_nan": "PASS", "sample_counts": "PASS",
                          "skip_counts": "PASS", "greedy_determinism": "PASS", "backend_answer_identity": "PASS"})
        # Two repetitions at temperature 0.7 on creative_writing, every embedding metric filled in.
        reps = {k[5] for k in self.expected if k[3] == "creative_writing"}
        self.assertEqual(reps, {0, 1})
        summ = [r for k, r in self.expected.items() if k[3] == "summarization"]
        self.assertTrue(all("bertscore" in r["metrics"] and "coherence" in r["metrics"] for r in summ))

    def test_same_seed_same_records(self):
        again = self.tmp_class / "again"
        run_smoke(self.config, again)
        self.assert_same_records(again, exact=True)

    def test_kill_and_resume(self):
        out = self.tmp_class / "killed"
        proc = subprocess.Popen([QUALM, "run", self.config, "--out", out, "--limit", LIMIT],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples = out / "samples.jsonl"
        deadline = time.time() + 600
        while time.time() < deadline and proc.poll() is None:
            if samples.exists() and samples.read_text().count("\n") >= 40:
                break
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the run finished before it could be killed")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        self.assertFalse((out / "summary.json").exists())
        partial = samples.read_text().count("\n")
        self.assertLess(partial, len(self.expected))
        result = run_smoke(self.config, out, "--resume")
        self.assertIn("resuming", result.stderr)
        self.assert_same_records(out)

    def test_crash_while_embedding_resumes(self):
        # The state a kill during the embedding phase leaves: every generation pending, the
        # last records not yet final, a torn line; plus an error record, which is retried.
        out = self.tmp_class / "embedding"
        shutil.copytree(self.baseline, out)
        lines = (out / "samples.jsonl").read_text().splitlines(keepends=True)
        first = json.loads(lines[0])
        first["error"] = "simulated failure"
        first["metrics"] = {}
        kept = [json.dumps(first) + "\n"] + lines[1:-10]
        (out / "samples.jsonl").write_text("".join(kept) + lines[-10][: len(lines[-10]) // 2])
        run_smoke(self.config, out, "--resume")
        self.assert_same_records(out)

    def test_resume_with_another_config_is_refused(self):
        out = self.tmp_class / "other"
        shutil.copytree(self.baseline, out)
        other = self.tmp_class / "other.yaml"
        other.write_text(self.config.read_text().replace("seed: 42", "seed: 43"))
        result = run([QUALM, "run", other, "--out", out, "--limit", LIMIT, "--resume"], check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("differs from the experiment", result.stderr)


class RunBadInputTest(TempDirCase):
    def setUp(self):
        self.data = require_data()

    def write(self, name, text):
        path = self.dir / name
        path.write_text(text)
        return path

    def experiment(self, body):
        return self.write("exp.yaml", "experiment: bad\n"
                                      f"data_dir: {self.data}\n" + body)

    def test_unknown_key_with_did_you_mean(self):
        config = self.experiment("defaults: {temprature: 0.5}\n"
                                 "models: [{name: m, path: models/stories260K.gguf}]\n"
                                 "tasks: [arc_easy]\n")
        result = run([QUALM, "validate", config], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("exp.yaml:3", result.stderr)
        self.assertIn("temperature", result.stderr)

    def test_every_problem_is_listed(self):
        config = self.experiment("models: [{name: m, path: models/missing.gguf}]\n"
                                 "tasks: [arc_eesy, qa]\n"
                                 "backends: [{name: cpu, type: llama, threads: two}]\n")
        result = run([QUALM, "validate", config], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("exp.yaml:3", result.stderr)  # the missing model file
        self.assertIn("exp.yaml:5", result.stderr)  # threads
        result = run([QUALM, "run", config, "--dry-run"], check=False)
        self.assertEqual(result.returncode, 2)

    def test_unknown_task(self):
        config = self.experiment("models: [{name: m, path: models/stories260K.gguf}]\n"
                                 "tasks: [arc_eesy]\n")
        result = run([QUALM, "validate", config], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("exp.yaml:4", result.stderr)
        self.assertIn("arc_easy", result.stderr)

    def test_backend_that_cannot_serve_is_refused_before_the_run(self):
        if json.loads(run([QUALM, "version", "--json"]).stdout)["gpu_offload"]:
            self.skipTest("this llama.cpp has GPU offload")
        body = ("models: [{name: m, path: models/stories260K.gguf}]\n"
                "backends: [{name: gpu, type: llama, device: cuda}]\n"
                "tasks: [{name: arc_easy, limit: 2}]\n")
        result = run([QUALM, "run", self.experiment(body), "--out", self.dir / "gpu"], check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("without CUDA", result.stderr)
        self.assertFalse((self.dir / "gpu" / "samples.jsonl").exists())
        # An explicit skip rule makes it a counted, reported skip (beside a backend that runs: an
        # experiment that evaluates nothing is refused).
        body = body.replace("backends: [", "backends: [{name: cpu, type: llama}, ")
        body += "skip: [{backend: gpu, why: no GPU on this machine}]\n"
        result = run([QUALM, "run", self.experiment(body), "--dry-run"], check=False)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("skipped: no GPU on this machine", result.stdout)
        self.assertIn("1 skipped", result.stdout)

    def test_embedding_model_under_test_is_refused_before_the_run(self):
        config = self.experiment(f"models: [{{name: bert, path: {FIXTURES / 'tiny-bert.gguf'}}}]\n"
                                 "tasks: [{name: arc_easy, limit: 1}]\n")
        result = run([QUALM, "run", config, "--out", self.dir / "bert"], check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("no language-model head", result.stderr)
        self.assertFalse((self.dir / "bert").exists())

    def test_model_that_cannot_load_is_refused_before_the_run(self):
        broken = self.write("broken.gguf", "GGUF but not really a model\n")
        body = ("models:\n"
                "  - name: m\n"
                "    path: models/stories260K.gguf\n"
                f"    variants: [f32, {{name: broken, path: {broken}}}]\n"
                "tasks: [{name: arc_easy, limit: 2}]\n"
                "defaults: {warmup: 0}\n")
        out = self.dir / "broken"
        result = run([QUALM, "run", self.experiment(body), "--out", out], check=False)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn(f"exp.yaml:6: model file: {broken}: GGUF header or tensor table is unreadable", result.stderr)
        self.assertFalse(out.exists())


if __name__ == "__main__":
    unittest.main()
