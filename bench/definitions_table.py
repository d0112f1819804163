#!/usr/bin/env python3
"""qualm's multiple-choice decisions against an independent lm-eval-style scorer, and qualm's
HellaSwag acc_token_mean against llama-perplexity --hellaswag: the evidence table.

For each model (stories260K, TinyStories-656K) and task (arc_easy, arc_challenge, hellaswag),
the first N documents (default 300):

- the scorer reads the documents from the data dir itself (ARC: "{query}\\nAnswer:", the
  choices; HellaSwag: llama.cpp's six-line text, context line and endings as they are),
  tokenizes with llama.cpp's own `llama-tokenize` (not qualm's tokens), applies
  lm-evaluation-harness's `_encode_pair` (trailing whitespace of the context moves onto the
  continuation; context_enc = encode(context) with BOS; continuation tokens =
  encode(context + continuation)[len(context_enc):]; target delimiter " "), its left
  truncation ((context_enc + continuation_enc)[-(max_length + 1):][:-1] is fed) and its
  decisions: acc = argmax of the summed continuation log-probs, acc_norm = argmax of that
  sum / len(choice) (characters of the choice string without the delimiter), first maximum
  wins (numpy.argmax). Log-probs come from tests/oracle/llama_reference.py (float64 PyTorch).
  Documents llama-tokenize cannot tokenize (it aborts on characters TinyStories-656K's
  vocabulary lacks; the model has no byte tokens) are skipped and counted;
- qualm eval scores the same documents with an F32 KV cache (`--cache-type-k f32
  --cache-type-v f32`, -t 1, --log-tokens); the table gives both accuracies on the documents
  both scored and the number of documents whose decisions differ (with the scorer's margin
  of each difference, and how many decisions are near ties);
- HellaSwag: `qualm eval --engine-parity llama` acc_token_mean against the final row of
  `llama-perplexity --hellaswag` on a file of exactly those N items (less the items
  llama.cpp cannot tokenize, which would abort it), both at the model's training context.

Also prints how many documents per task qualm flags `split_differs` (lm-eval's split and the
joint tokenization part ways) and whether the scorer's token sequences equal qualm's.

    /usr/bin/python3 bench/definitions_table.py                  # N = 300, both models
    /usr/bin/python3 bench/definitions_table.py --limit 40 --json out.json

Environment: $QUALM_BIN (default build/qualm), $LLAMA_BIN_DIR (default
$QUALM_DEPS_DIR/llama.cpp-de3ff81/bin, $QUALM_DEPS_DIR defaulting to ~/.cache/qualm),
$QUALM_DATA_DIR (default ../shared/data beside the clone). llama-tokenize results are cached
in --cache-dir (default ~/.cache/qualm/definitions_table; --no-cache turns it off).
Needs numpy and torch (Debian: python3-torch).
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# The scorer is in definitions_scorer.py and the tools it runs in definitions_tools.py, beside
# this file (which tests/e2e/test_definitions.py loads by path).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from definitions_scorer import DELIMITER, encode_pair_text, load_docs, score_docs  # noqa: E402
from definitions_tools import (DEPS, LLAMA_BIN, QUALM, REPO, LlamaTokenize, file_digest, qualm_records,  # noqa: E402
                               run, token_mean_check)

sys.path.insert(0, str(REPO / "tests" / "oracle"))
import llama_reference  # noqa: E402

MODELS = {  # label -> path under the data dir
    "stories260K": "models/stories260K.gguf",
    "TinyStories-656K": "models/tinystories-656k/TinyStories-656K.f16.gguf",
}
TASKS = ("arc_easy", "arc_challenge", "hellaswag")
NEAR_TIE = 1e-3  # nats: a decision this close could flip on rounding


def data_dir():
    env = os.environ.get("QUALM_DATA_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- one model --------------------------------------------------------------------------------

def compare_task(task, docs, scored, skipped, recs):
    """The scorer against qualm's records on the documents both scored."""
    row = {"task": task, "docs": len(docs), "scored": 0, "skipped": len(skipped), "qualm_errors": 0,
           "input_mismatch": 0, "qualm_correct": {"acc": 0, "acc_norm": 0},
           "scorer_correct": {"acc": 0, "acc_norm": 0}, "differ": {"acc": 0, "acc_norm": 0},
           "differences": [], "near_ties": {"acc": 0, "acc_norm": 0}, "sequence_differs": 0, "truncated": 0,
           "max_abs_ll_diff": 0.0, "min_margin": {"acc": math.inf, "acc_norm": math.inf}, "split_differs": 0,
           "skipped_but_no_unknown": 0, "unknown_but_scored": 0,
           "skipped_docs": {str(k): v for k, v in skipped.items()}}
    for d in docs:
        r = recs.get((task, d.index))
        if r is None:
            raise AssertionError(f"qualm wrote no record for {task} #{d.index}")
        row["split_differs"] += bool(r.get("split_differs"))
        # llama-tokenize aborts exactly where qualm's tokenizer needs <unk> (TinyStories-656K)
        unknown = int(r.get("unknown_tokens") or 0) > 0
        if d.index not in scored:
            row["skipped_but_no_unknown"] += not unknown
            continue
        row["unknown_but_scored"] += unknown
        if r.get("error") is not None or not r.get("choices"):
            row["qualm_errors"] += 1
            continue
        s = scored[d.index]
        if r["prompt"] != d.context or [c["text"] for c in r["choices"]] != d.choices or int(r["gold"]) != d.gold:
            row["input_mismatch"] += 1
            continue
        row["scored"] += 1
        row["truncated"] += s["truncated"]
        q_lls = np.array([c["loglikelihood"] for c in r["choices"]])
        ll_diff = np.abs(q_lls - s["lls"])
        if [c["sequence"] for c in r["choices"]] != s["sequences"] or \
                [c["n_tokens"] for c in r["choices"]] != s["n_tokens"]:
            row["sequence_differs"] += 1  # (truncated documents: lm-eval keeps one token more)
        else:
            row["max_abs_ll_diff"] = max(row["max_abs_ll_diff"], float(np.max(ll_diff)))
        for metric in ("acc", "acc_norm"):
            qp, sp = int(r["pred"][metric]), s["pred"][metric]
            row["qualm_correct"][metric] += qp == d.gold
            row["scorer_correct"][metric] += sp == d.gold
            row["near_ties"][metric] += abs(s["margin"][metric]) < NEAR_TIE
            row["min_margin"][metric] = min(row["min_margin"][metric], abs(s["margin"][metric]))
            if qp != sp:
                row["differ"][metric] += 1
                scores = s["lls"] if metric == "acc" else s["norm"]
                row["differences"].append({"doc": d.index, "metric": metric, "qualm": qp, "scorer": sp,
                                           "scorer_margin": float(scores[sp] - scores[qp]),
                                           "max_abs_ll_diff": float(ll_diff.max()),
                                           "len_qualm": len(d.choices[qp]), "len_scorer": len(d.choices[sp]),
                                           "truncated": s["truncated"]})
    n = row["scored"]
    for side in ("qualm", "scorer"):
        row[f"{side}_value"] = {m: (row[f"{side}_correct"][m] / n if n else float("nan")) for m in ("acc", "acc_norm")}
    return row


