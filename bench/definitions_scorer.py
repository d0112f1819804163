"""The independent lm-eval-style scorer of bench/definitions_table.py: the documents read
from the data dir, lm-eval's rules (_encode_pair, argmax) and float64 log-probs from
tests/oracle/llama_reference.py, the context evaluated once per document."""

import bz2
import json
import math
from dataclasses import dataclass, field

import numpy as np
import torch

DELIMITER = " "  # every task's target delimiter
CHECK_TOL = 1e-9  # the prefix-sharing forward against llama_reference's own forward

torch.set_num_threads(1)


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


