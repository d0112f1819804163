#!/usr/bin/env python3
"""HellaSwag tasks per second: `qualm eval` against `llama-perplexity --hellaswag`.

Both read the same file of the first N tasks (llama.cpp's six-line text), with the same
context size and threads; each run is timed as a whole process (load, tokenize, score),
alternating the two tools over the repetitions (ABBA) and reporting medians, and the peak RSS
of each (the largest over the repetitions, mapped weights included). qualm reads the
tasks through a task file that includes tasks/hellaswag/hellaswag.yaml and points its
dataset at the prepared file, as a user's own task file would. Target: ratio >= 1.0.
"""

import argparse
import bz2
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_llama  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def llama_bin_dir():
    if os.environ.get("LLAMA_BIN_DIR"):
        return Path(os.environ["LLAMA_BIN_DIR"])
    info = (ROOT / "build" / "generated" / "core" / "build_info.h").read_text()
    return Path(re.search(r'kLlamaBinDir = "([^"]*)"', info).group(1))


def measure(model, tasks, common, reps, qualm_extra=(), llama_extra=()):
    """Times both tools on the first `tasks` HellaSwag tasks with the engine arguments `common`
    (plus each tool's own extras, e.g. GPU offload); returns the measurements as a dict."""
    lines = bz2.open(compare_llama.data_dir() / "datasets" / "hellaswag" / "hellaswag_val_full.txt.bz2", "rt",
                     encoding="utf-8", newline="").read().split("\n")
    n = min(tasks, len(lines) // 6)
    tmp = Path(tempfile.mkdtemp(prefix="qualm_hs_bench_"))
    task_text = tmp / "hellaswag_first.txt"
    task_text.write_text("\n".join(lines[: 6 * n]) + "\n", encoding="utf-8", newline="")
    task_file = tmp / "hellaswag_bench.yaml"
    task_file.write_text(
        f"include: {ROOT / 'tasks' / 'hellaswag' / 'hellaswag.yaml'}\n"
        f"task: hellaswag_bench\n"
        f"dataset: {{path: {task_text}, format: hellaswag_text}}\n")

    common = [str(c) for c in common]
    llama_cmd = [str(llama_bin_dir() / "llama-perplexity"), "-m", str(model), "-f", str(task_text),
                 "--hellaswag", "--hellaswag-tasks", str(n), *common, *map(str, llama_extra)]
    qualm_cmd = [str(compare_llama.QUALM), "eval", "-m", str(model), "--tasks", str(task_file),
                 "--json", *common, *map(str, qualm_extra)]

    walls = {"qualm": [], "llama": []}
    rss_kib = {"qualm": [], "llama": []}
    scores = {}
    for rep in range(reps):
        order = ["qualm", "llama"] if rep % 2 == 0 else ["llama", "qualm"]
        for tool in order:
            try:
                wall, rss, _, out, err = compare_llama.run(qualm_cmd if tool == "qualm" else llama_cmd, tmp)
            except compare_llama.BenchError as e:
                sys.exit(f"failed: {e}")
            walls[tool].append(wall)
            rss_kib[tool].append(rss)
            if tool == "qualm":
                scores["qualm_acc_token_mean"] = json.loads(out[out.index("{"):])["results"]["hellaswag_bench"]["acc_token_mean"]
            else:
                m = re.search(rf"(^|\n){n}\t([0-9.]+)%", out + err)
                if m:
                    scores["llama_final_acc"] = float(m.group(2)) / 100
    med = {k: statistics.median(v) for k, v in walls.items()}
    rate = {k: n / v for k, v in med.items()}
    rss_mib = {k: max(v) / 1024 for k, v in rss_kib.items()}
    return {"tasks": n, "walls": walls, "median": med, "tasks_per_second": rate,
            "ratio": rate["qualm"] / rate["llama"], "scores": scores, "peak_rss_mib": rss_mib,
            "commands": {"qualm": qualm_cmd, "llama": llama_cmd}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(compare_llama.data_dir() / "models" / "stories260K.gguf"))
    ap.add_argument("--tasks", type=int, default=1000, help="first N HellaSwag tasks")
    ap.add_argument("-c", "--ctx", type=int, default=2048)
    ap.add_argument("-b", "--batch", type=int, default=2048)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="also write the measurements here")
    args = ap.parse_args()

    res = measure(args.model, args.tasks, ["-c", args.ctx, "-b", args.batch, "-t", args.threads], args.reps)
    med, rate, ratio, scores = res["median"], res["tasks_per_second"], res["ratio"], res["scores"]
    print(f"HellaSwag, first {res['tasks']} tasks, model {Path(args.model).name}, -c {args.ctx} -b {args.batch} "
          f"-t {args.threads}, {args.reps} reps (median wall)")
    print(f"  llama-perplexity --hellaswag: {med['llama']:.2f} s  {rate['llama']:.1f} tasks/s")
    print(f"  qualm eval:                   {med['qualm']:.2f} s  {rate['qualm']:.1f} tasks/s")
    print(f"  ratio qualm/llama: {ratio:.3f}  {'PASS' if ratio >= 1.0 else 'MISS'} (target >= 1.0)")
    rss = res["peak_rss_mib"]
    print(f"  peak RSS: qualm {rss['qualm']:.0f} MiB, llama-perplexity {rss['llama']:.0f} MiB")
    if scores:
        print(f"  accuracy: qualm acc_token_mean {scores.get('qualm_acc_token_mean', float('nan')):.4f}, "
              f"llama.cpp final {scores.get('llama_final_acc', float('nan')):.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: v for k, v in res.items() if k != "commands"}, indent=2))


if __name__ == "__main__":
    main()
