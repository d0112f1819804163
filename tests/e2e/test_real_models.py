"""Both real models of the shared data through qualm eval and qualm run: every task kind and
every built-in task at small limits; scores and greedy text that do not depend on how requests
were packed; a character the vocabulary cannot encode becoming its unknown token; and a sample
that cannot be scored failing alone, blamed on itself.

stories260K: SentencePiece, 512 tokens with byte tokens. TinyStories-656K: 2,048 tokens, no
byte tokens, so '=', '{', 'é', 'ü' have no token at all."""

import json
import os
import unittest

from qualm_e2e import QUALM, SOURCE, TempDirCase, require_data, run

DATA = require_data()
MODELS = {
    "stories260k": DATA / "models" / "stories260K.gguf",
    "ts656k": DATA / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf",
}
CONFIG = SOURCE / "configs" / "real-models.yaml"
# Every built-in task but hellaswag_original (its JSONL is not in the shared data).
TASKS = ["mmlu", "arc_easy", "arc_challenge", "hellaswag", "boolq", "sst2", "winogrande", "summarization", "qa", "code_generation",
         "creative_writing", "classification", "prompt_suite_96", "xsum", "xquad", "mbpp_bleu", "sst2_generate", "tinystories",
         "wikitext", "wikitext_kld", "prompt_suite_96_kld", "prompt_suite_96_continuation_kld"]


