#!/usr/bin/env python3
"""Issue 22's GPU validation in one run: qualm's CUDA backend against its CPU backend, against
itself at other batch sizes, against llama.cpp's own tools, and against transformers.

Steps (each writes OUT/<step>.json, and .csv tables, as soon as it finishes; a killed run keeps
the steps that finished, and OUT/steps.jsonl says how far it got):

  equivalence   `qualm run` of an experiment with a cpu and a cuda backend over stories260K and
                TinyStories-656K in F32 and F16: generation suites, hellaswag, arc_easy,
                wikitext. Per task: identical greedy outputs, identical decisions, max/mean
                |dLL| of CPU F32 against CUDA F32, CUDA F16 (and CPU F16); plus summary.json's
                backend_equivalence.
  batch         batch invariance on CUDA: `qualm eval` of hellaswag and arc_easy at two batch
                sizes, flash attention off and on; max |dLL| per pair (noise_floor.compare).
  throughput    on a random-weight llama-3.2-1b: qualm perplexity vs llama-perplexity (c=512),
                HellaSwag vs llama-perplexity --hellaswag, qualm kld vs llama-perplexity's two
                passes, batched qualm generate vs llama-batched-bench, MMLU 5-shot questions/s.
  transformers  TinyStories-656K's HF weights (FP32 on CPU; FP32, FP16, BF16 on the GPU) against
                qualm on its GGUF: PPL with llama.cpp's chunking, per-choice log-likelihoods of
                arc_easy and hellaswag. Skipped, with the reason, where torch/transformers are
                missing.

`--device cpu` swaps every CUDA part for a CPU one (a second CPU backend, --gpu-layers 0) and
`--quick` shrinks every size, so the whole script runs on a machine without a GPU:

    python3 bench/gpu_validate.py --device cpu --quick --out /tmp/gv

Binaries: $QUALM_BIN (default build/qualm) and $LLAMA_BIN_DIR (default the native llama.cpp
install); data: $QUALM_DATA_DIR, else ../shared/data. The random-weight models come from
tests/fixtures/make_preset.sh (cached in $QUALM_DEPS_DIR/fixtures). See bench/README.md.
"""

import argparse
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import compare_llama  # noqa: E402  (run, bench_ppl, bench_kld, data_dir)
import hellaswag_speed  # noqa: E402  (measure)
import noise_floor  # noqa: E402  (score, compare)

REPO = BENCH.parent
STEPS = ("equivalence", "batch", "throughput", "transformers")
GEN_TASKS = ("summarization", "qa", "code_generation", "creative_writing", "classification")
# Sizes: (full, quick).
SIZES = {
    "gen_limit": (100, 3), "mc_limit": (400, 20), "wikitext_limit": (None, 1), "max_new_tokens": (256, 32),
    "batch_docs": (400, 20), "ppl_chunks": (100, 4), "hs_tasks": (1000, 20), "kld_chunks": (20, 2),
    "gen_prompts": (64, 4), "gen_tokens": (128, 16), "mmlu_limit": (10, 1), "tf_docs": (400, 20),
    "tf_ppl_chunks": (40, 4),
}


