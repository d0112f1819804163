#!/usr/bin/env python3
"""qualm vs llama.cpp on the same inputs, runs interleaved, medians reported.

1. perplexity throughput: `qualm perplexity` vs `llama-perplexity`, tokens = n_chunks*ctx over
   the wall time of the whole process (load + tokenize + eval), measured here for both.
2. KLD cost: `qualm kld` (one pass, both models) vs llama-perplexity's base run
   (--kl-divergence-base) + KLD run (--kl-divergence): wall time, peak RSS, bytes written.

Standard library only. Exits non-zero on errors, never on a missed target. See bench/README.md.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPS = Path(os.environ.get("QUALM_DEPS_DIR", Path.home() / ".cache" / "qualm"))
LLAMA_BIN = Path(os.environ.get("LLAMA_BIN_DIR", DEPS / "llama.cpp-de3ff81" / "bin"))
QUALM = Path(os.environ.get("QUALM_BIN", REPO / "build" / "qualm"))
PPL_TARGET = 0.95  # qualm tokens/s over llama-perplexity tokens/s

# Sizes (chunks of -c tokens): (full, quick).
SIZES = {
    "ppl_stories": (40, 8), "ppl_gpt2": (4, 2),
    "kld_stories": ([8, 32], [5, 20]), "kld_gpt2": ([2, 8], [1, 3]),
}


class BenchError(Exception):
    pass


def data_dir():
    env = os.environ.get("QUALM_DATA_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not path.is_dir():
        raise BenchError(f"data dir not found: {path} (set QUALM_DATA_DIR)")
    return path


# A child's ru_maxrss counts the pages it shares with its parent when it starts, so a command
# started from this script could report this script's own size (about 40 MiB once the HellaSwag
# file is read: more than a run of stories260K). A fresh interpreter (about 8 MiB) starts the
# command and measures it.
_MEASURE = """import os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{time.perf_counter() - start} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run(cmd, workdir):
    """Runs cmd with cwd and TMPDIR = workdir.
    Returns (wall seconds, peak RSS KiB, CPU seconds, stdout, stderr)."""
    cmd = [str(c) for c in cmd]
    env = dict(os.environ, TMPDIR=str(workdir))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", dir=workdir) as measured:
        proc = subprocess.run([sys.executable, "-c", _MEASURE, measured.name, *cmd], cwd=workdir, env=env,
                              stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        stdout, stderr = (f.read().decode(errors="replace") for f in (out, err))
        wall, rss, cpu = (float(x) for x in (measured.read().split() or [0, 0, 0]))
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd)}\nexited {proc.returncode}:\n{(stdout + stderr)[-3000:]}")
    return wall, int(rss), cpu, stdout, stderr


def dir_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def fresh_dir(root, name):
    d = Path(root) / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def engine_args(a, ctx, chunks):
    # Both tools spell GPU offload --gpu-layers; a.gpu_layers is set by callers that offload.
    gpu = ["--gpu-layers", a.gpu_layers] if getattr(a, "gpu_layers", None) is not None else []
    return ["-c", ctx, "-b", a.batch, "-t", a.threads, "--chunks", chunks, *gpu]


# llama.cpp's logger can drop the last lines at exit (the summary, even the last per-chunk rows).
# The parsers then fall back to the last per-chunk value and say so: (value, exact) or (None, False).
def llama_ppl(text):
    m = re.search(r"Final estimate: PPL = ([0-9.]+)", text)
    if m:
        return float(m.group(1)), True
    prog = re.findall(r"\[(\d+)\]([0-9.]+),", text)
    return (float(prog[-1][1]), False) if prog else (None, False)


def llama_kld(text):
    m = re.search(r"Mean\s+KLD:\s+(-?[0-9.]+)", text)
    if m:
        return float(m.group(1)), True
    rows = re.findall(r"^\s*\d+\s+[0-9.]+ ±\s+[0-9.]+\s+-?[0-9.]+ ±\s+[0-9.]+\s+(-?[0-9.]+) ±", text, re.M)
    return (float(rows[-1]), False) if rows else (None, False)


def pick(runs, key):
    """The first run's value whose parse was exact, else the first one at all (flagged)."""
    for r in runs:
        if r.get(key + "_exact", True):
            return r[key], True
    return runs[0][key], False


def interleave(reps, sides):
    """Runs each side's callable reps times, alternating the order (ABBA) so drift hits both."""
    results = {name: [] for name in sides}
    names = list(sides)
    for r in range(reps):
        for name in (names if r % 2 == 0 else names[::-1]):
            results[name].append(sides[name]())
    return results


