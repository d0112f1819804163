"""qualm run --shard I/N and qualm merge (issue 21): the smoke experiment in three shards (the
index given as I/N, by Slurm's and by Kubernetes' environment), merged, equals the unsharded
run record for record and its summary.json is identical, apart from times and run ids; a
finished shard run again does nothing; a killed shard resumes; merge names every problem of
a damaged set of shards (exit 2)."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import (QUALM, TempDirCase, assert_no_library_text, keyed_records, record_key, require_data,  # noqa: E402
                       run, smoke_config, without)

N = 3
RECORD_TIMES = {"gen_time_ms", "run_id"}
# summary.json fields measured in seconds rather than computed from records
SUMMARY_TIMES = {"run_id", "tokens_per_s", "mean_time_s", "speed_ratio"}


def records(run_dir):
    return list(keyed_records(run_dir, RECORD_TIMES).values())


key = record_key


def without_times(x):
    return without(x, SUMMARY_TIMES)


def shard_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SLURM_") and k != "JOB_COMPLETION_INDEX"}
    env.update(extra)
    return env


class ShardTest(TempDirCase):
    @classmethod
    def setUpClass(cls):
        require_data()
        super().setUpClass()
        cls.config = smoke_config(cls.dir)
        cls.full = cls.dir / "full"
        run([QUALM, "run", cls.config, "--out", cls.full])
        cls.sharded = cls.dir / "sharded"
        out = str(cls.sharded)
        # Shard 0 by its index, shard 1 as a Slurm array task (--array=4-6), shard 2 as a
        # Kubernetes Indexed Job's.
        cls.shard_runs = [
            subprocess.run([QUALM, "run", cls.config, "--shard", f"0/{N}", "--out", out],
                           capture_output=True, text=True, env=shard_env()),
            subprocess.run([QUALM, "run", cls.config, "--shard", "env", "--out", out], capture_output=True, text=True,
                           env=shard_env(SLURM_ARRAY_TASK_ID="5", SLURM_ARRAY_TASK_MIN="4",
                                         SLURM_ARRAY_TASK_COUNT=str(N))),
            subprocess.run([QUALM, "run", cls.config, "--shard-count", str(N), "--out", out], capture_output=True,
                           text=True, env=shard_env(JOB_COMPLETION_INDEX="2")),
        ]
        cls.merge = run([QUALM, "merge", out])

    def test_shards_ran_their_part(self):
        total = 0
        for i, proc in enumerate(self.shard_runs):
            self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
            self.assertIn(f"shard {i}/{N}:", proc.stdout)
            shard_dir = self.sharded / "shards" / f"{i}-of-{N}"
            manifest = json.loads((shard_dir / "manifest.json").read_text())
            self.assertEqual(manifest["shard"]["index"], i)
            n = len(records(shard_dir))
            self.assertEqual(n, manifest["shard"]["samples"])
            self.assertGreater(n, 0)
            total += n
            self.assertFalse((shard_dir / "summary.json").exists(), "a shard writes no reports; merge does")
        self.assertEqual(total, len(records(self.full)))

    def test_merged_equals_unsharded(self):
        full, merged = records(self.full), records(self.sharded)
        self.assertEqual(len(merged), len(full))
        self.assertEqual(sorted(map(key, merged)), sorted(map(key, full)))
        by_key = {key(r): r for r in full}
        for r in merged:
            self.assertEqual(r, by_key[key(r)], key(r))
        # Canonical order: configurations and tasks as the plan lists them, then rep, then sample.
        manifest = json.loads((self.sharded / "manifest.json").read_text())
        configs = [(c["model"], c["variant"], c["backend"]) for c in manifest["plan"]["configs"]]
        tasks = [t["name"] for t in manifest["plan"]["tasks"]]
        order = [(configs.index(k[:3]), tasks.index(k[3]), k[5], k[4]) for k in map(key, merged)]
        self.assertEqual(order, sorted(order))

        a = json.loads((self.full / "summary.json").read_text())
        b = json.loads((self.sharded / "summary.json").read_text())
        self.assertEqual(without_times(b), without_times(a))
        for name in ("aggregate.csv",):
            with open(self.full / name) as f1, open(self.sharded / name) as f2:
                self.assertEqual(list(csv.reader(f2)), list(csv.reader(f1)))
        for name in ("report.md", "report.html"):
            self.assertTrue((self.sharded / name).stat().st_size > 0)

    def test_merged_manifest(self):
        full = json.loads((self.full / "manifest.json").read_text())
        merged = json.loads((self.sharded / "manifest.json").read_text())
        for field in ("config_sha256", "models", "noise_floor", "add_bos", "skipped", "errors", "counts",
                      "task_sha256", "data_sha256", "plan"):
            self.assertEqual(merged[field], full[field], field)
        self.assertEqual(merged["embedding_model"]["sha256"], full["embedding_model"]["sha256"])
        self.assertEqual([s["index"] for s in merged["shards"]], list(range(N)))
        for s in merged["shards"]:
            for field in ("host", "started_at", "finished_at", "git_commit", "llama_cpp_commit", "qualm_version"):
                self.assertTrue(s[field], field)
        self.assertNotIn("shard", merged)

    def test_finished_shard_run_again_does_nothing(self):
        shard_dir = self.sharded / "shards" / f"0-of-{N}"
        before = (shard_dir / "samples.jsonl").read_bytes()
        proc = run([QUALM, "run", self.config, "--shard", f"0/{N}", "--out", self.sharded])
        self.assertEqual((shard_dir / "samples.jsonl").read_bytes(), before)
        self.assertIn("records kept", proc.stderr)

    def test_killed_shard_resumes(self):
        out = self.dir / "killed"
        shard_dir = out / "shards" / f"1-of-{N}"
        args = [QUALM, "run", self.config, "--shard", f"1/{N}", "--out", out]
        proc = subprocess.Popen([str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=shard_env())
        deadline = time.time() + 120
        while time.time() < deadline:
            p = shard_dir / "samples.jsonl"
            if p.exists() and p.read_text().count("\n") >= 5:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        run(args)  # the same command: a requeued array task
        reference = {key(r): r for r in records(self.sharded / "shards" / f"1-of-{N}")}
        resumed = records(shard_dir)
        self.assertEqual(len(resumed), len(reference))
        for r in resumed:
            self.assertEqual(r, reference[key(r)], key(r))

    def damaged_copy(self, name):
        dest = self.dir / name
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(self.sharded / "shards", dest / "shards")
        return dest

    def assert_merge_refused(self, out, *messages):
        proc = run([QUALM, "merge", out], check=False)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        for m in messages:
            self.assertIn(m, proc.stderr)
        self.assertFalse((out / "summary.json").exists())

    def test_merge_names_missing_partial_and_duplicated(self):
        out = self.damaged_copy("damaged1")
        shutil.rmtree(out / "shards" / f"2-of-{N}")
        s0 = out / "shards" / f"0-of-{N}" / "samples.jsonl"
        lines = s0.read_text().splitlines(keepends=True)
        s0.write_text("".join(lines[: len(lines) // 2]))
        s1 = out / "shards" / f"1-of-{N}" / "samples.jsonl"
        first = s1.read_text().splitlines(keepends=True)[0]
        with open(s1, "a") as f:
            f.write(first)
        dup = json.loads(first)
        self.assert_merge_refused(
            out,
            f"shard 2 of {N} is missing",
            f"--shard 2/{N} --out {out}",
            f"shard 0 is partial: {len(lines) // 2} of {len(lines)} samples",
            f"sample {dup['sample_id']} rep {dup['rep']} is in shard 1 twice")

    def test_merge_names_a_damaged_manifest(self):
        out = self.damaged_copy("damaged-manifest")
        for i, change in enumerate([{"shard": "0-of-3"}, {"plan": {"planned": "all"}}]):
            path = out / "shards" / f"{i}-of-{N}" / "manifest.json"
            manifest = json.loads(path.read_text())
            manifest.update(change)
            path.write_text(json.dumps(manifest))
        proc = run([QUALM, "merge", out], check=False)
        assert_no_library_text(["qualm", "merge"], proc)
        self.assert_merge_refused(out, "manifest.json is damaged (shard must be an object)",
                                  "manifest.json is damaged (plan.planned must be an integer)", f"--shard 1/{N}")

    def test_merge_names_a_foreign_config_and_a_record_in_two_shards(self):
        out = self.damaged_copy("damaged2")
        # Shard 1 of another experiment file (one comment more) in place of the real one.
        other = self.dir / "other.yaml"
        other.write_text(Path(self.config).read_text() + "# another experiment\n")
        foreign = self.dir / "foreign"
        run([QUALM, "run", other, "--shard", f"1/{N}", "--out", foreign])
        shutil.rmtree(out / "shards" / f"1-of-{N}")
        shutil.copytree(foreign / "shards" / f"1-of-{N}", out / "shards" / f"1-of-{N}")
        first = (out / "shards" / f"0-of-{N}" / "samples.jsonl").read_text().splitlines(keepends=True)[0]
        with open(out / "shards" / f"2-of-{N}" / "samples.jsonl", "a") as f:
            f.write(first)
        dup = json.loads(first)
        self.assert_merge_refused(out, "shard 1 ran another experiment file",
                                  f"sample {dup['sample_id']} rep {dup['rep']} is in shard 0 and shard 2")

    def test_bad_shard_flags(self):
        for args, message in (
                (["--shard", f"{N}/{N}", "--out", self.dir / "x"], "not I/N with 0 <= I < N"),
                (["--shard", f"0/{N}"], "needs --out DIR"),
                (["--shard", "env", "--out", self.dir / "x"], "neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX"),
                (["--shard", "1/4", "--shard-count", "3", "--out", self.dir / "x"], "differs from --shard")):
            proc = subprocess.run([str(a) for a in [QUALM, "run", self.config, *args]], capture_output=True,
                                  text=True, env=shard_env())
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn(message, proc.stderr)
        proc = run([QUALM, "merge", self.dir / "nothing-here"], check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no shards here", proc.stderr)


if __name__ == "__main__":
    unittest.main()
