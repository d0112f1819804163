#!/usr/bin/python3
"""qualm's bootstrap_mean_ci vs scipy.stats.bootstrap on the same cells.

Writes 100 cells x 50 metric scores (a seeded mix of continuous and 0/1 scores) to a temp
file, times qualm_bench_bootstrap on it and scipy.stats.bootstrap(method='percentile',
n_resamples=10000, confidence_level=0.95, vectorized=True) per cell, both on one thread,
then checks that the CIs agree within Monte-Carlo error. Exits 1 when they do not.

    bench/bootstrap_vs_scipy.py [--bin build/bench/qualm_bench_bootstrap] [--reps 5]
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"  # one core on both sides

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
import scipy.stats as st

CELLS, SAMPLES, RESAMPLES = 100, 50, 10000


def make_cells(seed=20250115):
    rng = np.random.default_rng(seed)
    cells = []
    for i in range(CELLS):
        if i % 5 == 4:  # exact-match-like 0/1 scores
            cells.append(rng.binomial(1, rng.uniform(0.2, 0.8), SAMPLES).astype(float))
        else:  # rouge/bertscore-like scores in [0, 1]
            cells.append(rng.beta(rng.uniform(2, 8), rng.uniform(2, 8), SAMPLES))
    return cells


def scipy_cis(cells, seed=7):
    rng = np.random.default_rng(seed)
    out = []
    for c in cells:
        r = st.bootstrap((c,), np.mean, n_resamples=RESAMPLES, confidence_level=0.95, method="percentile",
                         vectorized=True, random_state=rng)
        out.append((r.confidence_interval.low, r.confidence_interval.high))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    default_bin = os.path.join(here, "..", "build", "bench", "qualm_bench_bootstrap")
    ap.add_argument("--bin", default=os.environ.get("QUALM_BENCH_BIN", default_bin))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    cells = make_cells()
    with tempfile.TemporaryDirectory(prefix="qualm-bench-") as tmp:
        data = os.path.join(tmp, "cells.txt")
        with open(data, "w") as f:
            for c in cells:
                f.write(" ".join(repr(float(v)) for v in c) + "\n")
        cis_path = os.path.join(tmp, "cis.csv")
        cmd = ["taskset", "-c", "0"] if os.path.exists("/usr/bin/taskset") else []
        run = subprocess.run(cmd + [args.bin, "--data", data, "--out", cis_path, "--reps", str(args.reps)],
                             capture_output=True, text=True, check=True)
        line = run.stdout.strip()
        qualm_s = float(line.split(" median ")[1].split()[0])
        qualm_cpu = float(line.split("cpu median ")[1].split()[0])
        with open(cis_path) as f:
            qualm = [(float(r["low"]), float(r["high"])) for r in csv.DictReader(f)]

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    times, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        ref = scipy_cis(cells)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    scipy_s, scipy_cpu = statistics.median(times), statistics.median(cpu)

    # Each end is a percentile of 10,000 resampled means; its Monte-Carlo SE is about
    # 0.027 sd(mean) at 2.5 %, so two independent estimates differ by ~0.038 sd(mean). Means of
    # 0/1 scores lie on a grid of step 1/n, and an end may land one step away on either side.
    z, excess = [], []
    for c, (ql, qh), (sl, sh) in zip(cells, qualm, ref):
        sd = np.std(c) / np.sqrt(len(c))
        step = 1 / len(c) if set(np.unique(c)) <= {0.0, 1.0} else 0.0
        for d in (ql - sl, qh - sh):
            z.append(d / sd)
            excess.append(max(0.0, abs(d) - step) / sd)
    z = np.asarray(z)
    ok = max(excess) < 0.2 and abs(np.mean(z)) < 0.02

    print(f"cells {CELLS} x {SAMPLES} samples, {RESAMPLES} resamples, 95 % percentile CI, one thread")
    print(f"qualm  wall {qualm_s:.4f} s  cpu {qualm_cpu:.4f} s  (medians of {args.reps})")
    print(f"scipy  wall {scipy_s:.4f} s  cpu {scipy_cpu:.4f} s  (medians of {args.reps}; scipy {scipy.__version__}, "
          f"numpy {np.__version__})")
    print(f"ratio  scipy/qualm wall {scipy_s / qualm_s:.1f}x, cpu {scipy_cpu / qualm_cpu:.1f}x   "
          f"target qualm < 1 s: {'PASS' if qualm_s < 1 else 'MISS'}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"CI ends: max |diff| = {np.max(np.abs(z)):.3f} sd(mean), beyond one grid step for 0/1 cells "
          f"{max(excess):.3f} (limit 0.2), mean diff {np.mean(z):+.4f} (limit 0.02; expected spread ~0.038 "
          f"per end): {'AGREE' if ok else 'DISAGREE'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
