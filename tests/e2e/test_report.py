"""qualm report and the analyses of summary.json (SPEC S7), checked against SciPy on the
run's own records: backend equivalence (ANOVA, Student t with Holm, Cohen's d, paired t,
Wilcoxon, McNemar), the composite and its rank, Wilson CIs — and that `qualm report`
rebuilds the same artifacts from samples.jsonl alone."""

import json
import math
import shutil
import sys
import unittest
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from qualm_e2e import QUALM, SKIP, TempDirCase, require_data, run  # noqa: E402

try:
    import numpy as np
    from scipy import stats
except ImportError:  # setup.sh installs python3-scipy
    print("SKIPPED: SciPy is not installed (apt-get install python3-scipy)")
    sys.exit(SKIP)

DATA = require_data()

EXPERIMENT = """experiment: report-e2e
data_dir: {data}
defaults: {{temperature: 0.0, max_new_tokens: 16, seed: 7, warmup: 0}}
models:
  - {{name: stories260k, path: models/stories260K.gguf, variants: [f32], params: 260000}}
backends:
  - {{name: cpu, type: llama, threads: 2, context_size: 512}}
  - {{name: cpu-fa-off, type: llama, threads: 1, flash_attn: off, context_size: 512}}
tasks:
  - {{name: summarization, limit: 6}}
  - {{name: qa, limit: 6}}
  - {{name: arc_easy, limit: 12}}
  - {{name: creative_writing, limit: 3, temperature: 0.9, repetitions: 3}}
analysis: {{tost_margin: 0.02}}
"""


def close(a, b, rel=1e-7, abs_=1e-9):
    if a is None or b is None:
        return a is None and (b is None or (isinstance(b, float) and math.isnan(b)))
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