def bench_ppl(a, work, label, model, text, chunks):
    ctx = a.ctx

    def qualm():
        wall, rss, cpu, out, _ = run([QUALM, "perplexity", "-m", model, "-f", text,
                                      *engine_args(a, ctx, chunks), "--json"], fresh_dir(work, "q"))
        j = json.loads(out)
        return {"wall": wall, "cpu": cpu, "rss_kib": rss, "n_chunks": j["n_chunks"], "ppl": j["ppl"]}

    def llama():
        wall, rss, cpu, out, err = run([LLAMA_BIN / "llama-perplexity", "-m", model, "-f", text,
                                        *engine_args(a, ctx, chunks)], fresh_dir(work, "l"))
        m = re.search(r"calculating perplexity over (\d+) chunks", out + err)
        ppl, exact = llama_ppl(out + err)
        return {"wall": wall, "cpu": cpu, "rss_kib": rss, "n_chunks": int(m.group(1)) if m else chunks,
                "ppl": ppl, "ppl_exact": exact}

    res = interleave(a.reps, {"qualm": qualm, "llama": llama})
    row = {"case": label, "ctx": ctx, "chunks": chunks, "runs": res}
    for side, runs in res.items():
        tokens = runs[0]["n_chunks"] * ctx
        row[side + "_tps"] = statistics.median(tokens / r["wall"] for r in runs)
        row[side + "_cpu_tps"] = statistics.median(tokens / r["cpu"] for r in runs)
        row[side + "_ppl"], row[side + "_ppl_exact"] = pick(runs, "ppl")
    row["ratio"] = row["qualm_tps"] / row["llama_tps"]
    row["cpu_ratio"] = row["qualm_cpu_tps"] / row["llama_cpu_tps"]
    row["pass"] = row["ratio"] >= PPL_TARGET
    return row


def bench_kld(a, work, label, base, cand, text, chunks):
    ctx = a.ctx

    def qualm():
        d = fresh_dir(work, "q")
        wall, rss, cpu, out, _ = run([QUALM, "kld", "--base", base, "-m", cand, "-f", text,
                                      *engine_args(a, ctx, chunks), "--json"], d)
        j = json.loads(out)
        r = {"wall": wall, "cpu": cpu, "rss_kib": rss, "disk": dir_bytes(d), "kld": j["kld_mean"],
             "same_top": j["same_top"]}
        shutil.rmtree(d)
        return r

    def llama():
        d = fresh_dir(work, "l")
        base_file = d / "base.kld"
        w1, rss1, cpu1, _, _ = run([LLAMA_BIN / "llama-perplexity", "-m", base, "-f", text,
                                    *engine_args(a, ctx, chunks), "--kl-divergence-base", base_file], d)
        disk = dir_bytes(d)
        w2, rss2, cpu2, out, err = run([LLAMA_BIN / "llama-perplexity", "-m", cand, *engine_args(a, ctx, chunks),
                                        "--kl-divergence-base", base_file, "--kl-divergence"], d)
        disk = max(disk, dir_bytes(d))
        shutil.rmtree(d)  # the base file can be GBs
        kld, exact = llama_kld(out + err)
        return {"wall": w1 + w2, "wall_base": w1, "wall_kld": w2, "cpu": cpu1 + cpu2,
                "rss_kib": max(rss1, rss2), "disk": disk, "kld": kld, "kld_exact": exact}

    res = interleave(a.reps, {"qualm": qualm, "llama": llama})
    row = {"case": label, "ctx": ctx, "chunks": chunks, "runs": res}
    for side, runs in res.items():
        row[side + "_wall"] = statistics.median(r["wall"] for r in runs)
        row[side + "_cpu"] = statistics.median(r["cpu"] for r in runs)
        row[side + "_rss_mib"] = max(r["rss_kib"] for r in runs) / 1024
        row[side + "_disk"] = max(r["disk"] for r in runs)
        row[side + "_kld"], row[side + "_kld_exact"] = pick(runs, "kld")
    row["wall_ratio"] = row["qualm_wall"] / row["llama_wall"]
    return row


def fmt(x, spec, exact=True):
    return "n/a" if x is None else format(x, spec) + ("" if exact else "*")


def print_ppl(rows, a):
    print(f"\n== Perplexity throughput (-c {a.ctx} -b {a.batch} -t {a.threads}; median of {a.reps} interleaved "
          f"runs; tok/s = n_chunks*ctx / process wall time; cpu = same over user+sys CPU seconds)")
    print(f"{'case':<27}{'chunks':>6}{'qualm tok/s':>12}{'llama tok/s':>12}{'ratio':>7}  target     "
          f"{'cpu ratio':>9}{'qualm PPL':>12}{'llama PPL':>12}")
    for r in rows:
        print(f"{r['case']:<27}{r['chunks']:>6}{r['qualm_tps']:>12.1f}{r['llama_tps']:>12.1f}{r['ratio']:>7.3f}  "
              f">={PPL_TARGET} {'PASS' if r['pass'] else 'MISS'}{r['cpu_ratio']:>9.3f}"
              f"{fmt(r['qualm_ppl'], '.4f'):>12}{fmt(r['llama_ppl'], '.4f', r['llama_ppl_exact']):>12}")


