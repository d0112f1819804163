"""The tools bench/definitions_table.py runs, and where they are: qualm eval, llama.cpp's
llama-tokenize (the scorer's tokens) and llama-perplexity --hellaswag (acc_token_mean's peer)."""

import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPS = Path(os.environ.get("QUALM_DEPS_DIR", Path.home() / ".cache" / "qualm"))
LLAMA_BIN = Path(os.environ.get("LLAMA_BIN_DIR", DEPS / "llama.cpp-de3ff81" / "bin"))
QUALM = Path(os.environ.get("QUALM_BIN", REPO / "build" / "qualm"))


class ToolError(RuntimeError):
    pass


# --- llama.cpp's tokenizer --------------------------------------------------------------------

def file_digest(path):
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
            key = f"{Path(model).stem}-{file_digest(model)}-{file_digest(self.tool)}"
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


