"""qualm kld against llama-perplexity --kl-divergence on stories260K F32 versus its Q8_0,
Q4_K_M and Q4_0. One pass (both models side by side, full-precision base): mean KLD within
1 % and same-top within 0.2 points of llama.cpp's, whose base file stores log-probs as
uint16. From llama.cpp's own base file: llama.cpp's figures at its printed precision. And
qualm --save-base writes llama.cpp's base file byte for byte."""

import filecmp
import re
import tempfile
import unittest
from pathlib import Path

from qualm_e2e import QUALM, llama_tool, qualm_json, require_data, run, run_llama_until

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"
WIKITEXT = DATA / "datasets" / "wikitext-2" / "wiki.test.raw"
CTX = "128"


def llama_kld_figures(text):
    figures = {}
    for key, pattern in {"kld_mean": r"Mean\s+KLD:\s+([-0-9.]+)",
                         "same_top_pct": r"Same top p:\s+([-0-9.]+)",
                         "ppl_model": r"Mean PPL\(Q\)\s+:\s+([-0-9.]+)",
                         "ppl_base": r"Mean PPL\(base\)\s+:\s+([-0-9.]+)",
                         "kld_median": r"Median\s+KLD:\s+([-0-9.]+)",
                         "kld_p99": r"99\.0%\s+KLD:\s+([-0-9.]+)"}.items():
        m = re.search(pattern, text)
        if m:
            figures[key] = m.group(1)
    return figures


class KldOracle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.text = cls.dir / "wiki-50k.txt"
        cls.text.write_bytes(WIKITEXT.read_bytes()[:50_000])
        cls.llama_base = cls.dir / "llama-base.kld"
        run([llama_tool("llama-perplexity"), "-m", MODEL, "-f", cls.text, "-c", CTX,
             "--kl-divergence-base", cls.llama_base])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_save_base_writes_llama_cpps_file(self):
        ours = self.dir / "qualm-base.kld"
        run([QUALM, "kld", "--base", MODEL, "--file", self.text,
             "-c", CTX, "--save-base", ours, "--engine-parity", "llama"])
        self.assertTrue(filecmp.cmp(ours, self.llama_base, shallow=False))

    def check_variant(self, qtype):
        candidate = self.dir / f"{qtype}.gguf"
        qualm_json("quantize", MODEL, candidate, qtype)
        _, text = run_llama_until([llama_tool("llama-perplexity"), "-m", candidate, "-c", CTX,
                                   "--kl-divergence-base", self.llama_base, "--kl-divergence"],
                                  r"Same top p:\s+[-0-9.]+")
        peer = llama_kld_figures(text)
        one_pass = qualm_json("kld", "--base", MODEL, "--model", candidate, "--file", self.text, "-c", CTX,
                              "--engine-parity", "llama")
        from_file = qualm_json("kld", "--base-file", self.llama_base, "--model", candidate, "--engine-parity", "llama")

        peer_kld = float(peer["kld_mean"])
        rel = abs(one_pass["kld_mean"] - peer_kld) / peer_kld
        same_diff = abs(100 * one_pass["same_top"] - float(peer["same_top_pct"]))
        print(f"{qtype}: llama.cpp KLD {peer['kld_mean']} same-top {peer['same_top_pct']} % | "
              f"qualm one-pass KLD {one_pass['kld_mean']:.6f} ({100 * rel:.4f} % off) same-top "
              f"{100 * one_pass['same_top']:.3f} % ({same_diff:.3f} points off) | "
              f"qualm from llama's base file KLD {from_file['kld_mean']:.6f} same-top {100 * from_file['same_top']:.3f} %")
        self.assertLess(rel, 0.01)
        self.assertLess(same_diff, 0.2)
        self.assertEqual(one_pass["n_tokens"], from_file["n_tokens"])

        self.assertEqual(f"{from_file['kld_mean']:.6f}", peer["kld_mean"])
        self.assertEqual(f"{100 * from_file['same_top']:.3f}", peer["same_top_pct"])
        self.assertEqual(f"{from_file['ppl_model']:.6f}", peer["ppl_model"])
        self.assertEqual(f"{from_file['ppl_base']:.6f}", peer["ppl_base"])
        # llama.cpp interpolates percentiles at a float position, 0.99f * (N - 1) (about 1e-3 off
        # at N = 15,000), qualm at numpy's exact one: the median (no interpolation weight) agrees
        # to the printed sixth decimal, the 99th percentile to the position error times the gap
        # between its neighbours in the sparse tail.
        self.assertAlmostEqual(from_file["kld_median"], float(peer["kld_median"]), delta=1.5e-6)
        self.assertAlmostEqual(from_file["kld_p99"], float(peer["kld_p99"]), delta=5e-6)
        for key in ("kld_mean", "kld_stderr", "kld_median", "kld_min", "kld_max", "kld_p99_9", "kld_p99",
                    "kld_p95", "kld_p90", "kld_p10", "kld_p5", "kld_p1", "kld_p0_1", "same_top",
                    "same_top_stderr", "dp_mean", "rms_dp", "ppl_base", "ppl_model", "ppl_ratio",
                    "ln_ppl_ratio", "logprob_correlation", "n_tokens"):
            self.assertIn(key, one_pass)
        self.assertTrue(0 <= one_pass["same_top"] <= 1)

    def test_q8_0(self):
        self.check_variant("Q8_0")

    def test_q4_k_m(self):
        self.check_variant("Q4_K_M")

    def test_q4_0(self):
        self.check_variant("Q4_0")


if __name__ == "__main__":
    unittest.main(verbosity=2)
