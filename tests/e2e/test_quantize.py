"""qualm quantize writes the same file as llama-quantize and reports every fallback:
stories260K's rows (64 wide, 172 for ffn_down) are not multiples of the 256-wide K-quant
blocks, so its "Q4_K_M" holds no Q4_K tensor, and ffn_down stays F16 under every type."""

import filecmp
import unittest
from pathlib import Path

from qualm_e2e import QUALM, TempDirCase, llama_tool, qualm_json, require_data, run

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"
WIKITEXT = DATA / "datasets" / "wikitext-2" / "wiki.test.raw"


class Quantize(TempDirCase):
    def quantize(self, qtype, imatrix=None):
        tag = f"{qtype}-{imatrix.suffix[1:]}" if imatrix else qtype
        extra = ["--imatrix", imatrix] if imatrix else []
        out = self.dir / f"qualm-{tag}.gguf"
        report = qualm_json("quantize", MODEL, out, qtype, *extra)
        peer = self.dir / f"llama-{tag}.gguf"
        run([llama_tool("llama-quantize"), *extra, MODEL, peer, qtype])
        self.assertTrue(filecmp.cmp(out, peer, shallow=False), f"{qtype}: differs from llama-quantize's file")
        self.assertEqual(report["output_bytes"], out.stat().st_size)
        self.assertEqual(report["input_bytes"], MODEL.stat().st_size)
        types = {t["name"]: t["type"] for t in report["tensors"]}
        fallbacks = {f["tensor"]: f for f in report["fallbacks"]}
        ffn_down = [n for n in types if n.endswith("ffn_down.weight")]
        self.assertEqual(len(ffn_down), 5)
        for name in ffn_down:
            self.assertEqual(types[name], "f16", name)
            self.assertIn(name, fallbacks)
            self.assertEqual(fallbacks[name]["ncols"], 172)
            self.assertEqual(fallbacks[name]["used"], "f16")
        print(f"{qtype}: {report['output_bytes']} bytes, types {report['tensor_types']}, "
              f"{len(fallbacks)} fallbacks")
        return report, types, fallbacks

    def test_q8_0(self):
        report, types, fallbacks = self.quantize("Q8_0")
        self.assertEqual(set(fallbacks), {n for n in types if n.endswith("ffn_down.weight")})
        self.assertEqual(types["blk.0.attn_q.weight"], "q8_0")

    def test_q4_k_m_holds_no_q4_k(self):
        report, types, fallbacks = self.quantize("Q4_K_M")
        self.assertNotIn("q4_K", report["tensor_types"])
        self.assertEqual(types["blk.0.attn_q.weight"], "q5_0")
        self.assertEqual(fallbacks["blk.0.attn_q.weight"]["wanted"], "q4_K")
        self.assertEqual(fallbacks["blk.0.attn_q.weight"]["block"], 256)

    def test_q4_0(self):
        report, types, fallbacks = self.quantize("q4_0")  # any case, as llama-quantize takes it
        self.assertEqual(report["type"], "Q4_0")
        self.assertEqual(types["blk.0.attn_q.weight"], "q4_0")

    def test_imatrix_gguf_and_legacy(self):
        text = self.dir / "wiki-40k.txt"
        text.write_bytes(WIKITEXT.read_bytes()[:40_000])
        plain = self.dir / "plain-Q4_0.gguf"
        run([QUALM, "quantize", MODEL, plain, "Q4_0"])
        for fmt in ("gguf", "dat"):
            imatrix = self.dir / f"imatrix.{fmt}"
            run([llama_tool("llama-imatrix"), "-m", MODEL, "-f", text, "-c", "128", "--chunks", "10",
                 "--output-format", fmt, "-o", imatrix])
            report, _, _ = self.quantize("Q4_0", imatrix)
            self.assertEqual(report["imatrix_entries"], 35)
            self.assertFalse(filecmp.cmp(self.dir / f"qualm-Q4_0-{fmt}.gguf", plain, shallow=False),
                             "the importance matrix changed nothing")


if __name__ == "__main__":
    unittest.main(verbosity=2)