def records(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def by_key(rows):
    return {(r["model"], r["variant"], r["task_name"], r["sample_id"], r["rep"]): r for r in rows}


class RealModels(TempDirCase):
    def eval_records(self, name, *args):
        out = self.dir / name
        run([QUALM, "eval", *args, "--out", out])
        return records(out / "samples.jsonl")

    def test_eval_every_task_on_both_models(self):
        for name, model in MODELS.items():
            rows = self.eval_records(f"eval-{name}", "-m", model, "--base", model, "--tasks", ",".join(TASKS),
                                     "--limit", "2", "-c", "512")
            errors = [r for r in rows if r["error"] is not None]
            self.assertEqual(errors, [], name)
            names = {r["task_name"] for r in rows}
            self.assertLessEqual(set(TASKS) - {"mmlu"}, names)
            self.assertEqual(len([n for n in names if n.startswith("mmlu_")]), 57)
            unknown = sum(r.get("unknown_tokens", 0) for r in rows)
            print(f"{name}: {len(rows)} records, every error null; {unknown} unknown tokens")
            if name == "ts656k":
                self.assertGreater(unknown, 0)  # wikitext's '=' headers, qa's "Düsseldorf"
            else:
                self.assertEqual(unknown, 0)  # byte tokens encode everything

    def test_run_two_models_two_variants_two_backends(self):
        out = self.dir / "matrix"
        run([QUALM, "run", CONFIG, "--out", out])
        rows = records(out / "samples.jsonl")
        self.assertEqual([r for r in rows if r["error"] is not None], [])
        configs = {(r["model"], r["variant"], r["backend"]) for r in rows}
        self.assertEqual(configs, {(m, v, b) for m, vs in (("stories260k", ("f32", "Q8_0")), ("ts656k", ("f16", "Q4_0")))
                                   for v in vs for b in ("cpu", "cpu-llama")})
        kinds = {r["task_type"] for r in rows}
        for kind in ("multiple_choice", "summarization", "perplexity", "kld"):
            self.assertIn(kind, kinds)
        engines = {r["backend"]: r["engine"] for r in rows}
        self.assertIn("batch-invariant", engines["cpu"])
        self.assertIn("parity=llama", engines["cpu-llama"])
        summary = json.loads((out / "summary.json").read_text())
        self.assertEqual(summary["counts"]["errors"], 0)
        self.assertGreater(summary["counts"]["unknown_tokens"], 0)
        print(f"run: {len(rows)} records over {len(configs)} configurations, every error null; "
              f"{summary['counts']['unknown_tokens']} unknown tokens in {summary['counts']['samples_with_unknown_tokens']} samples")

    def test_scores_do_not_depend_on_packing(self):
        tasks = "hellaswag,arc_easy,mmlu_anatomy,wikitext,prompt_suite_96_kld"
        for name, model in MODELS.items():
            base = None
            for extra in ([], ["-b", "64", "--ubatch-size", "16", "-t", "1"], ["--ubatch-size", "5", "--pack-tokens", "8"],
                          ["-b", "4096", "--ubatch-size", "4096", "-t", "2"]):
                rows = self.eval_records(f"pack-{name}-{len(extra)}-{'-'.join(extra)}", "-m", model, "--base", model,
                                         "--tasks", tasks, "--limit", "12", "-c", "512", *extra)
                got = {(r["task_name"], r["sample_id"]): (r["choices"] and [c["loglikelihood"] for c in r["choices"]],
                                                          r["metrics"]) for r in rows}
                if base is None:
                    base = got
                    continue
                self.assertEqual(got, base, f"{name} {extra}")  # bit for bit
            print(f"{name}: {len(base)} documents score the same under 4 packings, bit for bit")

    def test_greedy_text_does_not_depend_on_the_batch(self):
        prompts = self.dir / "prompts.jsonl"
        with open(SOURCE / "tasks" / "generation" / "code_generation.jsonl") as f:
            docs = [json.loads(line) for line in f][:16]
        prompts.write_text("".join(json.dumps({"prompt": d["instruction"] + "\nReply with the code only.\n\n```python\n"})
                                   + "\n" for d in docs))
        for name, model in MODELS.items():
            texts = {}
            for parallel in ("1", "16", "5"):
                out = run([QUALM, "generate", "-m", model, "-f", prompts, "-n", "384", "--parallel", parallel, "--json"])
                texts[parallel] = [json.loads(line)["text"] for line in out.stdout.splitlines()]
            self.assertEqual(texts["16"], texts["1"], name)
            self.assertEqual(texts["5"], texts["1"], name)
            print(f"{name}: 16 prompts x 384 tokens, the same text at --parallel 1, 5 and 16")

    def test_eval_and_run_generate_the_same_text(self):
        model = MODELS["ts656k"]
        rows = self.eval_records("evalgen", "-m", model, "--tasks", "code_generation", "--limit", "10")
        exp = self.dir / "gen.yaml"
        exp.write_text(f"experiment: gen\nmodels: [{{name: m, path: {model}}}]\n"
                       "backends: [{name: cpu, type: llama}]\n"
                       "defaults: {warmup: 0}\n"
                       "tasks: [{name: code_generation, limit: 10}]\n")
        out = self.dir / "gen"
        run([QUALM, "run", exp, "--out", out])
        ran = {r["sample_id"]: r["candidate"] for r in records(out / "samples.jsonl")}
        self.assertEqual({r["sample_id"]: r["candidate"] for r in rows}, ran)


class UnencodableWithoutFallback(TempDirCase):
    """A vocabulary without byte tokens and without an unknown token (TinyStories-656K's, its
    unknown_token_id left out of a random-weight model): a text with 'ü' cannot be encoded.
    That sample fails alone, named with the character and its position; the rest are written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.dir / "no-unk.gguf"
        run([os.environ["QUALM_MAKE_GGUF"], "--arch", "llama", "--preset", "tiny", "--vocab", MODELS["ts656k"],
             "--drop-key", "tokenizer.ggml.unknown_token_id", "--out", cls.model])

    def test_eval_keeps_every_other_sample_and_task(self):
        out = self.dir / "eval"
        proc = run([QUALM, "eval", "-m", self.model, "--tasks", "arc_easy,creative_writing,qa", "--limit", "2",
                    "--out", out], check=False)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        rows = records(out / "samples.jsonl")
        failed = [r for r in rows if r["error"] is not None]
        self.assertEqual([(r["task_name"], r["sample_id"]) for r in failed], [("qa", 0)])
        self.assertIn("cannot encode 'ü' (U+00FC) at character", failed[0]["error"])
        self.assertEqual(len(rows), 6)
        self.assertIn("1 samples failed", proc.stderr)
        results = json.loads((out / "results.json").read_text())
        self.assertEqual(results["results"]["qa"]["n"], 1)
        self.assertEqual(results["results"]["arc_easy"]["n"], 2)

    def test_run_blames_the_sample_that_failed(self):
        exp = self.dir / "one.yaml"
        exp.write_text(f"experiment: one\nmodels: [{{name: m, path: {self.model}}}]\n"
                       "backends: [{name: cpu, type: llama}]\ndefaults: {warmup: 0}\n"
                       "tasks: [{name: qa, limit: 4}, {name: arc_easy, limit: 2}]\n")
        out = self.dir / "run"
        proc = run([QUALM, "run", exp, "--out", out], check=False)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        rows = records(out / "samples.jsonl")
        self.assertEqual([(r["task_name"], r["sample_id"]) for r in rows if r["error"] is not None], [("qa", 0)])
        self.assertEqual(len(rows), 6)


if __name__ == "__main__":
    unittest.main(verbosity=2)
