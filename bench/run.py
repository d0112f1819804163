#!/usr/bin/env python3
"""qualm's speed and memory against its peers in one run (issue 23): one table of ratios.

Each row runs qualm and its peer side by side on the same inputs, alternating them (ABBA
over --reps), as whole processes; the row's own module does the work:
  metrics       qualm score (bleu, sacrebleu, chrf, rouge_l) vs Python peers, 10,000 XSum pairs
                (metrics_speed.py), whole process against whole process
  perplexity    qualm perplexity vs llama-perplexity, gpt2-124m Q8_0 (compare_llama.bench_ppl)
  hellaswag     qualm eval vs llama-perplexity --hellaswag: stories260K, 200 tasks (a small run:
                start-up and per-task overhead) and gpt2-124m Q8_0 (hellaswag_speed.measure):
                tasks/s and peak RSS
  kld           qualm kld (one pass) vs llama-perplexity's two passes, gpt2-124m F16 -> Q8_0:
                wall time and peak RSS (compare_llama.bench_kld)
  arc           qualm eval arc_easy against the engine's own prompt rate: llama-bench pp256's
                tokens/s over the tokens qualm decoded (each document's context once, then its
                choices' tokens), llama-3.2-1b Q8_0, 50 documents (--quick: gpt2-124m, 20)
  generate      qualm generate of 8 prompts x 64 tokens vs llama-batched-bench -npl 8,
                gpt2-124m Q8_0 (gpu_validate.batched_generate, on the CPU)
  sharing       MMLU 5-shot with prefix sharing against --prefix-sharing off, gpt2-124m Q8_0:
                what sharing buys (same scores)

The random-weight presets come from tests/fixtures/make_preset.sh (cached). Prints the table
with the load average before and after, and writes every row's raw measurements with --json.

    python3 bench/run.py                 # 3 reps, the sizes above (about 23 min on 2 cores)
    python3 bench/run.py --quick         # 1 rep, smaller sizes (about 2 min)
    python3 bench/run.py --only kld,metrics --json out.json
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import compare_llama  # noqa: E402
import gpu_validate  # noqa: E402
import hellaswag_speed  # noqa: E402

ROWS = ("metrics", "perplexity", "hellaswag", "arc", "kld", "generate", "sharing")
# (full, quick)
SIZES = {"ppl_chunks": (4, 2), "hs_small": (200, 200), "hs_gpt2": (100, 20), "kld_chunks": (8, 2),
         "gen_prompts": (8, 8), "gen_tokens": (64, 16), "mmlu_subjects": (57, 5), "mmlu_limit": (1, 1),
         "metric_pairs": (10000, 10000), "arc_model": ("llama-3.2-1b", "gpt2-124m"), "arc_docs": (50, 20)}


def row(work, qualm, peer, unit, ratio, target, met, **extra):
    return {"work": work, "qualm": qualm, "peer": peer, "unit": unit, "ratio": ratio, "target": target,
            "met": met, **extra}


def metrics(a, s):
    out = a.work / "metrics.json"
    subprocess.run([sys.executable, BENCH / "metrics_speed.py", "--pairs", str(s["metric_pairs"]), "--reps",
                    str(a.reps), "--json", out], check=True, stdout=subprocess.DEVNULL)
    rows = []
    for r in json.loads(out.read_text())["rows"]:
        rows.append(row(f"{r['metric']}, {r['pairs']} pairs", r["qualm_s"], r["peer_process_s"], "s (lower wins)",
                        r["ratio_process"], ">= 20x", r["ratio_process"] >= 20,
                        ratio_in_script=r["ratio"], peer_in_script_s=r["peer_s"]))
    return rows


def perplexity(a, s):
    q8 = gpu_validate.make_preset("gpt2-124m", "Q8_0")
    r = compare_llama.bench_ppl(a.engine, a.work, "gpt2-124m Q8_0", q8, a.wiki, s["ppl_chunks"])
    return [row(f"perplexity, gpt2-124m Q8_0, {s['ppl_chunks']}x512", r["qualm_tps"], r["llama_tps"], "tokens/s",
                r["ratio"], ">= 1.0", r["ratio"] >= 1.0, raw=r)]


def hellaswag(a, s):
    rows = []
    cases = [("stories260K", a.data / "models" / "stories260K.gguf", s["hs_small"], ["-c", 512]),
             ("gpt2-124m Q8_0", gpu_validate.make_preset("gpt2-124m", "Q8_0"), s["hs_gpt2"], ["-c", 2048])]
    for name, model, tasks, ctx in cases:
        hs = hellaswag_speed.measure(model, tasks, [*ctx, "-b", 2048, "-t", a.threads], a.reps)
        small = name == "stories260K"
        target = 1.0 if small else 1.25  # no slower on a small run; <= 0.8x llama's time otherwise
        rows.append(row(f"hellaswag {hs['tasks']}, {name}", hs["tasks_per_second"]["qualm"],
                        hs["tasks_per_second"]["llama"], "tasks/s", hs["ratio"], f">= {target}",
                        hs["ratio"] >= target, scores=hs["scores"], walls=hs["walls"]))
        rss = hs["peak_rss_mib"]  # and no more memory than llama-perplexity's
        rows.append(row(f"hellaswag {hs['tasks']}, {name}, peak RSS", rss["qualm"], rss["llama"], "MiB (lower wins)",
                        rss["llama"] / rss["qualm"], ">= 1.0", rss["llama"] >= rss["qualm"]))
    return rows


def arc(a, s):
    model = gpu_validate.make_preset(s["arc_model"], "Q8_0")
    out = a.work / "arc"
    walls, rates = [], []
    for rep in range(a.reps):  # ABBA
        for side in (("qualm", "llama") if rep % 2 == 0 else ("llama", "qualm")):
            if side == "qualm":
                shutil.rmtree(out, ignore_errors=True)
                start = time.perf_counter()
                subprocess.run([str(x) for x in [compare_llama.QUALM, "eval", "-m", model, "--tasks", "arc_easy",
                                                 "--limit", s["arc_docs"], "-t", a.threads, "--out", out]],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                walls.append(time.perf_counter() - start)
            else:
                bench = subprocess.run([str(x) for x in [compare_llama.LLAMA_BIN / "llama-bench", "-m", model, "-p", 256,
                                                         "-n", 0, "-t", a.threads, "-r", 1, "-o", "json"]],
                                       capture_output=True, text=True, check=True).stdout
                rates.append(json.loads(bench)[0]["avg_ts"])
    records = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines() if line.strip()]
    decoded = sum(r["prompt_tokens"] + r["output_tokens"] for r in records)
    engine_s = decoded / max(rates)  # the engine's best prompt rate over the same tokens
    wall = min(walls)
    return [row(f"ARC-Easy {len(records)}, {s['arc_model']} Q8_0 ({decoded} tokens decoded)", wall, engine_s,
                "s (lower wins; peer: llama-bench pp256 rate x tokens)", engine_s / wall, ">= 0.77 (within 1.3x)",
                engine_s / wall >= 1 / 1.3, walls=walls, pp256_tokens_per_s=rates)]


def kld(a, s):
    f16 = gpu_validate.make_preset("gpt2-124m", "F16")
    q8 = gpu_validate.make_preset("gpt2-124m", "Q8_0")
    r = compare_llama.bench_kld(a.engine, a.work, "gpt2-124m F16->Q8_0", f16, q8, a.wiki, s["kld_chunks"])
    work = f"kld, gpt2-124m F16->Q8_0, {s['kld_chunks']}x512"
    return [row(work + ", wall", r["qualm_wall"], r["llama_wall"], "s (lower wins)", r["llama_wall"] / r["qualm_wall"],
                ">= 1.0", r["llama_wall"] >= r["qualm_wall"], raw=r),
            row(work + ", peak RSS", r["qualm_rss_mib"], r["llama_rss_mib"], "MiB (lower wins)",
                r["llama_rss_mib"] / r["qualm_rss_mib"], ">= 1.0", r["llama_rss_mib"] >= r["qualm_rss_mib"],
                disk_qualm=r["qualm_disk"], disk_llama=r["llama_disk"])]


def generate(a, s):
    q8 = gpu_validate.make_preset("gpt2-124m", "Q8_0")
    (a.out / "throughput-work").mkdir(parents=True, exist_ok=True)
    runs = [gpu_validate.batched_generate(a, q8, [], s["gen_prompts"], s["gen_tokens"], llama_first=rep % 2 == 1)
            for rep in range(a.reps)]  # ABBA; each side's best run
    qualm, llama = max(g["qualm_tps"] for g in runs), max(g["llama_tps"] for g in runs)
    return [row(f"generate {runs[0]['prompts']} x {runs[0]['max_new_tokens']}, gpt2-124m Q8_0", qualm, llama,
                "tokens/s", qualm / llama, ">= 1.0", qualm >= llama, raw=runs)]


def sharing(a, s):
    q8 = gpu_validate.make_preset("gpt2-124m", "Q8_0")
    listed = subprocess.run([compare_llama.QUALM, "tasks"], capture_output=True, text=True, check=True).stdout
    subjects = [ln.split()[0] for ln in listed.splitlines() if ln.strip().startswith("mmlu_")][: s["mmlu_subjects"]]
    base = [compare_llama.QUALM, "eval", "-m", q8, "--tasks", ",".join(subjects), "--num-fewshot", "5", "--limit",
            str(s["mmlu_limit"]), "-c", "2048", "-t", str(a.threads), "--json"]

    def once(extra):
        start = time.perf_counter()
        out = subprocess.run([*map(str, base), *extra], capture_output=True, text=True, check=True).stdout
        results = json.loads(out[out.index("{"):])["results"]
        return time.perf_counter() - start, {k: v.get("acc") for k, v in results.items()}

    walls = {"on": [], "off": []}
    scores = {}
    for rep in range(a.reps):  # ABBA
        for side in (("on", "off") if rep % 2 == 0 else ("off", "on")):
            wall, scores[side] = once([] if side == "on" else ["--prefix-sharing", "off"])
            walls[side].append(wall)
    if scores["on"] != scores["off"]:
        raise RuntimeError(f"prefix sharing changed MMLU's scores: {scores}")
    on, off = min(walls["on"]), min(walls["off"])
    n = len(subjects) * s["mmlu_limit"]
    return [row(f"MMLU 5-shot, {len(subjects)} subjects x {s['mmlu_limit']}, sharing vs --prefix-sharing off",
                n / on, n / off, "questions/s", off / on, ">= 3.0", off / on >= 3.0, walls=walls)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 rep and smaller sizes")
    ap.add_argument("--reps", type=int, help="ABBA repetitions (default 3, --quick 1)")
    ap.add_argument("--threads", "-t", type=int, default=os.cpu_count())
    ap.add_argument("--only", help=f"comma-separated rows of {','.join(ROWS)}")
    ap.add_argument("--json", help="write the table and every row's raw measurements here")
    a = ap.parse_args()
    a.reps = a.reps or (1 if a.quick else 3)
    s = {k: v[1 if a.quick else 0] for k, v in SIZES.items()}
    a.data = compare_llama.data_dir()
    a.wiki = a.data / "datasets" / "wikitext-2" / "wiki.test.raw"
    a.engine = argparse.Namespace(ctx=512, batch=2048, threads=a.threads, reps=a.reps)
    a.work = Path(tempfile.mkdtemp(prefix="qualm-bench-"))
    a.out = a.work  # gpu_validate's helpers write under out/throughput-work
    only = a.only.split(",") if a.only else list(ROWS)
    unknown = [r for r in only if r not in ROWS]
    if unknown:
        sys.exit(f"run.py: unknown row {unknown[0]!r}; the rows are {', '.join(ROWS)}")
    load_before = os.getloadavg()
    rows = []
    try:
        for name in only:
            start = time.perf_counter()
            got = globals()[name](a, s)
            print(f"[{name}: {time.perf_counter() - start:.0f} s]", flush=True)
            rows.extend(got)
    finally:
        shutil.rmtree(a.work, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, -t {a.threads}, "
          f"{a.reps} ABBA rep(s); load average {load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    print("| work | qualm | peer | unit | ratio | target | |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['work']} | {r['qualm']:.4g} | {r['peer']:.4g} | {r['unit']} | {r['ratio']:.2f} | {r['target']} | "
              f"{'met' if r['met'] else 'MISSED'} |")
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "load_before": load_before, "load_after": load_after,
                                            "cores": os.cpu_count(), "reps": a.reps, "quick": a.quick},
                                           indent=1, default=str))


if __name__ == "__main__":
    main()
