"""qualm quantize writes the same file as llama-quantize and reports every fallback:
stories260K's rows (64 wide, 172 for ffn_down) are not multiples of the 256-wide K-quant
blocks, so its "Q4_K_M" holds no Q4_K tensor, and ffn_down stays F16 under every type."""

import filecmp
import tempfile
import unittest
from pathlib import Path

from qualm_e2e import llama_tool, qualm_json, require_data, run

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"


class Quantize(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def quantize(self, qtype):
        out = self.dir / f"qualm-{qtype}.gguf"
        report = qualm_json("quantize", MODEL, out, qtype)
        peer = self.dir / f"llama-{qtype}.gguf"
        run([llama_tool("llama-quantize"), MODEL, peer, qtype])
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
        report, types, fallbacks = self.quantize("Q4_0")
        self.assertEqual(types["blk.0.attn_q.weight"], "q4_0")


if __name__ == "__main__":
    unittest.main(verbosity=2)
