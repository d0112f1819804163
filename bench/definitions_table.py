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
import bz2
import concurrent.futures
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "oracle"))
import llama_reference  # noqa: E402

DEPS = Path(os.environ.get("QUALM_DEPS_DIR", Path.home() / ".cache" / "qualm"))
LLAMA_BIN = Path(os.environ.get("LLAMA_BIN_DIR", DEPS / "llama.cpp-de3ff81" / "bin"))
QUALM = Path(os.environ.get("QUALM_BIN", REPO / "build" / "qualm"))

MODELS = {  # label -> path under the data dir
    "stories260K": "models/stories260K.gguf",
    "TinyStories-656K": "models/tinystories-656k/TinyStories-656K.f16.gguf",
}
TASKS = ("arc_easy", "arc_challenge", "hellaswag")
DELIMITER = " "  # every task's target delimiter
NEAR_TIE = 1e-3  # nats: a decision this close could flip on rounding
CHECK_TOL = 1e-9  # the prefix-sharing forward against llama_reference's own forward

torch.set_num_threads(1)


def data_dir():
    env = os.environ.get("QUALM_DATA_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data"


class ToolError(RuntimeError):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- documents, read independently of qualm ----------------------------------------------------

@dataclass
class Doc:
    task: str
    index: int
    context: str
    choices: list
    gold: int
    raw: list = field(default_factory=list)  # HellaSwag: the item's six lines


def load_docs(data, task, n):
    docs = []
    if task in ("arc_easy", "arc_challenge"):
        with open(data / "datasets" / "arc" / f"{task}.jsonl", encoding="utf-8") as f:
            for line in f:
                if len(docs) == n:
                    break
                if not line.strip():
                    continue
                d = json.loads(line)
                docs.append(Doc(task, len(docs), d["query"] + "\nAnswer:", list(d["choices"]), int(d["gold"])))
    elif task == "hellaswag":
        path = data / "datasets" / "hellaswag" / "hellaswag_val_full.txt.bz2"
        lines = bz2.open(path, "rt", encoding="utf-8", newline="").read().split("\n")
        for i in range(min(n, len(lines) // 6)):
            block = lines[6 * i:6 * i + 6]
            docs.append(Doc(task, i, block[0], block[2:6], int(block[1]), raw=block))
    else:
        raise ValueError(f"unknown task {task}")
    return docs


# --- llama.cpp's tokenizer --------------------------------------------------------------------

def _file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


class LlamaTokenize:
    """Token ids of texts, each from one `llama-tokenize --stdin` run (the tool reads one prompt
    per run), jobs runs at a time, remembered in a JSON cache. None: llama-tokenize aborted on
    the text (a character the vocabulary cannot encode)."""

    def __init__(self, model, llama_bin=LLAMA_BIN, cache_dir=None, jobs=2):
        self.tool = Path(llama_bin) / "llama-tokenize"
        if not self.tool.exists():
            raise ToolError(f"not found: {self.tool} (set LLAMA_BIN_DIR)")
        self.model = str(model)
        self.jobs = jobs
        self.memo = {}
        self.cache_file = None
        self.calls = 0
        if cache_dir:
            key = f"{Path(model).stem}-{_file_digest(model)}-{_file_digest(self.tool)}"
            self.cache_file = Path(cache_dir) / f"{key}.json"
            if self.cache_file.exists():
                self.memo = json.loads(self.cache_file.read_text(encoding="utf-8"))

    def _run(self, text):
        env = dict(os.environ, GGML_NO_BACKTRACE="1")  # an abort otherwise starts gdb
        proc = subprocess.run([str(self.tool), "-m", self.model, "--stdin", "--ids", "--no-escape",
                               "--no-parse-special", "--log-disable"],
                              input=text.encode("utf-8"), capture_output=True, env=env, timeout=120)
        out = proc.stdout.decode("utf-8", errors="replace")
        if proc.returncode == 0:
            for line in reversed(out.splitlines()):
                if line.startswith("["):
                    return json.loads(line)
            raise ToolError(f"llama-tokenize printed no ids for {text[:80]!r}:\n{out[-500:]}")
        err = proc.stderr.decode("utf-8", errors="replace")
        if proc.returncode in (-6, 134) and "out_of_range" in err:
            return None  # byte_to_token: no token for a byte of this text
        raise ToolError(f"llama-tokenize exited {proc.returncode} on {text[:80]!r}:\n{err[-1000:]}")

    def encode_many(self, texts):
        todo = sorted({t for t in texts if t not in self.memo})
        if todo:
            with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
                for text, ids in zip(todo, pool.map(self._run, todo)):
                    self.memo[text] = ids
            self.calls += len(todo)
            if self.cache_file:
                self.cache_file.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.cache_file.with_suffix(".tmp")
                tmp.write_text(json.dumps(self.memo), encoding="utf-8")
                tmp.replace(self.cache_file)
        return {t: self.memo[t] for t in texts}


# --- lm-eval's rules --------------------------------------------------------------------------

def encode_pair_text(context, continuation):
    """lm-eval's _encode_pair, text part: trailing whitespace of the context moves onto the
    continuation."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces > 0:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    return context, context + continuation


def argmax_margin(scores):
    """(numpy.argmax, best minus the best other score)."""
    s = np.asarray(scores, dtype=np.float64)
    i = int(np.argmax(s))
    others = np.delete(s, i)
    return i, float(s[i] - others.max()) if others.size else math.inf


# --- the reference forward, sharing the context ------------------------------------------------

@torch.no_grad()
def _hidden(ref, ids, past=None):
    """The final-norm hidden states of ids placed after the cached keys/values `past` (the
    arithmetic of LlamaReference.logits, with a key/value cache), and the new cache."""
    hp = ref.hp
    T = len(ids)
    P = 0 if past is None else past[0][0].shape[1]
    nh, nkv, hd = hp["n_head"], hp["n_head_kv"], hp["head_dim"]
    group = nh // nkv
    pos = torch.arange(P, P + T, dtype=torch.float64)
    mask = torch.full((T, P + T), float("-inf"), dtype=torch.float64).triu(P + 1)
    scale = 1.0 / math.sqrt(hd)
    x = ref.tok[torch.as_tensor(ids, dtype=torch.long)]
    cache = []
    for li, L in enumerate(ref.layers):
        h = ref._norm(x, L["attn_norm"])
        q = (h @ L["attn_q"].T).view(T, nh, hd).transpose(0, 1)
        k = (h @ L["attn_k"].T).view(T, nkv, hd).transpose(0, 1)
        v = (h @ L["attn_v"].T).view(T, nkv, hd).transpose(0, 1)
        q, k = ref._rope(q, pos), ref._rope(k, pos)
        if past is not None:
            k = torch.cat((past[li][0], k), dim=1)
            v = torch.cat((past[li][1], v), dim=1)
        cache.append((k, v))
        kr, vr = k.repeat_interleave(group, dim=0), v.repeat_interleave(group, dim=0)
        att = torch.softmax(q @ kr.transpose(1, 2) * scale + mask, dim=-1)
        o = (att @ vr).transpose(0, 1).reshape(T, nh * hd)
        x = x + o @ L["attn_output"].T
        h = ref._norm(x, L["ffn_norm"])
        g = h @ L["ffn_gate"].T
        x = x + (torch.nn.functional.silu(g) * (h @ L["ffn_up"].T)) @ L["ffn_down"].T
    return ref._norm(x, ref.out_norm), cache


@torch.no_grad()
def shared_prefix_logprobs(ref, prefix, continuations):
    """For each continuation c: the log-prob of each token of c after prefix + the tokens of c
    before it, the prefix evaluated once."""
    hid, cache = _hidden(ref, prefix)
    first = torch.log_softmax(hid[-1] @ ref.out.T, dim=-1)
    out = []
    for c in continuations:
        lps = [float(first[c[0]])]
        if len(c) > 1:
            h, _ = _hidden(ref, c[:-1], cache)
            lp = torch.log_softmax(h @ ref.out.T, dim=-1)
            lps += lp.gather(1, torch.as_tensor(c[1:], dtype=torch.long)[:, None])[:, 0].tolist()
        out.append(lps)
    return out


# --- the scorer -------------------------------------------------------------------------------

def score_docs(ref, tok, docs, max_length, plain=False, check_first=True):
    """lm-eval-style scores of docs: {index: dict} for the scored ones, and {index: reason} for
    the skipped ones."""
    texts = []
    pairs = {}
    for d in docs:
        pairs[d.index] = [encode_pair_text(d.context, DELIMITER + c) for c in d.choices]
        texts += [p[0] for p in pairs[d.index]] + [p[1] for p in pairs[d.index]]
    ids = tok.encode_many(texts)
    scored, skipped = {}, {}
    checked = not check_first
    for d in docs:
        ctx_encs, fulls, conts = [], [], []
        reason = None
        for ctx, whole in pairs[d.index]:
            ce, we = ids[ctx], ids[whole]
            if ce is None or we is None:
                reason = "llama-tokenize cannot tokenize it"
                break
            cont = we[len(ce):]
            if not cont:
                reason = "lm-eval's split leaves a continuation without tokens"
                break
            ctx_encs.append(ce)
            conts.append(cont)
            fulls.append(ce + cont)
        if reason:
            skipped[d.index] = reason
            continue
        kept = [f[-(max_length + 1):] for f in fulls]  # the last token is not fed
        truncated = any(len(k) < len(f) for k, f in zip(kept, fulls))
        same_ctx = all(ce == ctx_encs[0] for ce in ctx_encs)
        if plain or truncated or not same_ctx:
            lps = [ref.token_logprobs(k)[-len(c):] for k, c in zip(kept, conts)]
        else:
            lps = shared_prefix_logprobs(ref, ctx_encs[0], conts)
            if not checked:  # the shared forward against llama_reference's own, once per task
                plain_lps = [ref.token_logprobs(f)[-len(c):] for f, c in zip(fulls, conts)]
                diff = max(float(np.max(np.abs(np.array(a) - np.array(b)))) for a, b in zip(lps, plain_lps))
                if diff > CHECK_TOL:
                    raise AssertionError(f"{d.task} #{d.index}: shared-prefix forward differs from "
                                         f"llama_reference by {diff:.3g}")
                checked = True
        lls = np.array([sum(x) for x in lps])
        lens = np.array([float(len(c)) for c in d.choices])
        acc, acc_margin = argmax_margin(lls)
        norm, norm_margin = argmax_margin(lls / lens)
        scored[d.index] = {"lls": lls, "norm": lls / lens, "pred": {"acc": acc, "acc_norm": norm},
                           "margin": {"acc": acc_margin, "acc_norm": norm_margin}, "gold": d.gold,
                           "sequences": kept, "n_tokens": [len(c) for c in conts], "truncated": truncated}
    return scored, skipped


# --- the tools --------------------------------------------------------------------------------

def run(cmd, env=None, timeout=1800):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, errors="replace", env=env,
                          timeout=timeout)
    if proc.returncode != 0:
        raise ToolError(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout[-2000:]}\n"
                        f"{proc.stderr[-2000:]}")
    return proc


def qualm_env(data):
    return dict(os.environ, QUALM_DATA_DIR=str(data))


def qualm_records(qualm, model, tasks, n, ctx, out, data):
    run([qualm, "eval", "-m", model, "--tasks", ",".join(tasks), "--limit", n, "-c", ctx, "-t", 1, "--log-tokens",
         "--cache-type-k", "f32", "--cache-type-v", "f32", "--out", out], env=qualm_env(data))
    recs = {}
    for line in (Path(out) / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            recs[(r["task_name"], int(r["sample_id"]))] = r
    return recs


def llama_hellaswag(llama_bin, model, task_file, n_items, ctx, attempts=3):
    """llama-perplexity --hellaswag on task_file (n_items tasks, scored in file order): its last
    row, (k, accuracy % over the first k tasks). Its logger can drop its last lines at exit, more
    of them on a loaded machine: a run without the final row is retried, and the best row kept."""
    cmd = [Path(llama_bin) / "llama-perplexity", "-m", model, "-f", task_file, "--hellaswag", "--hellaswag-tasks",
           n_items, "-c", ctx, "-t", 1]
    pattern = re.compile(r"(?:^|\n)(\d+)\t([0-9.]+)%")
    best, text = None, ""
    for _ in range(attempts):
        proc = run(cmd)
        text = proc.stdout + proc.stderr
        for m in pattern.finditer(text):
            k = int(m.group(1))
            if best is None or k > best[0]:
                best = (k, float(m.group(2)))
        if best and best[0] == n_items:
            break
    if best is None or best[0] < n_items - 20:
        raise ToolError(f"llama-perplexity --hellaswag printed no final row for {n_items} tasks:\n{text[-2000:]}")
    return best


def token_mean_check(qualm, llama_bin, model, docs, tok, ctx, workdir, data):
    """qualm --engine-parity llama acc_token_mean vs llama-perplexity --hellaswag on one file
    of docs (less the items llama.cpp's tokenizer aborts on: llama-perplexity would abort)."""
    texts = [d.context + " " + e for d in docs for e in d.choices]  # llama-perplexity's own strings
    ids = tok.encode_many(texts)
    items = [d for d in docs if all(ids[d.context + " " + e] is not None for e in d.choices)]
    workdir = Path(workdir)
    text_file = workdir / "hellaswag_items.txt"
    text_file.write_text("".join("\n".join(d.raw) + "\n" for d in items), encoding="utf-8", newline="")
    task_file = workdir / "hellaswag_items.yaml"
    task_file.write_text(f"include: {REPO / 'tasks' / 'hellaswag' / 'hellaswag.yaml'}\n"
                         f"task: hellaswag_items\n"
                         f"dataset: {{path: {text_file}, format: hellaswag_text}}\n", encoding="utf-8")
    out = workdir / "qualm_parity"
    run([qualm, "eval", "-m", model, "--tasks", task_file, "--engine-parity", "llama", "-c", ctx, "-t", 1,
         "--out", out], env=qualm_env(data))
    res = json.loads((out / "results.json").read_text())["results"]["hellaswag_items"]
    if int(res["n"]) != len(items):
        raise AssertionError(f"qualm scored {res['n']} HellaSwag items of {len(items)}")
    k, peer = llama_hellaswag(llama_bin, model, text_file, len(items), ctx)
    # qualm's decisions on the same first k items (all of them unless llama's logger lost rows)
    recs = sorted((json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines() if line.strip()),
                  key=lambda r: r["sample_id"])
    correct = sum(r["pred"]["acc_token_mean"] == r["gold"] for r in recs[:k])
    q = 100.0 * correct / k
    return {"items": len(items), "items_skipped": len(docs) - len(items), "rows_compared": k, "qualm_pct": q,
            "llama_pct": peer, "qualm_correct": correct, "llama_correct": round(peer / 100.0 * k),
            "equal": abs(q - peer) < 5e-8}  # llama-perplexity prints 8 decimals


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
        tools = {"qualm": str(QUALM), "qualm_sha256": _file_digest(QUALM), "llama_bin": str(LLAMA_BIN)}
        Path(args.json).write_text(json.dumps({"config": vars(args), "tools": tools, "rows": rows,
                                               "timings": timings, "wall_s": wall}, indent=2, default=float))
    bad = [r for r in rows if r["differ"]["acc"] or r["differ"]["acc_norm"] or r["input_mismatch"]
           or ("token_mean" in r and not r["token_mean"]["equal"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
