"""The cross-engine step of bench/gpu_validate.py: transformers on TinyStories-656K's HF weights
against qualm on the GGUF of the same weights.

- PPL of a TinyStories text with llama.cpp's chunking (`qualm perplexity -c 512`): disjoint
  chunks of 512 tokens of the BOS-prefixed text, BOS in place of each chunk's first token, the
  second half of each chunk scored.
- Per-choice log-likelihoods of arc_easy and hellaswag: qualm's records (`qualm eval --out`)
  against the same prompts and choices scored by lm-eval's rules (_encode_pair, the last
  max_length + 1 tokens); token counts, acc / acc_norm decisions and |dLL|.

Configurations: FP32 on the CPU (also with the weights rounded to FP16 as the GGUF holds them),
then FP32, FP16 and BF16 on the GPU; with --device cpu, BF16 on the CPU instead. Imported by gpu_validate.py only where torch and transformers import."""

import json
import math
import subprocess
import time

import numpy as np

from definitions_scorer import encode_pair_text, DELIMITER

CTX = 512  # TinyStories-656K's training window


def configurations(a, torch):
    """(device, dtype) pairs; "float32-f16w" is FP32 with every matrix rounded to FP16 first, the
    weights the F16 GGUF holds, which separates the engines from the rounding."""
    cpu = [("cpu", "float32"), ("cpu", "float32-f16w")]
    if a.device == "cuda" and torch.cuda.is_available():
        return cpu + [("cuda", "float32"), ("cuda", "float16"), ("cuda", "bfloat16")]
    return cpu + [("cpu", "bfloat16")]


def load_model(torch, transformers, hf, device, dtype):
    model = transformers.AutoModelForCausalLM.from_pretrained(
        str(hf), torch_dtype=getattr(torch, dtype.removesuffix("-f16w")))
    if dtype.endswith("-f16w"):
        with torch.no_grad():
            for p in model.parameters():
                if p.dim() == 2:
                    p.copy_(p.half().float())
    return model.to(device).eval()


def qualm_json(cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}\nexited {p.returncode}:\n{(p.stdout + p.stderr)[-3000:]}")
    return p.stdout


def chunked_ppl(torch, model, device, ids, n_chunks):
    """llama-perplexity's method over the token list ids (BOS first)."""
    bos = ids[0]
    nll, count = 0.0, 0
    for i in range(n_chunks):
        chunk = list(ids[i * CTX:(i + 1) * CTX])
        chunk[0] = bos
        with torch.no_grad():
            logits = model(torch.tensor([chunk], device=device)).logits[0].float()
        lp = torch.log_softmax(logits, dim=-1)
        first = CTX // 2
        targets = torch.tensor(chunk[first + 1:], device=device)
        nll -= float(lp[first:CTX - 1].gather(1, targets[:, None]).sum())
        count += CTX - 1 - first
    return (math.exp(nll / count) if count else None), count


def choice_lls(torch, model, device, tok, prompt, choices):
    """lm-eval's loglikelihood of each ' choice' after prompt: (lls, token counts)."""
    lls, counts = [], []
    for c in choices:
        ctx, whole = encode_pair_text(prompt, DELIMITER + c)
        ctx_ids = tok(ctx)["input_ids"]
        whole_ids = tok(whole)["input_ids"]
        cont = whole_ids[len(ctx_ids):]
        seq = (ctx_ids + cont)[-(CTX + 1):]
        with torch.no_grad():
            logits = model(torch.tensor([seq[:-1]], device=device)).logits[0].float()
        lp = torch.log_softmax(logits[-len(cont):], dim=-1)
        lls.append(float(lp.gather(1, torch.tensor(cont, device=device)[:, None]).sum()))
        counts.append(len(cont))
    return lls, counts


def run(a, qualm, torch, transformers, save):
    torch.set_num_threads(a.threads)
    hf = a.data / "models" / "tinystories-656k" / "hf"
    gguf = a.data / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf"
    text_file = a.data / "datasets" / "tinystories" / "tinystories_valid_prefix.txt"
    docs = a.size["tf_docs"]
    n_chunks = a.size["tf_ppl_chunks"]
    gpu = ["--gpu-layers", "99"] if a.device == "cuda" else ["--gpu-layers", "0"]
    result = {"hf": str(hf), "gguf": str(gguf), "transformers": transformers.__version__, "torch": torch.__version__}

    ppl_cmd = [qualm, "perplexity", "-m", gguf, "-f", text_file, "-c", CTX, "--chunks", n_chunks, "-t", a.threads,
               "--json", *gpu]
    q_ppl = json.loads(qualm_json(ppl_cmd))
    out = a.out / "transformers-qualm-eval"
    eval_cmd = [qualm, "eval", "-m", gguf, "--tasks", "arc_easy,hellaswag", "--limit", docs, "-c", CTX,
                "-t", a.threads, "--out", out, *gpu]
    qualm_json(eval_cmd)
    records = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines() if line.strip()]
    result["commands"] = {"qualm_perplexity": " ".join(map(str, ppl_cmd)), "qualm_eval": " ".join(map(str, eval_cmd))}
    result["qualm_ppl"] = {"ppl": q_ppl["ppl"], "n_chunks": q_ppl["n_chunks"]}

    tok = transformers.AutoTokenizer.from_pretrained(str(hf))
    ids = tok(text_file.read_text(encoding="utf-8"))["input_ids"]
    rows = []
    for device, dtype in configurations(a, torch):
        start = time.time()
        model = load_model(torch, transformers, hf, device, dtype)
        ppl, scored = chunked_ppl(torch, model, device, ids, min(n_chunks, len(ids) // CTX))
        rows.append({"config": f"transformers {device} {dtype}", "task": "tinystories ppl (c=512)",
                     "hf_ppl": ppl, "qualm_ppl": q_ppl["ppl"], "rel_diff": ppl / q_ppl["ppl"] - 1 if ppl else None,
                     "scored_tokens": scored, "hf_text_tokens": len(ids)})
        for task in ("arc_easy", "hellaswag"):
            recs = [r for r in records if r["task_name"] == task and r.get("error") is None]
            dll, tokens_agree, acc_agree, norm_agree, n_choices = [], 0, 0, 0, 0
            for r in recs:
                texts = [c["text"] for c in r["choices"]]
                lls, counts = choice_lls(torch, model, device, tok, r["prompt"], texts)
                q_lls = [c["loglikelihood"] for c in r["choices"]]
                n_choices += len(texts)
                tokens_agree += sum(x == c["n_tokens"] for x, c in zip(counts, r["choices"]))
                dll += [abs(x - y) for x, y in zip(lls, q_lls)]
                lens = np.array([float(len(t)) for t in texts])
                acc_agree += int(np.argmax(lls)) == r["pred"]["acc"]
                norm_agree += int(np.argmax(np.array(lls) / lens)) == r["pred"]["acc_norm"]
            rows.append({"config": f"transformers {device} {dtype}", "task": task, "docs": len(recs),
                         "choices": n_choices, "token_counts_agree": tokens_agree, "acc_agree": acc_agree,
                         "acc_norm_agree": norm_agree, "max_abs_dll": max(dll) if dll else None,
                         "mean_abs_dll": sum(dll) / len(dll) if dll else None})
        rows[-1]["seconds"] = round(time.time() - start, 1)
        result["rows"] = rows
        save(result)
        del model
    return result
