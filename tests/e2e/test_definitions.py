"""qualm's acc / acc_norm decisions against an independent lm-eval-style scorer, and qualm's
HellaSwag acc_token_mean against llama-perplexity --hellaswag, on the first 40 documents of
arc_easy, arc_challenge and hellaswag for stories260K and TinyStories-656K (the CI-sized run of
bench/definitions_table.py, whose code this test uses).

The scorer reads the documents itself, tokenizes with llama.cpp's own llama-tokenize, applies
lm-evaluation-harness's _encode_pair, truncation and argmax rules, and takes float64 log-probs
from tests/oracle/llama_reference.py. qualm runs with an F32 KV cache.

- Decisions must be equal. A difference is accepted only as a near tie that the engine's own
  rounding covers: with F32 weights (stories260K, an F32 copy of TinyStories-656K) qualm's
  log-likelihoods equal the float64 reference within ~1e-4 nats, so the scorer's margin must
  be below 1e-4. TinyStories-656K as shipped has F16 weights: ggml's F16 matrix products round
  the activations to F16, and its log-likelihoods differ from the float64 reference by up to
  ~3e-2 nats per choice (the F32 copy shows that this is the weights' arithmetic, not qualm);
  there a difference must lie within that measured rounding.
- Documents llama-tokenize cannot tokenize (TinyStories-656K's vocabulary has no byte tokens;
  llama.cpp aborts) are skipped; they must be exactly those where qualm reports <unk> tokens.
- acc_token_mean (qualm --engine-parity llama) equals llama-perplexity --hellaswag's final
  accuracy on a file of exactly those items.
"""

import importlib.util
import sys
import unittest

from qualm_e2e import LLAMA_BIN, QUALM, SKIP, SOURCE, TempDirCase, require_data, run

try:
    import numpy  # noqa: F401
    import torch  # noqa: F401
except ImportError as e:
    print(f"SKIPPED: {e.name} is not installed (Debian: apt-get install python3-torch)")
    sys.exit(SKIP)

sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location("definitions_table", SOURCE / "bench" / "definitions_table.py")
definitions_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(definitions_table)

DATA = require_data()
STORIES260K = DATA / "models" / "stories260K.gguf"
TS656K = DATA / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf"
for _p in (STORIES260K, TS656K, DATA / "datasets" / "arc" / "arc_easy.jsonl",
           DATA / "datasets" / "arc" / "arc_challenge.jsonl",
           DATA / "datasets" / "hellaswag" / "hellaswag_val_full.txt.bz2"):
    if not _p.exists():
        print(f"SKIPPED: {_p} not found")
        sys.exit(SKIP)

N_DOCS = 40
TASKS = list(definitions_table.TASKS)
F32_LL_TOL = 1e-3  # |qualm - scorer| per choice log-likelihood (sums of up to ~100 tokens), F32 weights
F16_LL_TOL = 5e-2  # the same with F16 weights (activations rounded to F16 in ggml's products)
F32_TIE = 1e-4  # the largest margin a decision may differ by with F32 weights


class Definitions(TempDirCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = {}

    def model_rows(self, label, model, **kw):
        if label not in self.rows:
            wd = self.dir / label.replace(" ", "_")
            wd.mkdir()
            rows, _ = definitions_table.evaluate_model(label, model, TASKS, N_DOCS, qualm=QUALM, llama_bin=LLAMA_BIN,
                                                       data=DATA, ctx=512, workdir=wd, cache_dir=None, jobs=2, **kw)
            print(definitions_table.markdown_table(rows))
            print(definitions_table.details(rows))
            self.rows[label] = rows
        return self.rows[label]

    def check(self, rows, f16_weights=False):
        for r in rows:
            where = f"{r['model']} {r['task']}"
            self.assertEqual(r["docs"], N_DOCS, where)
            self.assertGreater(r["scored"], N_DOCS // 2, where)
            self.assertEqual(r["qualm_errors"], 0, where)
            self.assertEqual(r["input_mismatch"], 0, f"{where}: qualm's prompt/choices/gold differ from the data")
            self.assertEqual(r["skipped_but_no_unknown"], 0, f"{where}: {r['skipped_docs']}")
            self.assertEqual(r["unknown_but_scored"], 0, where)
            # The same token ids on both sides (the first documents are not truncated at -c 512).
            self.assertEqual(r["truncated"], 0, where)
            self.assertEqual(r["sequence_differs"], 0, f"{where}: llama-tokenize and qualm's tokens differ")
            ll_tol = F16_LL_TOL if f16_weights else F32_LL_TOL
            self.assertLess(r["max_abs_ll_diff"], ll_tol, where)
            for d in r["differences"]:
                if f16_weights:
                    # Within the rounding measured on this run: the two choices' scores may each
                    # be off by max_abs_ll_diff (divided by the choice's length for acc_norm).
                    e = r["max_abs_ll_diff"]
                    bound = 2 * e if d["metric"] == "acc" else e / d["len_qualm"] + e / d["len_scorer"]
                else:
                    bound = F32_TIE
                self.assertLess(abs(d["scorer_margin"]), bound,
                                f"{where} doc {d['doc']}: {d['metric']} qualm {d['qualm']} scorer {d['scorer']} "
                                f"is no near tie (margin {d['scorer_margin']:.3g})")
            # With no differing decision the accuracies are equal; with near ties they may not be.
            if not r["differences"]:
                self.assertEqual(r["qualm_correct"], r["scorer_correct"], where)
            if "token_mean" in r:
                t = r["token_mean"]
                self.assertGreater(t["items"], 0, where)
                self.assertTrue(t["equal"], f"{where}: qualm acc_token_mean {t['qualm_pct']:.8f}% vs "
                                            f"llama-perplexity {t['llama_pct']:.8f}% over {t['items']} items")

    def test_stories260k(self):
        rows = self.model_rows("stories260K", STORIES260K)
        self.check(rows)
        for r in rows:
            self.assertEqual(r["skipped"], 0, f"{r['task']}: stories260K has byte tokens")
        self.assertIn("token_mean", rows[-1])

    def test_tinystories656k(self):
        rows = self.model_rows("TinyStories-656K", TS656K)
        self.check(rows, f16_weights=True)
        self.assertIn("token_mean", rows[-1])
        # lm-eval's split and the joint tokenization part ways (": " is one token of its vocabulary)
        arc = [r for r in rows if r["task"].startswith("arc")]
        self.assertTrue(all(r["split_differs"] == N_DOCS for r in arc), [r["split_differs"] for r in arc])

    def test_tinystories656k_f32_copy(self):
        copy = self.dir / "TinyStories-656K.f32.gguf"
        run([QUALM, "quantize", TS656K, copy, "F32"])
        rows = self.model_rows("TinyStories-656K (F32 copy)", copy, tokenizer_model=TS656K, token_mean=False)
        self.check(rows)


if __name__ == "__main__":
    unittest.main(verbosity=2)
