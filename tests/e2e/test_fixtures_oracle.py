"""On random-weight fixtures of each architecture with a language-model head, qualm
perplexity equals llama-perplexity; the bert fixture (no LM head) is refused clearly.
Random weights: plumbing and equivalence only, never quality."""

import unittest

from qualm_e2e import FIXTURES, QUALM, SKIP, llama_perplexity, qualm_json, require_data, run

DATA = require_data()
WIKITEXT = DATA / "datasets" / "wikitext-2" / "wiki.test.raw"


class FixturesOracle(unittest.TestCase):
    def fixture(self, arch):
        path = FIXTURES / f"tiny-{arch}.gguf"
        if not path.exists():
            self.skipTest(f"{path} was not built (its vocab file is missing)")
        return path

    def check_arch(self, arch):
        model = self.fixture(arch)
        # llama.cpp's settings (--engine-parity llama) against its defaults, and qualm's
        # batch-invariant default against llama-perplexity -fa off.
        for qualm_args, llama_args in ((["--engine-parity", "llama"], []), ([], ["-fa", "off"])):
            ours = qualm_json("perplexity", "--model", model, "--file", WIKITEXT, "-c", "128", "--chunks", "8",
                              *qualm_args)
            ppl, stderr = llama_perplexity(model, WIKITEXT, 128, "--chunks", "8", *llama_args)
            print(f"tiny-{arch} {' '.join(qualm_args) or 'default'}: qualm {ours['ppl']:.4f} +/- "
                  f"{ours['ppl_stderr']:.5f}, llama-perplexity {' '.join(llama_args)} {ppl} +/- {stderr}")
            self.assertEqual(f"{ours['ppl']:.4f}", ppl, qualm_args)
            self.assertEqual(f"{ours['ppl_stderr']:.5f}", stderr, qualm_args)

    def test_llama(self):
        self.check_arch("llama")

    def test_gpt2(self):
        self.check_arch("gpt2")

    def test_qwen2(self):
        self.check_arch("qwen2")

    def test_phi2(self):
        self.check_arch("phi2")

    def test_bert_has_no_lm_head(self):
        model = self.fixture("bert")
        proc = run([QUALM, "perplexity", "--model", model, "--file", WIKITEXT, "-c", "128"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("no language-model head", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
