"""Code execution end to end (humaneval, pass@k). A loopback OpenAI-compatible server answers
each HumanEval problem with a chosen completion - its canonical solution, a wrong one, an
infinite loop, a fork bomb, a network call - and qualm eval --tasks humaneval
--allow-code-execution runs each against the problem's own tests. Then qualm run, with the
experiment key, on both real models."""

import gzip
import json
import math
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import QUALM, TempDirCase, assert_no_library_text, require_data, run  # noqa: E402
from remote_servers import LoopbackServer, ok, records  # noqa: E402

DATA = require_data()
PROBLEMS = [json.loads(line) for line in gzip.open(DATA / "datasets" / "humaneval" / "HumanEval.jsonl.gz", "rt")]
METRIC = "pass@1,create_test"
MBPP_ROWS = [json.loads(line) for line in (DATA / "datasets" / "mbpp" / "mbpp.jsonl").read_text().splitlines()]
MBPP = [r for r in MBPP_ROWS if 11 <= r["task_id"] <= 510]


def mbpp_prompt_end(r):
    """The end of an mbpp prompt: lm-eval's doc_to_text of the problem (its shots come before)."""
    return (f"You are an expert Python programmer, and here is your task: {r['text']} Your code should pass these "
            f"tests:\n\n" + "\n".join(r["test_list"]) + "\n[BEGIN]\n")


