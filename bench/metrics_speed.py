#!/usr/bin/python3
"""qualm score's text metrics against Python peers on the same 10,000 pairs, whole processes
and start-up included, in ABBA order (peer, qualm, qualm, peer) over --reps rounds: the ratio
table of issue 23's "metrics at native speed".

Pairs: XSum's first 1,000 test rows from the data dir (the document's first line as the
prediction, a summary as the reference; summary i + k // 1000 for pair k, so that the 10,000
pairs are distinct). Peers:
- chrf, sacrebleu, rouge_l: the Python transcriptions of sacrebleu's and rouge-score's code in
  tests/e2e/test_score.py (the oracles of qualm's tests);
- bleu: NLTK's corpus_bleu (Debian's python3-nltk) on whitespace-split words. qualm's bleu
  tokenizes with 13a first, so the two values are printed, not compared.
The values must agree (chrf, sacrebleu, rouge_l: 1e-9) or the table is not printed.

Two peer timings: the peer's function called in this process (its start-up and imports not
counted), and the peer as a whole process (python3 reading the same two files, imports
included), as qualm is timed. Both ratios are printed.

Run: python3 bench/metrics_speed.py [--pairs 10000] [--reps 3] [--json OUT.json]
(QUALM_BIN, default build/qualm; QUALM_DATA_DIR, default ../shared/data).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
QUALM = os.environ.get("QUALM_BIN", str(SOURCE / "build" / "qualm"))
DATA = Path(os.environ.get("QUALM_DATA_DIR", SOURCE.parent / "shared" / "data"))
os.environ.setdefault("QUALM_BIN", QUALM)
os.environ.setdefault("QUALM_SOURCE_DIR", str(SOURCE))
os.environ.setdefault("LLAMA_BIN_DIR", str(Path.home() / ".cache/qualm/llama.cpp-de3ff81/bin"))  # unused here
os.environ["QUALM_SCORE_REEXEC"] = "1"  # test_score must not re-exec this script
sys.path.insert(0, str(SOURCE / "tests" / "e2e"))
import test_score as oracle  # noqa: E402  (the transcriptions)
from nltk.translate import bleu_score  # noqa: E402


def pairs(n):
    rows = [json.loads(line) for line in (DATA / "datasets/xsum/xsum_test_first1000.jsonl").open(encoding="utf-8")]
    out = []
    for k in range(n):
        doc = rows[k % len(rows)]
        ref = rows[(k % len(rows) + k // len(rows)) % len(rows)]
        first = doc["document"].strip().split("\n")[0].strip()
        out.append((" ".join(first.split()), " ".join(ref["summary"].split())))
    return out


def peer(metric, hyps, refs):
    if metric == "chrf":
        return oracle.chrf_corpus(hyps, [[r] for r in refs])
    if metric == "sacrebleu":
        return oracle.sacrebleu_corpus(hyps, [[r] for r in refs])[0]
    if metric == "rouge_l":
        return sum(oracle.rouge_l(h, r, False)[2] for h, r in zip(hyps, refs)) / len(hyps)
    if metric == "bleu":
        return bleu_score.corpus_bleu([[r.split()] for r in refs], [h.split() for h in hyps])
    raise ValueError(metric)


def peer_process(metric, pred, ref):
    """The peer as a whole process: this script in --peer mode; returns its printed value."""
    out = subprocess.run([sys.executable, __file__, "--peer", metric, str(pred), str(ref)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--metrics", default="chrf,sacrebleu,bleu,rouge_l")
    ap.add_argument("--json")
    ap.add_argument("--peer", nargs=3, metavar=("METRIC", "PRED", "REF"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer:  # one whole-process peer run
        metric, pred, ref = args.peer
        lines = [Path(f).read_text(encoding="utf-8").split("\n")[:-1] for f in (pred, ref)]
        print(repr(peer(metric, *lines)))
        return
    data = pairs(args.pairs)
    hyps, refs = [h for h, _ in data], [r for _, r in data]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pred, ref = Path(tmp) / "pred.txt", Path(tmp) / "ref.txt"
        pred.write_text("".join(h + "\n" for h in hyps), encoding="utf-8")
        ref.write_text("".join(r + "\n" for r in refs), encoding="utf-8")

        def qualm(metric):
            out = subprocess.run([QUALM, "score", "--metric", metric, "--predictions", pred, "--references", ref,
                                  "--json"], capture_output=True, text=True, check=True)
            return json.loads(out.stdout)["score"]

        for metric in args.metrics.split(","):
            t_peer, t_process, t_qualm = [], [], []
            v_peer = v_process = v_qualm = None
            for _ in range(args.reps):  # ABBA: the peers (in process, then whole), qualm twice, the peers again
                for step in ("peer", "qualm", "qualm", "peer"):
                    if step == "qualm":
                        t, v_qualm = timed(lambda: qualm(metric))
                        t_qualm.append(t)
                        continue
                    t, v_peer = timed(lambda: peer(metric, hyps, refs))
                    t_peer.append(t)
                    t, v_process = timed(lambda: peer_process(metric, pred, ref))
                    t_process.append(t)
            if v_process != v_peer:
                sys.exit(f"{metric}: the peer's process printed {v_process!r}, in process {v_peer!r}")
            if metric != "bleu" and abs(v_peer - v_qualm) > 1e-9:
                sys.exit(f"{metric}: qualm {v_qualm!r} differs from the peer's {v_peer!r}")
            row = {"metric": metric, "pairs": len(data), "qualm_s": min(t_qualm), "peer_s": min(t_peer),
                   "peer_process_s": min(t_process), "ratio": min(t_peer) / min(t_qualm),
                   "ratio_process": min(t_process) / min(t_qualm), "qualm_value": v_qualm, "peer_value": v_peer}
            rows.append(row)
            print(f"{metric:10s} qualm {row['qualm_s']:7.3f} s  peer in process {row['peer_s']:7.3f} s "
                  f"{row['ratio']:6.1f}x  peer process {row['peer_process_s']:7.3f} s {row['ratio_process']:6.1f}x  "
                  f"(values {v_qualm:.10f} / {v_peer:.10f})", flush=True)
    load = os.getloadavg()
    print(f"({len(data)} XSum pairs, best of {2 * args.reps} runs each; qualm as a whole process; "
          f"load average {load[0]:.1f}, {os.cpu_count()} cores)")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "load": load, "cores": os.cpu_count()}, indent=1))


if __name__ == "__main__":
    main()