def evaluate_model(label, model, tasks, n, *, qualm=QUALM, llama_bin=LLAMA_BIN, data=None, ctx=512,
                   max_length=None, hellaswag_ctx=None, workdir, cache_dir=None, jobs=2, plain=False,
                   tokenizer_model=None, token_mean=True):
    """The rows of one model (see compare_task; hellaswag's also hold "token_mean") and stage
    timings. tokenizer_model: the GGUF llama-tokenize reads (default: model; an F32 copy has its
    original's vocabulary)."""
    data = Path(data or data_dir())
    max_length = max_length or ctx
    workdir = Path(workdir)
    timing = {}
    t0 = time.monotonic()
    recs = qualm_records(qualm, model, tasks, n, ctx, workdir / "qualm_f32kv", data)
    timing["qualm_f32kv_s"] = time.monotonic() - t0
    ref = llama_reference.load_gguf(model)
    tok = LlamaTokenize(tokenizer_model or model, llama_bin, cache_dir, jobs)
    rows = []
    for task in tasks:
        docs = load_docs(data, task, n)
        t0 = time.monotonic()
        calls0 = tok.calls
        tok.encode_many([t for d in docs for c in d.choices for t in encode_pair_text(d.context, DELIMITER + c)])
        timing[f"{task}_tokenize_s"] = time.monotonic() - t0
        t0 = time.monotonic()
        scored, skipped = score_docs(ref, tok, docs, max_length, plain=plain)
        timing[f"{task}_reference_s"] = time.monotonic() - t0
        row = compare_task(task, docs, scored, skipped, recs)
        row["llama_tokenize_calls"] = tok.calls - calls0
        if task == "hellaswag" and token_mean:
            t0 = time.monotonic()
            hs_ctx = hellaswag_ctx or int(ref.hp["n_ctx_train"]) or ctx
            tm_dir = workdir / "token_mean"
            tm_dir.mkdir(parents=True, exist_ok=True)
            row["token_mean"] = token_mean_check(qualm, llama_bin, model, docs, tok, hs_ctx, tm_dir, data)
            row["token_mean"]["ctx"] = hs_ctx
            timing["hellaswag_token_mean_s"] = time.monotonic() - t0
        row["model"] = label
        rows.append(row)
        log(f"  {label} {task}: {row['scored']} scored, {row['skipped']} skipped, differing decisions "
            f"acc {row['differ']['acc']} acc_norm {row['differ']['acc_norm']}")
    return rows, timing


