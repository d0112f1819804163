#!/usr/bin/env python3
"""The engine's own noise floor: how far a multiple-choice log-likelihood moves when nothing
but the packing of requests changes (batch size, micro-batch size, threads, what shares a
decode), per engine setting, on both real models of the shared data.

For each setting, `qualm eval` scores the same HellaSwag and ARC-Easy documents under four
packings; every packing is compared with the first. Printed per model and setting: the max and
mean |dLL| per choice, the max |dLL| per token, and the share of acc / acc_norm decisions that
flip. A benchmark, not a test: run it on demand,

    python3 bench/noise_floor.py [--docs 100] [--json OUT.json]

with build/qualm built and the shared data beside the clone (or QUALM_DATA_DIR)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUALM = os.environ.get("QUALM_BIN", str(ROOT / "build" / "qualm"))
DATA = Path(os.environ.get("QUALM_DATA_DIR", ROOT.parent / "shared" / "data"))
MODELS = {
    "stories260K": DATA / "models" / "stories260K.gguf",
    "TinyStories-656K": DATA / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf",
}
SETTINGS = {
    "qualm default (batch-invariant, fa off, kv f16)": [],
    "llama.cpp parity (packed, fa auto, kv f16)": ["--engine-parity", "llama"],
    "packed, fa off, kv f16": ["--engine-parity", "llama", "--flash-attn", "off"],
    "packed, fa off, kv f32": ["--engine-parity", "llama", "--flash-attn", "off", "--cache-type-k", "f32",
                               "--cache-type-v", "f32"],
    "packed, fa on, kv f32": ["--engine-parity", "llama", "--flash-attn", "on", "--cache-type-k", "f32",
                              "--cache-type-v", "f32"],
}
PACKINGS = [
    [],
    ["-b", "128", "--ubatch-size", "128"],
    ["--pack-tokens", "16", "--ubatch-size", "64", "-t", "1"],
    ["-b", "4096", "--ubatch-size", "4096", "--pack-tokens", "2048"],
]


def score(model, setting, packing, docs, out):
    subprocess.run([QUALM, "eval", "-m", model, "--tasks", "hellaswag,arc_easy", "--limit", str(docs), "--out", out,
                    *setting, *packing], check=True, capture_output=True, text=True)
    rows = {}
    for line in (Path(out) / "samples.jsonl").read_text().splitlines():
        r = json.loads(line)
        rows[(r["task_name"], r["sample_id"])] = r
    return rows


def compare(a, b):
    diffs, per_token, flips, decisions = [], [], 0, 0
    for key, ra in a.items():
        rb = b[key]
        for ca, cb in zip(ra["choices"], rb["choices"]):
            d = abs(ca["loglikelihood"] - cb["loglikelihood"])
            diffs.append(d)
            per_token.append(d / max(1, ca["n_tokens"]))
        for metric in ("acc", "acc_norm"):
            decisions += 1
            flips += ra["pred"][metric] != rb["pred"][metric]
    return {"max_dll": max(diffs), "mean_dll": sum(diffs) / len(diffs), "max_dll_per_token": max(per_token),
            "flipped": flips / decisions, "choices": len(diffs)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100, help="documents of each task (default 100)")
    parser.add_argument("--json", help="also write the table here")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        for model_name, model in MODELS.items():
            for setting_name, setting in SETTINGS.items():
                runs = [score(model, setting, p, args.docs, f"{tmp}/{len(table)}-{i}") for i, p in enumerate(PACKINGS)]
                worst = {"max_dll": 0.0, "mean_dll": 0.0, "max_dll_per_token": 0.0, "flipped": 0.0}
                for other in runs[1:]:
                    c = compare(runs[0], other)
                    for k in worst:
                        worst[k] = max(worst[k], c[k])
                table.append({"model": model_name, "setting": setting_name, **worst, "packings": len(PACKINGS),
                              "choices": c["choices"]})
                row = table[-1]
                print(f"{model_name:17s} {setting_name:48s} max|dLL| {row['max_dll']:.3g}  mean {row['mean_dll']:.3g}  "
                      f"per token {row['max_dll_per_token']:.3g}  flipped {100 * row['flipped']:.2f} %", flush=True)
    print(f"({args.docs} HellaSwag + {args.docs} ARC-Easy documents, {len(PACKINGS)} packings each, "
          f"load average {load:.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps({"docs": args.docs, "load": load, "rows": table}, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