class Step:
    """Writes OUT/<name>.json (and tables as CSV) and one line of OUT/steps.jsonl per step."""

    def __init__(self, out):
        self.out = out

    def write_json(self, name, obj):
        tmp = self.out / f".{name}.json.tmp"
        tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n")
        tmp.replace(self.out / f"{name}.json")

    def write_csv(self, name, rows):
        if not rows:
            return
        keys = list(dict.fromkeys(k for r in rows for k in r))
        tmp = self.out / f".{name}.csv.tmp"
        with tmp.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            for r in rows:
                w.writerow({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in r.items()})
        tmp.replace(self.out / f"{name}.csv")

    def log(self, **entry):
        entry["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with (self.out / "steps.jsonl").open("a") as f:
            f.write(json.dumps(entry, default=str) + "\n")


# --- environment -------------------------------------------------------------------------------

def qualm_bin():
    return Path(os.environ.get("QUALM_BIN", REPO / "build" / "qualm"))


def llama_bin_dir():
    return Path(os.environ.get("LLAMA_BIN_DIR", compare_llama.DEPS / "llama.cpp-de3ff81" / "bin"))


def sh(cmd, both=False, **kw):
    """Runs cmd, returns (wall seconds, stdout, or stdout + stderr with both); raises with the
    output's tail on failure."""
    cmd = [str(c) for c in cmd]
    start = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\nexited {p.returncode}:\n{(p.stdout + p.stderr)[-3000:]}")
    return wall, p.stdout + p.stderr if both else p.stdout


def environment(a):
    env = {"device": a.device, "quick": a.quick, "threads": a.threads, "qualm": str(qualm_bin()),
           "llama_bin_dir": str(llama_bin_dir()), "data": str(a.data), "sizes": a.size,
           "ld_library_path": os.environ.get("LD_LIBRARY_PATH", "")}
    env["qualm_version"] = json.loads(sh([qualm_bin(), "version", "--json"])[1])
    for name, cmd in (("nvidia_smi", ["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                                      "--format=csv,noheader"]),
                      ("cpu", ["sh", "-c", "grep -m1 'model name' /proc/cpuinfo"])):
        try:
            env[name] = sh(cmd)[1].strip()
        except (OSError, RuntimeError) as e:
            env[name] = f"unavailable: {str(e).splitlines()[0]}"
    return env


def accel(a):
    """The accelerated side: (experiment backend YAML, CLI args of qualm and of llama.cpp's tools)."""
    if a.device == "cuda":
        return "{name: cuda, type: llama, device: cuda, context_size: 512}", ["--gpu-layers", "99"]
    # A CPU stand-in that differs from the reference backend in its thread count only.
    return "{name: cuda, type: llama, device: cpu, threads: 1, context_size: 512}", ["--gpu-layers", "0"]


# --- step 1: backend equivalence ---------------------------------------------------------------

def equivalence(a, st):
    s = a.size
    backend_yaml, _ = accel(a)
    tasks = [f"  - {{name: {t}, limit: {s['gen_limit']}}}" for t in GEN_TASKS]
    tasks += [f"  - {{name: {t}, limit: {s['mc_limit']}}}" for t in ("hellaswag", "arc_easy")]
    tasks.append("  - {name: wikitext" + (f", limit: {s['wikitext_limit']}" if s["wikitext_limit"] else "") + "}")
    exp = a.out / "equivalence.yaml"
    exp.write_text(f"""# Written by bench/gpu_validate.py: CPU F32 against CUDA F32 and CUDA F16 (TR124 S5).
experiment: gpu-equivalence
data_dir: {a.data}
defaults: {{temperature: 0.0, max_new_tokens: {s['max_new_tokens']}, seed: 42, warmup: 1, repetitions: 1}}
models:
  - {{name: stories260k, path: models/stories260K.gguf, variants: [f32, {{quantize: F16}}]}}
  - {{name: ts656k, path: models/tinystories-656k/TinyStories-656K.f16.gguf, variants: [{{quantize: F32}}, f16]}}
backends:
  # Both models were trained on 512-token windows.
  - {{name: cpu, type: llama, device: cpu, threads: {a.threads}, context_size: 512}}
  - {backend_yaml}
tasks:
""" + "\n".join(tasks) + "\n")
    run_dir = a.out / "equivalence-run"
    wall, _ = sh([qualm_bin(), "run", exp, "--out", run_dir, *(["--resume"] if run_dir.exists() else [])])
    records = [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines() if line.strip()]
    rows = equivalence_table(records)
    summary = json.loads((run_dir / "summary.json").read_text())
    st.write_csv("equivalence", rows)
    st.write_json("equivalence", {"command": f"{qualm_bin()} run {exp} --out {run_dir}", "wall_s": wall,
                                  "rows": rows, "backend_equivalence": summary.get("backend_equivalence")})
    return {"wall_s": wall, "rows": len(rows),
            "max_abs_dll": max((r["max_abs_dll"] or 0) for r in rows) if rows else None}


def variant_rank(records):
    """Each model's variants in the experiment's order: the first is F32."""
    order = {}
    for r in records:
        order.setdefault(r["model"], [])
        if r["variant"] not in order[r["model"]]:
            order[r["model"]].append(r["variant"])
    return order


def equivalence_table(records):
    """Per model, task and pair (CPU F32 against each other configuration): identical outputs,
    identical decisions, |dLL| per choice, and the PPL of perplexity tasks."""
    by = {}
    for r in records:
        if r.get("error") is None:
            by.setdefault((r["model"], r["variant"], r["backend"]), {})[(r["task_name"], r["sample_id"], r["rep"])] = r
    rows = []
    for model, variants in variant_rank(records).items():
        ref_key = (model, variants[0], "cpu")
        ref = by.get(ref_key, {})
        others = [(model, v, b) for v in variants for b in ("cpu", "cuda") if (model, v, b) != ref_key]
        for other_key in others:
            other = by.get(other_key, {})
            tasks = sorted({k[0] for k in ref} | {k[0] for k in other})
            for task in tasks:
                keys = [k for k in ref if k[0] == task and k in other]
                rows.append(compare_records(model, f"cpu {variants[0]}", f"{other_key[2]} {other_key[1]}", task,
                                            [(ref[k], other[k]) for k in keys]))
    return rows


def compare_records(model, a_name, b_name, task, pairs):
    """identical_outputs: greedy texts equal; identical_decisions: multiple-choice predictions
    equal; identical_metrics: every metric of the record equal (a generation task's scores, a
    perplexity's values); |dLL| per choice; a perplexity task's token PPL and |dLL| per document."""
    row = {"model": model, "a": a_name, "b": b_name, "task": task, "n": len(pairs), "task_type": None,
           "identical_outputs": None, "identical_decisions": None, "identical_metrics": None,
           "max_abs_dll": None, "mean_abs_dll": None, "token_ppl_a": None, "token_ppl_b": None}
    if not pairs:
        return row
    row["task_type"] = pairs[0][0].get("task_type")
    texts = [(ra.get("raw_output"), rb.get("raw_output")) for ra, rb in pairs if ra.get("raw_output") is not None]
    if texts:
        row["identical_outputs"] = sum(x == y for x, y in texts)
    preds = [(ra["pred"], rb["pred"]) for ra, rb in pairs if ra.get("pred") is not None]
    if preds:
        row["identical_decisions"] = sum(x == y for x, y in preds)
    row["identical_metrics"] = sum(ra.get("metrics") == rb.get("metrics") for ra, rb in pairs)
    dll = [abs(ca["loglikelihood"] - cb["loglikelihood"]) for ra, rb in pairs
           for ca, cb in zip(ra.get("choices") or [], rb.get("choices") or [])]
    if row["task_type"] == "perplexity":
        dll = [abs(ra["metrics"]["loglikelihood"] - rb["metrics"]["loglikelihood"]) for ra, rb in pairs]
        ll = [(ra["metrics"]["loglikelihood"], rb["metrics"]["loglikelihood"], ra["metrics"]["n_tokens"])
              for ra, rb in pairs]
        n_tok = sum(x[2] for x in ll)
        row["token_ppl_a"] = math.exp(-sum(x[0] for x in ll) / n_tok)
        row["token_ppl_b"] = math.exp(-sum(x[1] for x in ll) / n_tok)
    if dll:
        row["max_abs_dll"], row["mean_abs_dll"] = max(dll), sum(dll) / len(dll)
    return row


# --- step 2: batch invariance ------------------------------------------------------------------

def batch_invariance(a, st):
    _, gpu = accel(a)
    docs = a.size["batch_docs"]
    packings = {"b2048": [], "b128": ["-b", "128", "--ubatch-size", "128"]}
    models = {"stories260K": a.data / "models" / "stories260K.gguf",
              "TinyStories-656K": a.data / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf"}
    rows = []
    work = a.out / "batch-runs"
    for model_name, model in models.items():
        runs = {}
        for fa in ("off", "on"):
            for pname, packing in packings.items():
                out = work / f"{model_name}-fa{fa}-{pname}"
                shutil.rmtree(out, ignore_errors=True)
                runs[(fa, pname)] = noise_floor.score(
                    str(model), ["--flash-attn", fa, "-c", "512", "-t", str(a.threads), *gpu], packing, docs, str(out))
        for label, x, y in [("b2048 vs b128 (fa off)", ("off", "b2048"), ("off", "b128")),
                            ("b2048 vs b128 (fa on)", ("on", "b2048"), ("on", "b128")),
                            ("fa off vs fa on (b2048)", ("off", "b2048"), ("on", "b2048"))]:
            c = noise_floor.compare(runs[x], runs[y])
            rows.append({"model": model_name, "comparison": label, **c, "docs_per_task": docs})
        st.write_csv("batch", rows)
    st.write_json("batch", {"command": f"{qualm_bin()} eval -m MODEL --tasks hellaswag,arc_easy --limit {docs} "
                                       f"--flash-attn off|on -c 512 {' '.join(gpu)} [-b 128 --ubatch-size 128]",
                            "rows": rows})
    return {"max_dll_same_fa": max(r["max_dll"] for r in rows if "vs b128" in r["comparison"])}


# --- step 3: throughput against llama.cpp's tools -----------------------------------------------

def make_preset(name, ptype):
    _, out = sh([REPO / "tests" / "fixtures" / "make_preset.sh", name, ptype])
    return Path(out.strip().splitlines()[-1])


def throughput(a, st):
    s = a.size
    _, gpu = accel(a)
    preset = "tiny-llama" if a.quick else "llama-3.2-1b"
    f16 = make_preset(preset, "F16")
    q8 = make_preset(preset, "Q8_0")
    wiki = a.data / "datasets" / "wikitext-2" / "wiki.test.raw"
    bench_args = argparse.Namespace(ctx=512, batch=2048, threads=a.threads, reps=a.reps, gpu_layers=gpu[1])
    work = a.out / "throughput-work"
    work.mkdir(exist_ok=True)
    result = {"model": str(f16), "model_q8": str(q8), "settings": "each tool's default engine settings, "
              f"-t {a.threads} {' '.join(gpu)}; qualm's default is batch-invariant (fa off)"}

    def save(key, value):
        result[key] = value
        st.write_json("throughput", result)

    row = compare_llama.bench_ppl(bench_args, work, f"{preset} F16 / wikitext-2", f16, wiki, s["ppl_chunks"])
    save("perplexity", row)
    hs = hellaswag_speed.measure(f16, s["hs_tasks"], ["-c", 2048, "-b", 2048, "-t", a.threads], a.reps, gpu, gpu)
    save("hellaswag", hs)
    row = compare_llama.bench_kld(bench_args, work, f"{preset} F16->Q8_0 / wikitext-2", f16, q8, wiki,
                                  s["kld_chunks"])
    save("kld", row)
    save("generate", batched_generate(a, f16, gpu, s["gen_prompts"], s["gen_tokens"]))
    save("mmlu", mmlu_rate(a, f16, gpu, s["mmlu_limit"]))
    rows = [
        {"case": "perplexity c=512", "qualm": result["perplexity"]["qualm_tps"],
         "llama": result["perplexity"]["llama_tps"], "unit": "tokens/s", "ratio": result["perplexity"]["ratio"]},
        {"case": f"hellaswag {hs['tasks']}", "qualm": hs["tasks_per_second"]["qualm"],
         "llama": hs["tasks_per_second"]["llama"], "unit": "tasks/s", "ratio": hs["ratio"]},
        {"case": "kld (one pass vs two)", "qualm": result["kld"]["qualm_wall"], "llama": result["kld"]["llama_wall"],
         "unit": "s (lower wins)", "ratio": result["kld"]["llama_wall"] / result["kld"]["qualm_wall"],
         "disk_qualm": result["kld"]["qualm_disk"], "disk_llama": result["kld"]["llama_disk"]},
        {"case": "batched generate", "qualm": result["generate"]["qualm_tps"],
         "llama": result["generate"]["llama_tps"], "unit": "generated tokens/s (process wall)",
         "ratio": result["generate"]["ratio"]},
        {"case": "batched generate (--engine-parity llama)", "qualm": result["generate"]["qualm_parity_tps"],
         "llama": result["generate"]["llama_tps"], "unit": "generated tokens/s (process wall)",
         "ratio": result["generate"]["ratio_parity"]},
        {"case": "mmlu 5-shot", "qualm": result["mmlu"]["questions_per_s"], "llama": None, "unit": "questions/s",
         "ratio": None},
    ]
    result["table"] = rows
    st.write_json("throughput", result)
    st.write_csv("throughput", rows)
    return {r["case"]: r["ratio"] for r in rows}


def batched_generate(a, model, gpu, n_prompts, n_tokens, llama_first=False):
    """qualm generate of n_prompts prompts at once against llama-batched-bench's -npl n_prompts,
    both timed as whole processes (llama.cpp's first where llama_first, for ABBA order over
    repetitions); llama-batched-bench's own S_TG is kept too."""
    text = (a.data / "datasets" / "tinystories" / "tinystories_valid_prefix.txt").read_text(errors="replace")
    lines = [ln.strip()[:400] for ln in text.splitlines() if len(ln.strip()) > 200][:n_prompts]
    prompts = a.out / "throughput-work" / "prompts.txt"
    prompts.write_text("\n".join(lines) + "\n")
    q_cmd = [qualm_bin(), "generate", "-m", model, "-f", prompts, "-n", n_tokens, "--parallel", len(lines),
             "-c", 1024, "-t", a.threads, "--json", *gpu]
    l_cmd = [llama_bin_dir() / "llama-batched-bench", "-m", model, "-c", len(lines) * (n_tokens + 128) + 256,
             "-b", 2048, "-ub", 512, "-npp", 128, "-ntg", n_tokens, "-npl", len(lines), "-t", a.threads, *gpu]
    if llama_first:
        l_wall, l_out = sh(l_cmd, both=True)  # its table may go to either stream
    q_wall, out = sh(q_cmd)
    results = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    q_tokens = sum(r["output_tokens"] or 0 for r in results)
    # llama.cpp's own settings (continuous batching, one KV stream, fa auto) beside qualm's
    # batch-invariant default.
    p_wall, p_out = sh([*q_cmd, "--engine-parity", "llama"])
    p_tokens = sum(json.loads(line)["output_tokens"] or 0 for line in p_out.splitlines() if line.startswith("{"))
    if not llama_first:
        l_wall, l_out = sh(l_cmd, both=True)
    # | PP | TG | B | N_KV | T_PP s | S_PP t/s | T_TG s | S_TG t/s | T s | S t/s |
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|"
                      r"\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|", l_out, re.M)
    llama = None
    if rows:
        pp, tg, b, nkv, t_pp, s_pp, t_tg, s_tg, t, s = rows[-1]
        llama = {"pp": int(pp), "tg": int(tg), "b": int(b), "t_pp_s": float(t_pp), "s_pp": float(s_pp),
                 "t_tg_s": float(t_tg), "s_tg": float(s_tg), "t_s": float(t), "s": float(s)}
    l_tokens = len(lines) * n_tokens
    return {"prompts": len(lines), "max_new_tokens": n_tokens, "qualm_tokens": q_tokens, "qualm_wall": q_wall,
            "qualm_tps": q_tokens / q_wall, "qualm_engine_s": max(((r.get("prompt_ms") or 0) + (r.get("generate_ms") or 0))
                                                                  for r in results) / 1000 if results else None,
            "llama_tokens": l_tokens, "llama_wall": l_wall, "llama_tps": l_tokens / l_wall,
            "qualm_parity_tokens": p_tokens, "qualm_parity_wall": p_wall, "qualm_parity_tps": p_tokens / p_wall,
            "llama_batched_bench": llama, "ratio": (q_tokens / q_wall) / (l_tokens / l_wall),
            "ratio_parity": (p_tokens / p_wall) / (l_tokens / l_wall),
            "commands": {"qualm": " ".join(map(str, q_cmd)), "llama": " ".join(map(str, l_cmd))}}


def mmlu_rate(a, model, gpu, limit):
    out = a.out / "throughput-work" / "mmlu"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [qualm_bin(), "eval", "-m", model, "--tasks", "mmlu", "--num-fewshot", 5, "--limit", limit,
           "-t", a.threads, "--out", out, *gpu]
    wall, _ = sh(cmd)
    n = sum(1 for line in (out / "samples.jsonl").read_text().splitlines() if line.strip())
    return {"questions": n, "wall_s": wall, "questions_per_s": n / wall, "command": " ".join(map(str, cmd))}


# --- step 4: transformers ----------------------------------------------------------------------

def transformers_check(a, st):
    try:
        import torch
        import transformers
    except ImportError as e:
        reason = f"skipped: {e} (pip install torch transformers)"
        st.write_json("transformers", {"skipped": reason})
        return {"skipped": reason}
    import transformers_check as tc  # bench/transformers_check.py: needs torch at import
    result = tc.run(a, qualm_bin(), torch, transformers, lambda obj: st.write_json("transformers", obj))
    st.write_csv("transformers", result["rows"])
    return {"rows": len(result["rows"])}


# --- driver ------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                   help="cpu: every CUDA part runs on the CPU instead (a test of the script)")
    p.add_argument("--quick", action="store_true", help="small sizes and a tiny random-weight model")
    p.add_argument("--out", type=Path, default=Path("gpu-validate"), help="results go here (kept between runs)")
    p.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)}")
    p.add_argument("--threads", "-t", type=int, default=os.cpu_count(), help="CPU threads of both tools")
    p.add_argument("--reps", type=int, default=1, help="interleaved repetitions of each timing")
    a = p.parse_args()
    steps = [s for s in a.steps.split(",") if s]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        p.error(f"unknown step {unknown[0]}: one of {', '.join(STEPS)}")
    a.size = {k: v[1] if a.quick else v[0] for k, v in SIZES.items()}
    a.data = compare_llama.data_dir().resolve()
    a.out = a.out.resolve()
    a.out.mkdir(parents=True, exist_ok=True)
    # The helpers of the other bench scripts read these at call time.
    os.environ.setdefault("QUALM_DATA_DIR", str(a.data))
    compare_llama.QUALM = noise_floor.QUALM = qualm_bin()
    compare_llama.LLAMA_BIN = llama_bin_dir()
    os.environ["LLAMA_BIN_DIR"] = str(llama_bin_dir())
    os.environ["QUALM_BIN"] = str(qualm_bin())
    os.environ.setdefault("QUALM_LLAMA_PREFIX", str(llama_bin_dir().parent))
    # The binary's built-in task files are found at its build's source path, which a binary
    # shipped to another host does not have: use this checkout's.
    os.environ.setdefault("QUALM_TASKS_DIR", str(REPO / "tasks"))

    st = Step(a.out)
    st.write_json("environment", environment(a))
    failed = []
    for name in steps:
        fn = {"equivalence": equivalence, "batch": batch_invariance, "throughput": throughput,
              "transformers": transformers_check}[name]
        start = time.time()
        print(f"gpu_validate: {name} ...", flush=True)
        st.log(step=name, status="started")
        try:
            headline = fn(a, st)
            st.log(step=name, status="done", wall_s=round(time.time() - start, 1), headline=headline)
            print(f"gpu_validate: {name} done in {time.time() - start:.0f} s: {json.dumps(headline, default=str)}",
                  flush=True)
        except (Exception, SystemExit) as e:  # one failed step does not stop the others
            failed.append(name)
            st.log(step=name, status="failed", wall_s=round(time.time() - start, 1), error=str(e)[-4000:],
                   traceback=traceback.format_exc()[-4000:])
            print(f"gpu_validate: {name} FAILED after {time.time() - start:.0f} s: {str(e)[-2000:]}", flush=True)
    print(f"gpu_validate: results in {a.out}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
