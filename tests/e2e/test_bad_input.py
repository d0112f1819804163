"""Bad input gets one clear message naming the problem, and exit code 2: never a crash,
never a silent success."""

import tempfile
import unittest
from pathlib import Path

from qualm_e2e import QUALM, require_data, run

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"
TEXT = DATA / "datasets" / "wikitext-2" / "wiki.test.raw"


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = Path(cls.tmp.name)
        cls.not_gguf = d / "not.gguf"
        cls.not_gguf.write_text("this is not a model\n")
        cls.truncated = d / "truncated.gguf"
        cls.truncated.write_bytes(MODEL.read_bytes()[:-4096])
        cls.empty_text = d / "empty.txt"
        cls.empty_text.write_text("\n")
        cls.short_text = d / "short.txt"
        cls.short_text.write_text("Once upon a time there was a cat.\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def refused(self, args, *needles):
        proc = run([QUALM, *args], check=False)
        self.assertEqual(proc.returncode, 2, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, f"expected one line of error, got:\n{proc.stderr}")
        for needle in needles:
            self.assertIn(needle, proc.stderr)
        self.assertEqual(proc.stdout, "")
        return proc.stderr

    def perplexity(self, model, text, *extra):
        return ["perplexity", "--model", model, "--file", text, *extra]

    def test_missing_model(self):
        self.refused(self.perplexity("/nonexistent/m.gguf", TEXT), "/nonexistent/m.gguf", "no such model file")

    def test_missing_text(self):
        self.refused(self.perplexity(MODEL, "/nonexistent/t.txt"), "/nonexistent/t.txt", "no such file")

    def test_not_gguf(self):
        self.refused(self.perplexity(self.not_gguf, TEXT), str(self.not_gguf), "not a GGUF file")

    def test_vocab_only_gguf(self):
        vocab = DATA / "models" / "vocab-only" / "ggml-vocab-gpt-2.gguf"
        self.refused(self.perplexity(vocab, TEXT), "holds no tensors")

    def test_zero_chunks(self):
        self.refused(self.perplexity(MODEL, TEXT, "--chunks", "0"), "--chunks")

    def test_truncated_base_file(self):
        base = Path(self.tmp.name) / "base.kld"
        run([QUALM, "kld", "--base", MODEL, "--file", TEXT, "-c", "128", "--chunks", "4", "--save-base", base])
        cut = Path(self.tmp.name) / "cut.kld"
        cut.write_bytes(base.read_bytes()[:-1000])
        self.refused(["kld", "--base-file", cut, "--model", MODEL], "is truncated")

    def test_truncated_gguf(self):
        self.refused(self.perplexity(self.truncated, TEXT), str(self.truncated), "truncated")

    def test_empty_text(self):
        self.refused(self.perplexity(MODEL, self.empty_text), "the text is empty")

    def test_text_shorter_than_one_chunk(self):
        self.refused(self.perplexity(MODEL, self.short_text, "-c", "128"), "fewer than one chunk of 128")

    def test_context_larger_than_the_model(self):
        self.refused(self.perplexity(MODEL, TEXT, "-c", "4096"), "larger than the model's training context")

    def test_unknown_option_suggests(self):
        self.refused(self.perplexity(MODEL, TEXT, "--ctx-szie", "128"), "unknown argument '--ctx-szie'",
                     "did you mean --ctx-size?")

    def test_kld_needs_a_candidate(self):
        self.refused(["kld", "--base", MODEL, "--file", TEXT], "--model")

    def test_kld_base_file_that_is_not_one(self):
        self.refused(["kld", "--base-file", self.not_gguf, "--model", MODEL], "not a KL-divergence base file")

    def test_kld_vocabularies_differ(self):
        fixtures = Path(__import__("qualm_e2e").FIXTURES)
        other = fixtures / "tiny-gpt2.gguf"
        if not other.exists():
            self.skipTest("tiny-gpt2 fixture not built")
        self.refused(["kld", "--base", MODEL, "--model", other, "--file", TEXT, "-c", "128", "--chunks", "2"],
                     "vocabulary has 50257 tokens but the base's has 512")

    def test_quantize_imatrix_that_is_not_one(self):
        self.refused(["quantize", "--imatrix", self.not_gguf, MODEL, str(Path(self.tmp.name) / "o.gguf"), "Q4_0"],
                     "neither a GGUF nor a legacy imatrix file")

    def test_quantize_unknown_type(self):
        self.refused(["quantize", MODEL, str(Path(self.tmp.name) / "o.gguf"), "Q9_9"], "unknown quantization type")


if __name__ == "__main__":
    unittest.main(verbosity=2)
