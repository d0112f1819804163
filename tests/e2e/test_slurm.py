"""Sharding on a real scheduler (issue 21): a one-node Slurm cluster on the loopback
(slurm_cluster.py) runs the smoke experiment as the job array users copy,
examples/slurm/qualm-array.sbatch, 4 tasks of one shard each, then `qualm merge` as a job that
depends on it; the merged run equals an unsharded `qualm run` of the same config: every record,
aggregate.csv and summary.json, apart from run ids and wall times.

Needs root and Debian's slurm-wlm and munge (scripts/setup.sh installs them). Without them it
is skipped, except under CI=true, where a test that cannot run fails."""

import json
import os
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import QUALM, SKIP, SOURCE, keyed_records, require_data, run, smoke_config, without  # noqa: E402
from slurm_cluster import LoopbackCluster, missing_programs  # noqa: E402

SHARDS = 4
# Keys that name the run directory or measure wall time, in samples.jsonl and summary.json.
UNSTABLE = {"run_id", "gen_time_ms", "mean_time_s", "tokens_per_s", "speed_ratio"}


def require_slurm():
    why = None
    if missing_programs():
        why = f"{', '.join(missing_programs())} not found (apt-get install slurm-wlm munge)"
    elif os.geteuid() != 0:
        why = "slurmd runs jobs as their user only as root"
    if why is None:
        return
    if os.environ.get("CI") == "true":
        sys.exit(f"FAILED: the Slurm test cannot run under CI: {why}")
    print(f"SKIPPED: {why}")
    sys.exit(SKIP)


def without_unstable(value):
    return without(value, UNSTABLE)


def difference(a, b, path=""):
    """The first place where a and b differ, at any depth; None where they are equal. (A
    summary.json is a few hundred kB: assertEqual's diff of two would not say where.)"""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        return next(filter(None, (difference(a[k], b[k], f"{path}.{k}") for k in a)), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next(filter(None, (difference(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


def records(run_dir):
    return keyed_records(run_dir, UNSTABLE)


class SlurmArrayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_data()
        require_slurm()
        tmp = tempfile.TemporaryDirectory(prefix="qualm-slurm-")
        cls.addClassCleanup(tmp.cleanup)
        cls.dir = Path(tmp.name)
        cls.dir.chmod(0o755)  # munged wants every directory above its socket searchable by all
        cls.cluster = LoopbackCluster(cls.dir / "cluster")
        cls.addClassCleanup(cls.cluster.stop)  # also when start() fails halfway
        started = time.monotonic()
        cls.cluster.start()
        print(f"slurm: cluster up in {time.monotonic() - started:.1f} s", file=sys.stderr)

    def job_logs(self):
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted((self.cluster.root / "jobs").glob("*.out")))

    def test_job_array_merges_to_the_unsharded_run(self):
        work = self.dir / "work"
        work.mkdir()
        config = smoke_config(work)
        os.environ["QUALM_CACHE_DIR"] = str(work / "cache")  # the derived Q8_0, made once for all
        sharded = work / "sharded"
        started = time.monotonic()
        # As examples/slurm/README.md says: the array, then the merge on afterok. The tasks' output
        # under the cluster's directory: stop() ends whatever still writes there. 2 CPUs a task,
        # the smoke backend's threads: tasks share no core, on 2 cores one at a time.
        jobs = self.cluster.root / "jobs"
        array = self.cluster.submit(
            [f"--array=0-{SHARDS - 1}", "--time=10", f"--chdir={work}",
             f"--cpus-per-task={min(2, len(os.sched_getaffinity(0)))}", f"--output={jobs}/%A_%a.out",
             f"--export=ALL,QUALM={QUALM}", SOURCE / "examples" / "slurm" / "qualm-array.sbatch", config, sharded])
        merge = self.cluster.submit([f"--dependency=afterok:{array}", "--time=5", f"--output={jobs}/merge-%j.out",
                                     f"--wrap={QUALM} merge {sharded}"])
        tasks = self.cluster.wait(array, timeout=600)
        array_s = time.monotonic() - started
        self.assertEqual(tasks, {str(i): "COMPLETED 0:0" for i in range(SHARDS)},
                         f"\n{self.job_logs()}\n{self.cluster.logs()}")
        self.assertEqual(sorted(p.name for p in (sharded / "shards").iterdir()),
                         [f"{i}-of-{SHARDS}" for i in range(SHARDS)])
        for i in range(SHARDS):
            self.assertIn(f"qualm: shard {i} of {SHARDS}", self.job_logs())
        self.assertEqual(self.cluster.wait(merge, timeout=120), {merge: "COMPLETED 0:0"}, self.job_logs())
        merge_s = time.monotonic() - started - array_s

        started = time.monotonic()
        unsharded = work / "unsharded"
        run([QUALM, "run", config, "--out", unsharded])
        unsharded_s = time.monotonic() - started
        print(f"slurm: {SHARDS}-task array {array_s:.1f} s, then the merge job {merge_s:.1f} s; "
              f"unsharded run {unsharded_s:.1f} s", file=sys.stderr)

        # Bit for bit: every value a shard computes is the same whichever samples share its batches.
        got, want = records(sharded), records(unsharded)
        self.assertEqual(sorted(got), sorted(want))
        for key, record in want.items():
            self.assertIsNone(difference(got[key], record), key)
        self.assertEqual((sharded / "aggregate.csv").read_text(), (unsharded / "aggregate.csv").read_text())
        summary = {d: without_unstable(json.loads((d / "summary.json").read_text())) for d in (sharded, unsharded)}
        self.assertIsNone(difference(summary[sharded], summary[unsharded], "summary.json"))
        counts = [json.loads((d / "manifest.json").read_text())["counts"] for d in (sharded, unsharded)]
        self.assertEqual(counts[0], counts[1])
        for name in ("report.md", "report.html"):
            self.assertTrue((sharded / name).is_file(), name)


if __name__ == "__main__":
    unittest.main()
