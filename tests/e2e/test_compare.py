"""qualm compare end to end (SPEC S7, S8): two real runs of stories260K, f32 and Q4_0, then
compare.json checked against numbers recomputed here from the two samples.jsonl (paired by
task_name + sample_id + rep), gates that pass (exit 0) and fail (exit 3, the gate and its
margin on stderr), baseline.* thresholds equal to the baseline run's aggregate.csv, a bad
gate (exit 2, also in the experiment file with file:line), a missing or garbled run (exit 2)."""

import csv
import json
import os
import shutil
import sys
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import FIXTURES, QUALM, require_data, run  # noqa: E402

KEY_METRICS = ("bertscore", "coherence", "rouge_l")
GROUPS = {}  # task -> group, from the manifest's plan (mmlu pooling is unit-tested: it is slow here)


def experiment(data, variant, name):
    bert = FIXTURES / "tiny-bert.gguf"
    return (f"experiment: {name}\n"
            f"data_dir: {data}\n"
            "defaults: {temperature: 0.0, max_new_tokens: 12, seed: 42, warmup: 0, repetitions: 1}\n"
            "models:\n"
            "  - name: stories260k\n"
            "    path: models/stories260K.gguf\n"
            f"    variants: [{variant}]\n"
            "backends: [{name: cpu, type: llama, threads: 2, context_size: 512}]\n"
            "tasks:\n"
            "  - {name: summarization, limit: 3, max_new_tokens: 12}\n"
            "  - {name: qa, limit: 3, max_new_tokens: 12}\n"
            "  - {name: creative_writing, limit: 2, temperature: 0.7, repetitions: 2, max_new_tokens: 12}\n"
            "  - {name: arc_easy, limit: 8}\n"
            + (f"embedding_model: {{path: {bert}}}\n" if bert.is_file() else ""))


def records(run_dir):
    with open(Path(run_dir) / "samples.jsonl") as f:
        return [json.loads(line) for line in f if line.strip()]


def aggregate(run_dir):
    with open(Path(run_dir) / "aggregate.csv", newline="") as f:
        return {(r["variant"], r["task_name"], r["metric"]): r for r in csv.DictReader(f)}


def by_key(recs):
    out = {}
    for r in recs:
        if r.get("error") is None and r["task_type"] != "kld":
            out.setdefault((r["task_name"], json.dumps(r["sample_id"]), r["rep"]), r)
    return out


def mean(values):
    return sum(values) / len(values)


def expected_rows(base, cand, row_of):
    """(task, metric) -> paired baseline values, candidate values; from the records alone."""
    rows = {}
    for key, rc in cand.items():
        task = row_of(rc)
        rb = base.get(key)
        if task is None or rb is None:
            continue
        for metric, value in (rc.get("metrics") or {}).items():
            other = (rb.get("metrics") or {}).get(metric)
            if value is None or other is None:
                continue
            b, c = rows.setdefault((task, metric), ([], []))
            b.append(float(other))
            c.append(float(value))
    return rows


class CompareTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        data = require_data()
        cls.tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"qualm-compare-test-{os.getpid()}"
        shutil.rmtree(cls.tmp, ignore_errors=True)
        cls.tmp.mkdir(parents=True)
        os.environ["QUALM_CACHE_DIR"] = str(cls.tmp / "cache")
        cls.base, cls.cand = cls.tmp / "base", cls.tmp / "cand"
        for out, variant, name in ((cls.base, "f32", "cmp-base"), (cls.cand, "{quantize: Q4_0}", "cmp-cand")):
            config = cls.tmp / f"{name}.yaml"
            config.write_text(experiment(data, variant, name))
            run([QUALM, "run", config, "--out", out])
        manifest = json.loads((cls.cand / "manifest.json").read_text())
        for t in manifest.get("plan", {}).get("tasks", []):
            if t.get("group"):
                GROUPS[t["name"]] = t["group"]
        cls.out = cls.tmp / "cmp"
        cls.result = run([QUALM, "compare", cls.base, cls.cand, "--out", cls.out, "--gate", "acc@arc_easy <= 1",
                          "--gate", "rouge_l@qa >= baseline.ci_low", "--gate", "acc_norm@arc_easy >= baseline.mean"],
                         check=False)
        cls.compare = json.loads((cls.out / "compare.json").read_text())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def pair(self):
        self.assertEqual(len(self.compare["pairs"]), 1)
        return self.compare["pairs"][0]

    def test_pairing_and_files(self):
        p = self.pair()
        self.assertEqual(p["baseline"], {"model": "stories260k", "variant": "f32", "backend": "cpu"})
        self.assertEqual(p["candidate"], {"model": "stories260k", "variant": "Q4_0", "backend": "cpu"})
        self.assertEqual(p["paired_by"], "model+backend")
        base, cand = by_key(records(self.base)), by_key(records(self.cand))
        self.assertEqual(p["samples"]["paired"], len(set(base) & set(cand)))
        self.assertEqual(p["samples"]["only_baseline"], len(set(base) - set(cand)))
        md = (self.out / "compare.md").read_text()
        self.assertIn("# Quantization impact", md)
        self.assertIn("## Quality gates", md)
        self.assertIn("| summarization | rouge_l |", md)

    def test_per_task_numbers_match_the_records(self):
        p = self.pair()
        base, cand = by_key(records(self.base)), by_key(records(self.cand))
        want = expected_rows(base, cand, lambda r: GROUPS.get(r["task_name"], r["task_name"]))
        got = {(r["task_name"], r["metric"]): r for r in p["tasks"]}
        self.assertEqual(set(got), set(want))
        for key, (b, c) in want.items():
            row = got[key]
            self.assertEqual(row["n_paired"], len(b), key)
            self.assertAlmostEqual(row["baseline_mean"], mean(b), places=12, msg=str(key))
            self.assertAlmostEqual(row["candidate_mean"], mean(c), places=12, msg=str(key))
            self.assertAlmostEqual(row["delta"], mean(c) - mean(b), places=12, msg=str(key))
            if mean(b) != 0:
                self.assertAlmostEqual(row["delta_pct"], 100 * (mean(c) - mean(b)) / mean(b), places=9, msg=str(key))
            else:
                self.assertIsNone(row["delta_pct"])
            self.assertLessEqual(row["delta_ci_low"], row["delta"] + 1e-12, key)
            self.assertGreaterEqual(row["delta_ci_high"], row["delta"] - 1e-12, key)

    def test_overall_key_metrics_and_composite(self):
        p = self.pair()
        base, cand = by_key(records(self.base)), by_key(records(self.cand))
        gen = lambda r: "*" if r["task_type"] != "multiple_choice" else None  # noqa: E731
        want = expected_rows(base, cand, gen)
        got = {r["metric"]: r for r in p["overall"]}
        self.assertEqual(set(got), {m for _, m in want})
        pcts = []
        for (_, metric), (b, c) in want.items():
            self.assertAlmostEqual(got[metric]["delta"], mean(c) - mean(b), places=12)
            if metric in KEY_METRICS and mean(b) != 0:
                pcts.append(100 * (mean(c) - mean(b)) / mean(b))
        self.assertIn("rouge_l", p["key_metrics"])
        self.assertAlmostEqual(p["key_metric_avg_delta_pct"], mean(pcts), places=9)
        composite_b = mean([mean(b) for b, _ in want.values()])
        composite_c = mean([mean(c) for _, c in want.values()])
        self.assertAlmostEqual(p["composite"]["baseline"], composite_b, places=12)
        self.assertAlmostEqual(p["composite"]["candidate"], composite_c, places=12)
        self.assertAlmostEqual(p["composite"]["delta"], composite_c - composite_b, places=12)

    def test_baseline_thresholds_are_the_baseline_aggregate(self):
        base_rows, cand_rows = aggregate(self.base), aggregate(self.cand)
        gates = {g["gate"]: g for g in self.compare["gates"]}
        qa = gates["rouge_l@qa >= baseline.ci_low"]
        self.assertEqual(qa["threshold"], float(base_rows[("f32", "qa", "rouge_l")]["ci_low"]))
        self.assertAlmostEqual(qa["actual"], float(cand_rows[("Q4_0", "qa", "rouge_l")]["mean"]), places=12)
        self.assertAlmostEqual(qa["by"], qa["actual"] - qa["threshold"], places=12)
        self.assertEqual(gates["acc@arc_easy <= 1"]["status"], "PASS")
        arc = gates["acc_norm@arc_easy >= baseline.mean"]
        self.assertEqual(arc["threshold"], float(base_rows[("f32", "arc_easy", "acc_norm")]["mean"]))
        self.assertEqual(arc["n"], 8)
        want_rc = 3 if any(g["status"] != "PASS" for g in self.compare["gates"]) else 0
        self.assertEqual(self.result.returncode, want_rc, self.result.stderr)

    def test_passing_gates_exit_0_and_default_out(self):
        target = self.tmp / "cand-copy"
        shutil.copytree(self.cand, target, dirs_exist_ok=True)
        result = run([QUALM, "compare", self.base, target, "--gate", "acc@arc_easy >= 0", "--gate",
                      "output_length@summarization:stories260k <= 1"])
        self.assertEqual(result.returncode, 0)
        self.assertTrue((target / "compare.json").is_file())
        self.assertTrue((target / "compare.md").is_file())
        self.assertIn("PASS", result.stdout)

    def test_json_prints_compare_json(self):
        result = run([QUALM, "compare", self.base, self.cand, "--out", self.tmp / "js", "--json"])
        self.assertEqual(json.loads(result.stdout), json.loads((self.tmp / "js" / "compare.json").read_text()))
        self.assertIn("wrote", result.stderr)

    def test_failing_gate_exits_3_with_margin(self):
        cand_mean = float(aggregate(self.cand)[("Q4_0", "summarization", "rouge_l")]["mean"])
        threshold = round(cand_mean + 0.5, 6)
        gate = f"rouge_l@summarization >= {threshold}"
        result = run([QUALM, "compare", self.base, self.cand, "--out", self.tmp / "fail", "--gate", gate],
                     check=False)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn(gate + ": FAIL for stories260k/Q4_0/cpu", result.stderr)
        self.assertIn(f"(by {cand_mean - threshold:+.4f})", result.stderr)
        gates = json.loads((self.tmp / "fail" / "compare.json").read_text())["gates"]
        self.assertEqual(gates[0]["status"], "FAIL")
        self.assertAlmostEqual(gates[0]["by"], cand_mean - threshold, places=12)

    def test_gate_matching_nothing_fails(self):
        result = run([QUALM, "compare", self.base, self.cand, "--out", self.tmp / "none", "--gate",
                      "rouge_l@sumarization >= 0"], check=False)
        self.assertEqual(result.returncode, 3)
        self.assertIn("no records match", result.stderr)
        self.assertIn("did you mean summarization?", result.stderr)

    def test_bad_gate_exits_2(self):
        result = run([QUALM, "compare", self.base, self.cand, "--gate", "rouge_l => 0.3"], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--gate: gate \"rouge_l => 0.3\": '=>' is not an operator (write '>=')", result.stderr)

    def test_bad_gate_in_experiment_names_file_and_line(self):
        config = self.tmp / "bad-gate.yaml"
        config.write_text(experiment(require_data(), "f32", "bad-gate") + "gates: [\"rouge_l@qa >= 30%\"]\n")
        lines = config.read_text().splitlines()
        line = next(i for i, text in enumerate(lines, 1) if text.startswith("gates:"))
        result = run([QUALM, "validate", config], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"bad-gate.yaml:{line}: gate \"rouge_l@qa >= 30%\": value '30%' is a percentage", result.stderr)

    def test_missing_or_garbled_run_exits_2(self):
        result = run([QUALM, "compare", self.base, self.tmp / "no-such-run"], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("no-such-run: no such run directory", result.stderr)
        garbled = self.tmp / "garbled"
        garbled.mkdir(exist_ok=True)
        (garbled / "samples.jsonl").write_text('{"model": "m"}\nnot json\n{"model": "m"}\n')
        result = run([QUALM, "compare", garbled, self.cand], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("samples.jsonl", result.stderr)
        empty = self.tmp / "empty"
        empty.mkdir(exist_ok=True)
        result = run([QUALM, "compare", self.base, empty], check=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("samples.jsonl: missing", result.stderr)


if __name__ == "__main__":
    unittest.main()
