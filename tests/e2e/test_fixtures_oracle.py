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
        ours = qualm_json("perplexity", "--model", model, "--file", WIKITEXT, "-c", "128", "--chunks", "8")
        ppl, stderr = llama_perplexity(model, WIKITEXT, 128, "--chunks", "8")
        print(f"tiny-{arch}: qualm {ours['ppl']:.4f} +/- {ours['ppl_stderr']:.5f}, llama-perplexity {ppl} +/- {stderr}")
        self.assertEqual(f"{ours['ppl']:.4f}", ppl)
        self.assertEqual(f"{ours['ppl_stderr']:.5f}", stderr)

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