# --- output -----------------------------------------------------------------------------------

def fmt_pair(row, metric):
    return f"{row['qualm_value'][metric]:.4f} / {row['scorer_value'][metric]:.4f}"


def markdown_table(rows):
    out = ["| model | task | docs scored | docs skipped | acc qualm / scorer | acc_norm qualm / scorer | "
           "differing decisions (acc, acc_norm) | split_differs (qualm) | acc_token_mean qualm / llama-perplexity |",
           "|---|---|---:|---:|---|---|---|---:|---|"]
    for r in rows:
        tm = "–"
        if "token_mean" in r:
            t = r["token_mean"]
            tm = f"{t['qualm_pct']:.8f}% / {t['llama_pct']:.8f}% ({t['items']} items{', equal' if t['equal'] else ', DIFFER'})"
        out.append(f"| {r['model']} | {r['task']} | {r['scored']} | {r['skipped']} | {fmt_pair(r, 'acc')} | "
                   f"{fmt_pair(r, 'acc_norm')} | {r['differ']['acc']}, {r['differ']['acc_norm']} | "
                   f"{r['split_differs']}/{r['docs']} | {tm} |")
    return "\n".join(out)


def details(rows):
    lines = []
    for r in rows:
        lines.append(f"- {r['model']} {r['task']}: token sequences equal to qualm's on "
                     f"{r['scored'] - r['sequence_differs']}/{r['scored']} documents; max |loglikelihood "
                     f"qualm - scorer| {r['max_abs_ll_diff']:.2e} nats; smallest scorer margin acc {r['min_margin']['acc']:.2e}, "
                     f"acc_norm {r['min_margin']['acc_norm']:.2e}; near ties (|margin| < {NEAR_TIE:g}) "
                     f"acc {r['near_ties']['acc']}, acc_norm {r['near_ties']['acc_norm']}; truncated "
                     f"{r['truncated']}; qualm errors {r['qualm_errors']}; input mismatches {r['input_mismatch']}; "
                     f"skipped without qualm <unk> {r['skipped_but_no_unknown']}, scored with qualm <unk> "
                     f"{r['unknown_but_scored']}"
                     + (f"; llama-perplexity items skipped {r['token_mean']['items_skipped']} "
                        f"(-c {r['token_mean']['ctx']})" if "token_mean" in r else ""))
        for diff in r["differences"]:
            lines.append(f"  - doc {diff['doc']} {diff['metric']}: qualm {diff['qualm']}, scorer {diff['scorer']}, "
                         f"scorer margin {diff['scorer_margin']:.3g} nats, max |loglikelihood qualm - scorer| "
                         f"of its choices {diff['max_abs_ll_diff']:.3g}"
                         + (" (truncated document)" if diff["truncated"] else ""))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=300, help="first N documents of each task (default 300)")
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("-c", "--ctx", type=int, default=512, help="qualm eval -c for the decisions (default 512)")
    ap.add_argument("--max-length", type=int, default=None,
                    help="the scorer's lm-eval max_length (fed tokens; default: --ctx)")
    ap.add_argument("--hellaswag-ctx", type=int, default=None,
                    help="-c of the token-mean comparison, both tools (default: the model's training context)")
    ap.add_argument("--jobs", type=int, default=2, help="llama-tokenize runs at a time")
    ap.add_argument("--cache-dir", default=str(DEPS / "definitions_table"))
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--plain", action="store_true",
                    help="llama_reference's own forward for every choice (no context sharing; slower)")
    ap.add_argument("--f32-copy", action="store_true",
                    help="also compare decisions on an F32 copy (qualm quantize IN OUT F32) of each model with "
                         "F16 tensors: ggml's F16 matrix products round the activations to F16, the F32 copy "
                         "shows the forward pass itself")
    ap.add_argument("--json", help="also write the rows and timings here")
    args = ap.parse_args()

    data = data_dir()
    for tool in (QUALM, LLAMA_BIN / "llama-tokenize", LLAMA_BIN / "llama-perplexity"):
        if not Path(tool).exists():
            sys.exit(f"not found: {tool} (build qualm / set QUALM_BIN, LLAMA_BIN_DIR)")
    start = time.monotonic()
    rows, timings = [], {}
    with tempfile.TemporaryDirectory(prefix="qualm-definitions-") as tmp:
        for label in args.models.split(","):
            model = data / MODELS[label]
            log(f"{label}: {model}")
            wd = Path(tmp) / label
            wd.mkdir()
            r, t = evaluate_model(label, model, args.tasks.split(","), args.limit, data=data, ctx=args.ctx,
                                  max_length=args.max_length, hellaswag_ctx=args.hellaswag_ctx, workdir=wd,
                                  cache_dir=None if args.no_cache else args.cache_dir, jobs=args.jobs,
                                  plain=args.plain)
            rows += r
            timings[label] = t
            g = llama_reference.GGUFFile(model)
            if args.f32_copy and any(g.tensor_type(name) != "F32" for name in g.infos):
                copy = wd / f"{model.stem}.f32.gguf"
                run([QUALM, "quantize", model, copy, "F32"])
                log(f"{label} F32 copy: {copy}")
                (wd / "f32").mkdir()
                r, t = evaluate_model(f"{label} (F32 copy)", copy, args.tasks.split(","), args.limit, data=data,
                                      ctx=args.ctx, max_length=args.max_length, hellaswag_ctx=args.hellaswag_ctx,
                                      workdir=wd / "f32", cache_dir=None if args.no_cache else args.cache_dir,
                                      jobs=args.jobs, plain=args.plain, tokenizer_model=model, token_mean=False)
                rows += r
                timings[f"{label} (F32 copy)"] = t
    wall = time.monotonic() - start
    print(f"First {args.limit} documents per task; qualm eval -c {args.ctx} -t 1 --cache-type-k f32 "
          f"--cache-type-v f32; scorer: llama-tokenize + tests/oracle/llama_reference.py (float64), lm-eval "
          f"_encode_pair, max_length {args.max_length or args.ctx}; acc_token_mean: qualm --engine-parity llama vs "
          f"llama-perplexity --hellaswag.\n")
    print(markdown_table(rows))
    print()
    print(details(rows))
    print(f"\nwall time {wall:.0f} s")
    if args.json:
        tools = {"qualm": str(QUALM), "qualm_sha256": file_digest(QUALM), "llama_bin": str(LLAMA_BIN)}
        Path(args.json).write_text(json.dumps({"config": vars(args), "tools": tools, "rows": rows,
                                               "timings": timings, "wall_s": wall}, indent=2, default=float))
    bad = [r for r in rows if r["differ"]["acc"] or r["differ"]["acc_norm"] or r["input_mismatch"]
           or ("token_mean" in r and not r["token_mean"]["equal"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
