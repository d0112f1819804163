"""qualm perplexity equals llama-perplexity at its printed precision (4 decimals for PPL,
5 for the uncertainty) on stories260K, TinyStories and WikiText-2, at two context sizes,
with several chunks per decode and with several decodes per chunk: with --engine-parity llama
against llama-perplexity's defaults (flash attention auto, chunks side by side), and with
qualm's batch-invariant default against llama-perplexity -fa off, whose chunks sit in whole
blocks of cells and so are computed as qualm computes each chunk alone."""

import unittest

from qualm_e2e import QUALM, llama_perplexity, qualm_json, require_data

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"
TINYSTORIES = DATA / "datasets" / "tinystories" / "tinystories_valid_prefix.txt"
WIKITEXT = DATA / "datasets" / "wikitext-2" / "wiki.test.raw"


class PerplexityOracle(unittest.TestCase):
    def check(self, text, ctx, *extra, invariant=False):
        args = ["-c", str(ctx), *[str(e) for e in extra]]
        if invariant:
            ours = qualm_json("perplexity", "--model", MODEL, "--file", text, *args)
            ppl, stderr = llama_perplexity(MODEL, text, ctx, *extra, "-fa", "off")
        else:
            ours = qualm_json("perplexity", "--model", MODEL, "--file", text, *args, "--engine-parity", "llama")
            ppl, stderr = llama_perplexity(MODEL, text, ctx, *extra)
        label = f"{text.name} -c {ctx} {' '.join(map(str, extra))}{' (batch-invariant vs -fa off)' if invariant else ''}"
        print(f"{label}: qualm {ours['ppl']:.4f} +/- {ours['ppl_stderr']:.5f}, "
              f"llama-perplexity {ppl} +/- {stderr}, {ours['n_chunks']} chunks, {ours['n_tokens']} tokens scored")
        self.assertEqual(f"{ours['ppl']:.4f}", ppl, label)
        self.assertEqual(f"{ours['ppl_stderr']:.5f}", stderr, label)
        self.assertEqual(ours["n_tokens"], ours["n_chunks"] * (ctx - 1 - ctx // 2))

    def test_tinystories_ctx128_sixteen_chunks_per_decode(self):
        self.check(TINYSTORIES, 128, "--chunks", 400)

    def test_tinystories_ctx512_four_chunks_per_decode(self):
        self.check(TINYSTORIES, 512, "--chunks", 150)

    def test_wikitext_ctx128(self):
        self.check(WIKITEXT, 128, "--chunks", 400)

    def test_wikitext_ctx512(self):
        self.check(WIKITEXT, 512, "--chunks", 100)

    def test_wikitext_ctx512_four_decodes_per_chunk(self):
        self.check(WIKITEXT, 512, "-b", 128, "--chunks", 20)

    def test_batch_invariant_default_equals_flash_attention_off(self):
        self.check(TINYSTORIES, 128, "--chunks", 200, invariant=True)
        self.check(WIKITEXT, 512, "--chunks", 40, invariant=True)

    def test_batch_invariant_default_does_not_depend_on_batch_or_threads(self):
        base = qualm_json("perplexity", "--model", MODEL, "--file", WIKITEXT, "-c", "256", "--chunks", "30")
        for extra in (["-b", "64", "--ubatch-size", "64"], ["--ubatch-size", "7", "-t", "1"], ["-b", "4096"]):
            other = qualm_json("perplexity", "--model", MODEL, "--file", WIKITEXT, "-c", "256", "--chunks", "30",
                               *extra)
            self.assertEqual(other["ppl"], base["ppl"], extra)  # bit for bit
            self.assertEqual(other["ppl_stderr"], base["ppl_stderr"], extra)


if __name__ == "__main__":
    unittest.main(verbosity=2)