def print_kld(rows, a):
    print(f"\n== KLD: qualm kld (one pass) vs llama-perplexity base run + KLD run (-c {a.ctx} -b {a.batch} "
          f"-t {a.threads}; wall: median of {a.reps}; RSS: max over processes and runs; disk: bytes left "
          f"in the tool's own temp dir)")
    print(f"{'case':<31}{'chunks':>6}{'wall q/l s':>15}{'ratio':>7}{'peak RSS q/l MiB':>18}"
          f"{'disk q/l MB':>16}{'mean KLD qualm / llama':>25}")
    for r in rows:
        print(f"{r['case']:<31}{r['chunks']:>6}{r['qualm_wall']:>8.1f} /{r['llama_wall']:>6.1f}"
              f"{r['wall_ratio']:>7.2f}{r['qualm_rss_mib']:>10.0f} /{r['llama_rss_mib']:>6.0f}"
              f"{r['qualm_disk'] / 1e6:>9.1f} /{r['llama_disk'] / 1e6:>6.1f}"
              f"{fmt(r['qualm_kld'], '.6f'):>14} / {fmt(r['llama_kld'], '.6f', r['llama_kld_exact'])}")
    if any(not r["llama_kld_exact"] for r in rows):
        print("* llama.cpp's summary was lost at exit in every run: last per-chunk value shown (5 decimals, "
              "possibly not the last chunk)")


def make_preset(ptype):
    out = subprocess.run([REPO / "tests" / "fixtures" / "make_preset.sh", "gpt2-124m", ptype],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"make_preset.sh gpt2-124m {ptype} failed:\n{out.stderr[-2000:]}")
    return Path(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer reps and chunks (smoke run)")
    p.add_argument("--skip-presets", action="store_true", help="skip the gpt2-124m random-weight preset cases")
    p.add_argument("--threads", "-t", type=int, default=os.cpu_count(), help="-t for both tools")
    p.add_argument("--reps", type=int, help="interleaved runs per side (default 3, --quick 1)")
    p.add_argument("--ctx", "-c", type=int, default=512, help="-c for both tools")
    p.add_argument("--batch", "-b", type=int, default=2048, help="-b for both tools")
    p.add_argument("--json", metavar="OUT", help="write the results here")
    a = p.parse_args()
    a.reps = a.reps or (1 if a.quick else 3)
    size = {k: v[1] if a.quick else v[0] for k, v in SIZES.items()}

    for tool in (QUALM, LLAMA_BIN / "llama-perplexity"):
        if not os.access(tool, os.X_OK):
            raise BenchError(f"not found: {tool} (build qualm / set LLAMA_BIN_DIR)")
    data = data_dir()
    stories = data / "models" / "stories260K.gguf"
    wiki = data / "datasets" / "wikitext-2" / "wiki.test.raw"
    tiny = data / "datasets" / "tinystories" / "tinystories_valid_prefix.txt"
    for f in (stories, wiki, tiny):
        if not f.is_file():
            raise BenchError(f"missing data file {f}")

    t0 = time.time()
    print(f"qualm vs llama.cpp  ({QUALM}, {LLAMA_BIN}); load average at start: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="qualm-bench-"))
    try:
        q8 = work / "stories260K-Q8_0.gguf"
        run([QUALM, "quantize", stories, q8, "Q8_0"], work)
        gpt2 = None if a.skip_presets else (make_preset("F16"), make_preset("Q8_0"))

        ppl_cases = [("stories260K F32 / wikitext", stories, wiki, size["ppl_stories"])]
        if gpt2:
            ppl_cases.append(("gpt2-124m Q8_0 / wikitext", gpt2[1], wiki, size["ppl_gpt2"]))
        ppl_rows = []
        for label, model, text, chunks in ppl_cases:
            print(f"  perplexity: {label}, {chunks} chunks ...", flush=True)
            ppl_rows.append(bench_ppl(a, work, label, model, text, chunks))

        kld_cases = [("stories260K F32->Q8_0 / tinyst.", stories, q8, tiny, size["kld_stories"])]
        if gpt2:
            kld_cases.append(("gpt2-124m F16->Q8_0 / wikitext", gpt2[0], gpt2[1], wiki, size["kld_gpt2"]))
        kld_rows = []
        for label, base, cand, text, lengths in kld_cases:
            for chunks in lengths:
                print(f"  kld: {label}, {chunks} chunks ...", flush=True)
                kld_rows.append(bench_kld(a, work, label, base, cand, text, chunks))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_ppl(ppl_rows, a)
    print_kld(kld_rows, a)
    if any(not r["llama_ppl_exact"] for r in ppl_rows):
        print("* llama-perplexity's final estimate was lost at exit in every run: last progress value shown")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\ntotal {time.time() - t0:.0f} s; load average at end: {load} ({os.cpu_count()} CPUs)")
    if a.json:
        config = {k: getattr(a, k) for k in ("threads", "reps", "ctx", "batch", "quick", "skip_presets")}
        Path(a.json).write_text(json.dumps({"config": config, "ppl_target": PPL_TARGET, "perplexity": ppl_rows,
                                            "kld": kld_rows}, indent=2, default=str) + "\n")


if __name__ == "__main__":
    try:
        main()
    except (BenchError, OSError, json.JSONDecodeError, subprocess.SubprocessError) as e:
        print(f"compare_llama.py: error: {e}", file=sys.stderr)
        sys.exit(1)