class ReportTest(TempDirCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.base = cls.dir
        cls.dir = cls.base / "run"
        config = cls.base / "exp.yaml"
        config.write_text(EXPERIMENT.format(data=DATA))
        run([QUALM, "run", config, "--out", cls.dir])
        cls.summary = json.loads((cls.dir / "summary.json").read_text())
        cls.records = [json.loads(l) for l in (cls.dir / "samples.jsonl").read_text().splitlines() if l.strip()]

    def generate_values(self):
        """metric -> backend -> {(task, sample, rep): value} over generate records."""
        out = defaultdict(lambda: defaultdict(dict))
        for r in self.records:
            if r["task_type"] in ("multiple_choice", "perplexity", "kld") or r["error"] is not None:
                continue
            for m, v in r["metrics"].items():
                out[m][r["backend"]][(r["task_name"], r["sample_id"], r["rep"])] = float(v)
        return out

    def test_equivalence_matches_scipy(self):
        eq = self.summary["backend_equivalence"]
        self.assertEqual(eq["backends"], ["cpu", "cpu-fa-off"])
        self.assertEqual(eq["complete_blocks"], ["stories260k/f32"])
        values = self.generate_values()
        self.assertEqual(sorted(m["metric"] for m in eq["metrics"]), sorted(values))
        for m in eq["metrics"]:
            a = [v for _, v in sorted(values[m["metric"]]["cpu"].items())]
            b = [v for _, v in sorted(values[m["metric"]]["cpu-fa-off"].items())]
            if np.var(a + b) == 0:
                continue  # constant: SciPy warns and returns NaN, as qualm's null
            f, p = stats.f_oneway(a, b)
            self.assertTrue(close(m["anova"]["f"], f), (m, f))
            self.assertTrue(close(m["anova"]["p"], p), (m, p))
        raw_p = []
        for pair in eq["pairs"]:
            a = values[pair["metric"]]["cpu"]
            b = values[pair["metric"]]["cpu-fa-off"]
            xa, xb = [a[k] for k in sorted(a)], [b[k] for k in sorted(b)]
            t = stats.ttest_ind(xa, xb)
            if not math.isnan(t.pvalue):
                self.assertTrue(close(pair["t"], t.statistic), pair)
                self.assertTrue(close(pair["p"], t.pvalue), pair)
            raw_p.append(pair["p"] if pair["p"] is not None else 1.0)
            keys = sorted(set(a) & set(b))
            self.assertEqual(pair["paired"]["n"], len(keys))
            d = [a[k] - b[k] for k in keys]
            if np.var(d) > 0:
                rel = stats.ttest_rel([a[k] for k in keys], [b[k] for k in keys])
                self.assertTrue(close(pair["paired"]["p"], rel.pvalue), pair)
                self.assertTrue(close(pair["paired"]["mean_diff"], float(np.mean(d))), pair)
        # Holm by hand over the section's pairwise p-values.
        order = sorted(range(len(raw_p)), key=lambda i: raw_p[i])
        m = len(raw_p)
        adjusted, running = [0.0] * m, 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * raw_p[i]))
            adjusted[i] = running
        for pair, want in zip(eq["pairs"], adjusted):
            if pair["p"] is not None:
                self.assertTrue(close(pair["p_holm"], want), (pair, want))

    def test_mcnemar_and_answer_identity(self):
        acc = self.summary["backend_equivalence"]["accuracy"]
        self.assertEqual(len(acc), 1)
        by = defaultdict(dict)
        for r in self.records:
            if r["task_type"] == "multiple_choice":
                by[r["backend"]][(r["task_name"], r["sample_id"])] = (r["metrics"]["acc"] > 0.5, r["pred"])
        keys = sorted(by["cpu"])
        b = sum(by["cpu"][k][0] and not by["cpu-fa-off"][k][0] for k in keys)
        c = sum(by["cpu-fa-off"][k][0] and not by["cpu"][k][0] for k in keys)
        self.assertEqual((acc[0]["a_only_correct"], acc[0]["b_only_correct"], acc[0]["n"]), (b, c, len(keys)))
        want_p = 1.0 if b + c == 0 else min(1.0, 2 * stats.binom.cdf(min(b, c), b + c, 0.5))
        self.assertTrue(close(acc[0]["mcnemar_p"], want_p))
        differing = sum(by["cpu"][k][1] != by["cpu-fa-off"][k][1] for k in keys)
        self.assertEqual(acc[0]["differing_answers"], differing)

    def test_composite_and_wilson(self):
        values = self.generate_values()
        for row in self.summary["composite"]:
            means = [np.mean(list(values[m][row["backend"]].values())) for m in values if values[m][row["backend"]]]
            self.assertTrue(close(row["composite"], float(np.mean(means))), row)
            self.assertLessEqual(row["ci_low"], row["composite"])
            self.assertGreaterEqual(row["ci_high"], row["composite"])
        for b in self.summary["benchmarks"]:
            lo, hi = stats.binomtest(b["correct"], b["n"]).proportion_ci(method="wilson")
            self.assertTrue(close(b["ci_low"], lo, 1e-6), b)
            self.assertTrue(close(b["ci_high"], hi, 1e-6), b)

    def test_invariants_pass(self):
        status = {i["name"]: i["status"] for i in self.summary["invariants"]}
        for name in ("metric_ranges", "no_nan", "sample_counts", "skip_counts", "greedy_determinism"):
            self.assertEqual(status[name], "PASS", self.summary["invariants"])
        self.assertIn("backend_answer_identity", status)

    def test_report_rebuilds_the_same_artifacts(self):
        copy = self.base / "copy"
        shutil.copytree(self.dir, copy)
        for name in ("summary.json", "aggregate.csv", "report.md"):
            (copy / name).unlink()
        run([QUALM, "report", copy])
        for name in ("aggregate.csv", "report.md"):
            self.assertEqual((copy / name).read_text(), (self.dir / name).read_text(), name)
        rebuilt = json.loads((copy / "summary.json").read_text())
        rebuilt["run_id"] = self.summary["run_id"]
        self.assertEqual(rebuilt, self.summary)
        md = (copy / "report.md").read_text()
        for heading in ("## Composite quality", "## Per-task results", "## Benchmarks", "## Backend equivalence",
                        "## Measurement invariants"):
            self.assertIn(heading, md)

    def test_gates(self):
        copy = self.base / "gates"
        shutil.copytree(self.dir, copy, dirs_exist_ok=True)
        ok = run([QUALM, "report", copy, "--gate", "acc@arc_easy >= 0", "--gate", "rouge_l@qa:stories260k <= 1"])
        self.assertIn("PASS", ok.stdout)
        gates = json.loads((copy / "summary.json").read_text())["gates"]
        self.assertEqual(len(gates), 4)  # two gates x two backends
        self.assertTrue(all(g["status"] == "PASS" for g in gates), gates)
        # The mean it checked is the records' mean.
        want = np.mean([r["metrics"]["acc"] for r in self.records
                        if r["task_name"] == "arc_easy" and r["backend"] == "cpu"])
        got = [g for g in gates if g["metric"] == "acc" and g["backend"] == "cpu"][0]
        self.assertTrue(close(got["actual"], float(want)), got)
        failed = run([QUALM, "report", copy, "--gate", "rouge_l@summarization >= 2"], check=False)
        self.assertEqual(failed.returncode, 3, failed.stdout + failed.stderr)
        self.assertIn("rouge_l@summarization >= 2", failed.stdout)
        self.assertIn("FAIL", failed.stdout)
        self.assertIn("gate", failed.stderr)
        row = json.loads((copy / "summary.json").read_text())["gates"][0]
        self.assertTrue(close(row["by"], row["actual"] - 2.0), row)
        self.assertIn("## Quality gates", (copy / "report.md").read_text())
        bad = run([QUALM, "report", copy, "--gate", "rouge_l >> 2"], check=False)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("--gate", bad.stderr)

    def test_bad_gate_stops_a_run_before_it_starts(self):
        out = self.base / "never"
        config = self.base / "exp.yaml"
        proc = run([QUALM, "run", config, "--out", out, "--gate", "rouge_l@qa >= baseline.median"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertFalse((out / "samples.jsonl").exists())

    def test_report_of_missing_dir_is_bad_input(self):
        proc = run([QUALM, "report", self.base / "nope"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("no such run directory", proc.stderr)


if __name__ == "__main__":
    unittest.main()