def completions(answer_of, problems=None, by_seed=None):
    """/v1/completions answering each problem's prompt with answer_of(problem): a HumanEval
    prompt is the problem's own; an mbpp prompt ends with the problem's text."""
    by_prompt = {p["prompt"]: p for p in PROBLEMS}
    by_end = {mbpp_prompt_end(r): r for r in (problems or [])}

    def answer(path, body):
        if path == "/v1/models":
            return ok({"object": "list", "data": [{"id": "fake", "object": "model"}]})
        if path != "/v1/completions":
            return 404, b"{}", None
        prompt = body.get("prompt", "")
        problem = by_prompt.get(prompt)
        if problem is None:
            problem = next((r for end, r in by_end.items() if prompt.endswith(end)), None)
        if by_seed is not None and problem is not None:
            text = by_seed(problem, body.get("seed", 0))
        else:
            text = answer_of(problem) if problem is not None else ""
        return ok({"object": "text_completion", "model": body.get("model", "fake"),
                   "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})

    return answer


class HumanEvalCase(TempDirCase):
    def eval_with(self, name, answer_of, *extra, check=True, task="humaneval", by_seed=None):
        server = LoopbackServer(completions(answer_of, MBPP if task == "mbpp" else None, by_seed))
        out = self.dir / name
        try:
            proc = run([QUALM, "eval", "--backend", "openai", "--base-url", server.url, "--model", "fake",
                        "--tasks", task, "--out", str(out), "--json", *extra], check=False)
        finally:
            server.close()
        assert_no_library_text(["qualm", "eval"], proc)
        if check:
            self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc, out

    def test_canonical_solutions_pass_164_of_164(self):
        # The reference solutions' own running time is not under test: a loaded machine (ctest -j2)
        # stretches the slowest past code_eval's 3 s (MBPP's task 123 sums amicable numbers to 9999,
        # about 2 s alone), so these runs give each program 30 s.
        proc, out = self.eval_with("canonical", lambda p: p["canonical_solution"], "--allow-code-execution",
                                   "--code-timeout", "30")
        task = json.loads(proc.stdout)["results"]["humaneval"]
        self.assertEqual(task[METRIC], 1.0)
        recs = records(out)
        self.assertEqual(len(recs), 164)
        for r in recs:
            self.assertEqual(r["code_results"], {"create_test": ["passed"]}, r["doc_key"] if "doc_key" in r else r)
            self.assertEqual(r["filtered"]["create_test"], PROBLEMS[r["sample_id"]]["prompt"] + r["raw_output"])

    def test_mbpp_reference_solutions_pass(self):
        """lm-eval's mbpp: the test split (task_id 11-510), 3 shots from task_ids 2-4, the
        completion run with the three tests after it."""
        proc, out = self.eval_with("mbpp", lambda r: r["code"] + "\n", "--allow-code-execution", "--code-timeout", "30",
                                   task="mbpp")  # 30 s: see test_canonical_solutions_pass_164_of_164
        recs = records(out)
        self.assertEqual(len(recs), 500)
        self.assertEqual([r["source"] for r in recs][:2], ["datasets/mbpp/mbpp.jsonl:11", "datasets/mbpp/mbpp.jsonl:12"])
        shots = [r for r in MBPP_ROWS if 2 <= r["task_id"] <= 4]
        expected_shots = "".join(mbpp_prompt_end(s) + s["code"] + "\n[DONE]\n\n" for s in shots)
        self.assertEqual(recs[0]["prompt"], expected_shots + mbpp_prompt_end(MBPP[0]))
        failed = {r["sample_id"]: r["code_results"]["none"][0] for r in recs if r["code_results"]["none"] != ["passed"]}
        value = json.loads(proc.stdout)["results"]["mbpp"]["pass_at_1"]
        self.assertEqual(value, (500 - len(failed)) / 500)
        # task_id 367's tests need its test_setup_code (a tree class), which lm-eval's mbpp does not
        # run either: its reference solution fails there too.
        self.assertEqual(MBPP[356]["task_id"], 367)
        self.assertTrue(MBPP[356]["test_setup_code"])
        self.assertEqual(failed, {356: "failed: NameError: name 'root' is not defined"})

    def test_humaneval_64_pass_at_k_is_chen_et_al(self):
        """64 samples per problem, each sampled with its own seed; the server answers with the
        canonical solution for about a third of the seeds. pass@k per problem must be
        1 - C(n-c, k) / C(n, k) over the samples that passed (math.comb, exact)."""
        def by_seed(p, seed):
            return p["canonical_solution"] if seed % 3 == 0 else "    return None\n"
        proc, out = self.eval_with("he64", None, "--allow-code-execution", "--limit", "3", task="humaneval_64",
                                   by_seed=by_seed)
        result = json.loads(proc.stdout)["results"]["humaneval_64"]
        ks = [1, 2, 8, 16, 32, 64]
        expected = {k: [] for k in ks}
        for r in records(out):
            ran = r["code_results"]["create_test"]
            self.assertEqual(len(ran), 64)
            n, c = len(ran), ran.count("passed")
            self.assertTrue(0 < c < n, c)  # the seeds differ per sample: some pass, some fail
            for k in ks:
                want = 1.0 if n - c < k else 1 - math.comb(n - c, k) / math.comb(n, k)
                self.assertAlmostEqual(r["metrics"][f"pass@{k},create_test"], want, delta=1e-12)
                expected[k].append(want)
        for k in ks:
            self.assertAlmostEqual(result[f"pass@{k},create_test"], sum(expected[k]) / 3, delta=1e-12)

    def test_wrong_solutions_fail(self):
        proc, out = self.eval_with("wrong", lambda p: "    return None\n", "--allow-code-execution", "--limit", "20")
        self.assertEqual(json.loads(proc.stdout)["results"]["humaneval"][METRIC], 0.0)
        for r in records(out):
            self.assertTrue(r["code_results"]["create_test"][0].startswith("failed: "), r["code_results"])

    def test_loops_fork_bombs_and_the_network_fail_alone(self):
        bodies = ["    while True:\n        pass\n",
                  "    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n"
                  "            pass\n",
                  "    import urllib.request\n    urllib.request.urlopen('http://127.0.0.1:9/', timeout=2)\n",
                  None]  # the canonical solution: one of four passes
        chosen = {p["prompt"]: bodies[i] or p["canonical_solution"] for i, p in enumerate(PROBLEMS[:4])}
        start = time.monotonic()
        proc, out = self.eval_with("hostile", lambda p: chosen[p["prompt"]], "--allow-code-execution", "--limit", "4",
                                   "--code-timeout", "1")
        self.assertLess(time.monotonic() - start, 120)
        self.assertEqual(json.loads(proc.stdout)["results"]["humaneval"][METRIC], 0.25)
        got = {r["sample_id"]: r["code_results"]["create_test"][0] for r in records(out)}
        self.assertEqual(got[0], "timed out")
        self.assertNotEqual(got[1], "passed")
        self.assertTrue(got[2].startswith("failed: ") and "URLError" in got[2], got[2])
        self.assertEqual(got[3], "passed")

    def test_refused_without_the_flag(self):
        proc, out = self.eval_with("refused", lambda p: p["canonical_solution"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("task humaneval runs the model's code", proc.stderr)
        self.assertIn("--allow-code-execution", proc.stderr)
        self.assertFalse((out / "samples.jsonl").exists())


class RunOnRealModels(TempDirCase):
    """qualm run with code_execution: {allow: true}, on both real models: their completions are
    run and fail (neither writes Python), and every record says how."""

    def experiment(self, allow):
        path = self.dir / f"code-{allow}.yaml"
        models = DATA / "models"
        path.write_text(f"""experiment: code-{allow}
models:
  - {{name: stories260K, path: {models / 'stories260K.gguf'}}}
  - {{name: tinystories656K, path: {models / 'tinystories-656k' / 'TinyStories-656K.f16.gguf'}}}
tasks:
  - {{name: humaneval, limit: 2, max_new_tokens: 32}}
defaults: {{warmup: 0}}
""" + ("code_execution: {allow: true, timeout_s: 2}\n" if allow else ""))
        return path

    def test_run_scores_both_models(self):
        out = self.dir / "run"
        run([QUALM, "run", str(self.experiment(True)), "--out", str(out)])
        recs = records(out)
        self.assertEqual(sorted(r["model"] for r in recs), ["stories260K"] * 2 + ["tinystories656K"] * 2)
        for r in recs:
            self.assertIn(METRIC, r["metrics"])
            self.assertEqual(len(r["code_results"]["create_test"]), 1)
            passed = r["code_results"]["create_test"][0] == "passed"
            self.assertEqual(r["metrics"][METRIC], 1.0 if passed else 0.0)

    def test_run_refuses_without_the_key(self):
        proc = run([QUALM, "run", str(self.experiment(False)), "--out", str(self.dir / "refused")], check=False)
        assert_no_library_text(["qualm", "run"], proc)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("add code_execution: {allow: true} to the experiment", proc.stderr)


if __name__ == "__main__":
    unittest.main()
