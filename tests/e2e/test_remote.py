"""Remote backends end to end (SPEC S2, issue 7): their results equal the in-process
backend's. A real llama-server with stories260K: greedy generation through the openai backend
equals the in-process backend's, and the probe finds that llama-server refuses echo. Loopback
test servers stand in where llama-server cannot: a vLLM-shaped /v1/completions with echo +
logprobs whose numbers are the in-process backend's own, and an Ollama-shaped /api/generate,
/api/embed, /api/show and /api/tags. The API key never reaches a record or the manifest.
Token counts come from the servers' usage; an experiment's embedding model served by Ollama
gives coherence equal to the cosine of the vectors it served, and a failed embedding is redone
on --resume. A faulty or dying server, retries and resuming: test_remote_faults.py."""

import json
import math
import os
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import QUALM, assert_no_library_text, run  # noqa: E402
from remote_servers import (GEN_TASK, LoopbackServer, RemoteCase, choice_table, ok, post, qualm_lines,  # noqa: E402
                            records, vllm_completions)

SECRET = "sk-qualm-test-secret-4711"


def embedding_of(text):
    """The loopback Ollama's /api/embed vector for a text: deterministic, different per text."""
    return [1.0 + len(text) % 7, text.count("e") + 0.5, text.count(" ") - 2.25, sum(map(ord, text)) % 13 / 3.0]


def cosine_f32(a, b):
    """SemScore's coherence of two vectors as qualm holds them (float32), in double."""
    a, b = (struct.unpack(f"{len(v)}f", struct.pack(f"{len(v)}f", *v)) for v in (a, b))
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


class RemoteTest(RemoteCase):
    def test_greedy_generation_equals_in_process_and_key_stays_secret(self):
        exp = self.experiment("eq", ["{name: cpu, type: llama, threads: 1}",
                                     self.openai(self.llama_url, ", api_key_env: QUALM_TEST_KEY, concurrency: 2")])
        out = self.run_dir("eq")
        env = dict(os.environ, QUALM_TEST_KEY=SECRET)
        proc = subprocess.run([QUALM, "run", str(exp), "--out", str(out)], capture_output=True, text=True, env=env,
                              timeout=600)
        assert_no_library_text(["qualm", "run"], proc)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        self.assert_same_generations(out)
        self.assert_same_steps(out)
        for f in out.rglob("*"):
            if f.is_file():
                self.assertNotIn(SECRET, f.read_text(errors="replace"), f)
        self.assertNotIn(SECRET, proc.stdout + proc.stderr)
        manifest = json.loads((out / "manifest.json").read_text())
        srv = [b for b in manifest["backends"] if b["name"] == "srv"][0]
        self.assertEqual(srv["server"]["api_key_env"], "QUALM_TEST_KEY")
        # Without the variable: exit 2, naming the variable, never a value.
        env.pop("QUALM_TEST_KEY")
        proc = subprocess.run([QUALM, "run", str(exp), "--out", str(self.run_dir("nokey"))], capture_output=True,
                              text=True, env=env, timeout=600)
        assert_no_library_text(["qualm", "run"], proc)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("QUALM_TEST_KEY is not set", proc.stderr)

    def assert_same_steps(self, out, served="srv", key=0):
        """Greedy records through llama-server (backend `served`) hold the generated tokens' top 5
        (top_logprobs, asked with logprobs: 5) as the in-process backend's do: the same chosen
        tokens and, apart from the end-of-generation step the server does not report, the same
        candidates where no two are within 1e-2 of each other, probabilities within 0.002 (the
        report prints them to 0.1 %): llama-server runs flash attention by default and qualm's
        batch-invariant path does not, which alone moves stories260K's log-probs by up to 3.5e-3
        (llama-server -fa on against -fa off), more for unlikely tokens. key: 0 compares tokens by
        id, 1 by text (Ollama's entries have no ids)."""
        by = {}
        for r in records(out):
            by.setdefault(r["sample_id"], {})[r["backend"]] = r
        steps = 0
        for sample, c in by.items():
            local, remote = c["cpu"]["top_logprobs"], c[served].get("top_logprobs")
            self.assertIsNotNone(remote, f"sample {sample}: the server's record has no top_logprobs")
            self.assertEqual(len(remote), c[served]["output_tokens"])
            for k, (a, b) in enumerate(zip(local, remote)):
                self.assertEqual(a[0][key], b[0][key], f"sample {sample} step {k}")
                self.assertEqual(len(b), 5)
                lps = sorted((x[2] for x in a), reverse=True)
                if all(x - y > 1e-2 for x, y in zip(lps, lps[1:])):
                    self.assertEqual({x[key] for x in a}, {x[key] for x in b}, f"sample {sample} step {k}")
                    by_key = {x[key]: x[2] for x in b}
                    for x in a:
                        self.assertAlmostEqual(math.exp(x[2]), math.exp(by_key[x[key]]), delta=2e-3,
                                               msg=f"sample {sample} step {k}")
                steps += 1
        self.assertGreater(steps, 20)

    def test_probe_finds_llama_server_refuses_echo(self):
        exp = self.experiment("mc", [self.openai(self.llama_url)], "{name: arc_easy, limit: 2}")
        proc = run([QUALM, "run", exp, "--dry-run"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("returns no prompt log-probs with echo", proc.stderr)
        proc = run([QUALM, "eval", "--backend", "openai", "--base-url", self.llama_url, "--model", "stories",
                    "--tasks", "arc_easy", "--limit", "2"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("multiple-choice tasks need loglikelihood", proc.stderr)

    def test_vllm_shaped_echo_logprobs_equal_in_process_scores(self):
        local = self.run_dir("mc-local")
        run([QUALM, "eval", "-m", self.model, "--tasks", "arc_easy", "--limit", "3", "-t", "1", "--out", local])
        table = choice_table(local)

        fake = LoopbackServer(vllm_completions(table))
        try:
            remote = self.run_dir("mc-remote")
            run([QUALM, "eval", "--backend", "openai", "--base-url", fake.url, "--model", "stories",
                 "--tasks", "arc_easy", "--limit", "3", "--out", remote])
        finally:
            fake.close()
        a = {r["sample_id"]: r for r in records(local)}
        b = {r["sample_id"]: r for r in records(remote)}
        self.assertEqual(a.keys(), b.keys())
        for k in a:
            self.assertEqual(a[k]["correct"], b[k]["correct"])
            self.assertGreater(a[k]["prompt_tokens"], 1)
            self.assertEqual(a[k]["prompt_tokens"], b[k]["prompt_tokens"])
            self.assertEqual(a[k]["output_tokens"], b[k]["output_tokens"])
            for x, y in zip(a[k]["choices"], b[k]["choices"]):
                self.assertAlmostEqual(x["loglikelihood"], y["loglikelihood"], delta=1e-9 * abs(x["loglikelihood"]))
                self.assertEqual(x["is_greedy"], y["is_greedy"])
                self.assertEqual(x["n_tokens"], y["n_tokens"])

    def ollama_server(self, embed_fault=None, port=0, cached_prompt=False):
        """Answers with Ollama's documented shapes; /api/generate's text comes from llama-server,
        /api/embed's vectors from embedding_of (or HTTP embed_fault). Keeps each /api/embed body.
        cached_prompt: /api/generate leaves out prompt_eval_count, as Ollama does for a cached prompt."""
        embedded, generated = [], []

        def answer(path, body):
            if path == "/api/generate":
                generated.append(body)
                o = body["options"]
                ask = {"prompt": body["prompt"], "max_tokens": o["num_predict"], "temperature": o["temperature"],
                       "seed": o["seed"], "stop": o.get("stop", [])}
                if body.get("logprobs"):
                    ask["logprobs"] = body["top_logprobs"]
                r = post(self.llama_url + "/v1/completions", ask)
                reply = {"model": body["model"], "created_at": "2026-01-01T00:00:00Z",
                         "response": r["choices"][0]["text"], "done": True, "done_reason": "length",
                         "prompt_eval_count": r["usage"]["prompt_tokens"], "eval_count": r["usage"]["completion_tokens"],
                         "prompt_eval_duration": 1000000, "eval_duration": 2000000, "total_duration": 3000000}
                if cached_prompt:
                    del reply["prompt_eval_count"]
                if body.get("logprobs"):  # Ollama 0.12.11's shape: top level, bytes, no ids
                    def entry(c):
                        return {"token": c["token"], "logprob": c["logprob"], "bytes": list(c["token"].encode())}
                    reply["logprobs"] = [dict(entry(e), top_logprobs=[entry(t) for t in e["top_logprobs"]])
                                         for e in r["choices"][0]["logprobs"]["content"]]
                return ok(reply)
            if path == "/api/embed":
                embedded.append(body)
                if embed_fault:
                    return embed_fault, b'{"error": "embedding model not loaded"}', None
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                return ok({"model": body["model"], "embeddings": [embedding_of(t) for t in texts],
                           "prompt_eval_count": sum(len(t.split()) for t in texts)})
            if path == "/api/show":
                return ok({"details": {"format": "gguf", "family": "llama", "parameter_size": "260K",
                                       "quantization_level": "F32"}, "model_info": {}})
            if path == "/api/tags":
                return ok({"models": [{"name": "stories:latest", "model": "stories:latest", "digest": "ab12cd34",
                                       "details": {"quantization_level": "F32"}},
                                      {"name": "embed-fake:latest", "model": "embed-fake:latest", "digest": "ef56ab78",
                                       "details": {"quantization_level": "F16"}}]})
            return 404, b'{"error": "not found"}', None
        server = LoopbackServer(answer, port)
        server.embedded, server.generated = embedded, generated
        return server

    def test_ollama_shaped_server_generation_and_manifest(self):
        fake = self.ollama_server()
        try:
            exp = self.experiment("ol", ["{name: cpu, type: llama, threads: 1}",
                                         f"{{name: ol, type: ollama, base_url: '{fake.url}', model: stories}}"])
            out = self.run_dir("ol")
            run([QUALM, "run", exp, "--out", out])
        finally:
            fake.close()
        self.assert_same_generations(out, "ol")
        self.assert_same_steps(out, served="ol", key=1)
        self.assertTrue(all(b.get("logprobs") is True and b.get("top_logprobs") == 5 for b in fake.generated))
        manifest = json.loads((out / "manifest.json").read_text())
        server = [b for b in manifest["backends"] if b["name"] == "ol"][0]["server"]
        self.assertEqual(server["digest"], "ab12cd34")
        self.assertEqual(server["quantization"], "F32")

    def test_remote_model_without_a_file(self):
        fake = self.ollama_server()
        try:
            path = self.dir / "served.yaml"
            path.write_text("experiment: served\ndefaults: {warmup: 0}\n"
                            "models: [{name: served, remote: true}]\n"
                            f"backends:\n  - {{name: cpu, type: llama, threads: 1}}\n"
                            f"  - {{name: ol, type: ollama, base_url: '{fake.url}', model: stories}}\n"
                            f"tasks: [{GEN_TASK}]\n")
            out = self.run_dir("served")
            run([QUALM, "run", path, "--out", out])
        finally:
            fake.close()
        rs = records(out)
        self.assertEqual({(r["backend"], r["variant"], r["error"]) for r in rs}, {("ol", "remote", None)})
        self.assertEqual(len(rs), 3)
        skipped = json.loads((out / "manifest.json").read_text())["skipped"]
        self.assertTrue(skipped and all(s["backend"] == "cpu" for s in skipped))

    def test_generate_through_servers_equals_in_process(self):
        prompts = ["-p", "Once upon a time", "-p", "Tom had a ball."]
        local = qualm_lines([QUALM, "generate", "-m", self.model, *prompts, "-n", "16", "-t", "1", "--json"])
        self.assertTrue(all(r["prompt_tokens"] > 0 and r["output_tokens"] > 0 for r in local), local)
        fake = self.ollama_server()
        try:
            # The OpenAI SDK's base URL (…/v1) and lm-eval's local-completions URL name the same server.
            for backend, url in [("openai", self.llama_url), ("openai", self.llama_url + "/v1"),
                                 ("openai", self.llama_url + "/v1/completions"), ("ollama", fake.url)]:
                remote = qualm_lines([QUALM, "generate", "--backend", backend, "--base-url", url, "--model", "stories",
                                      *prompts, "-n", "16", "--json"])
                self.assertEqual(len(remote), 2)
                for a, b in zip(local, remote):  # counts: the server's usage / prompt_eval_count, eval_count
                    self.assertEqual((a["text"], a["prompt_tokens"], a["output_tokens"]),
                                     (b["text"], b["prompt_tokens"], b["output_tokens"]), backend)
        finally:
            fake.close()
        cached = self.ollama_server(cached_prompt=True)
        try:  # a count the server did not report is null, never 0
            remote = qualm_lines([QUALM, "generate", "--backend", "ollama", "--base-url", cached.url, "--model",
                                  "stories", *prompts, "-n", "16", "--json"])
        finally:
            cached.close()
        self.assertEqual([(r["prompt_tokens"], r["output_tokens"]) for r in remote],
                         [(None, r["output_tokens"]) for r in local])
        proc = run([QUALM, "generate", "--backend", "openai", "--model", "stories", "-p", "x"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--backend openai needs the server's URL", proc.stderr)
        proc = run([QUALM, "generate", "-m", self.model, "--base-url", self.llama_url, "-p", "x"], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--backend is llama", proc.stderr)

    def embedding_experiment(self, name, url, extra_keys=""):
        return self.experiment(name, ["{name: cpu, type: llama, threads: 1}",
                                      f"{{name: ol, type: ollama, base_url: '{url}', model: stories{extra_keys}}}"],
                               "{name: qa, limit: 3, max_new_tokens: 16}",
                               "embedding_model: {backend: ol, model: embed-fake}\n")

    def assert_served_coherence(self, rs, fake_url):
        """coherence = the cosine of the vectors the server gave for candidate and reference."""
        self.assertEqual(len(rs), 6)
        values = []
        for r in rs:
            self.assertIsNone(r["error"], r)
            want = cosine_f32(embedding_of(r["candidate"]), embedding_of(r["reference"]))
            self.assertAlmostEqual(r["metrics"]["coherence"], want, places=12)
            values.append(want)
            self.assertNotIn("bertscore", r["metrics"])
            self.assertIn("one pooled vector per text", r["metrics_skipped"]["bertscore"])
        self.assertGreater(len({round(v, 9) for v in values}), 1, values)
        return values

    def test_served_embedding_model_gives_coherence(self):
        fake = self.ollama_server()
        try:
            exp = self.embedding_experiment("emb", fake.url)
            out = self.run_dir("emb")
            run([QUALM, "run", exp, "--out", out])
        finally:
            fake.close()
        rs = records(out)
        values = self.assert_served_coherence(rs, fake.url)
        print(f"\nserved coherence: {', '.join(f'{v:.6f}' for v in values)}", file=sys.stderr)
        self.assertTrue(fake.embedded and all(b["model"] == "embed-fake" for b in fake.embedded))
        self.assertEqual({t for b in fake.embedded for t in b["input"]},
                         {r["candidate"] for r in rs} | {r["reference"] for r in rs})
        manifest = json.loads((out / "manifest.json").read_text())
        embedding = manifest["embedding_model"]
        server = embedding.pop("server")
        self.assertEqual(embedding, {"backend": "ol", "model": "embed-fake", "pooling": "mean",
                                     "type": "ollama", "base_url": fake.url})
        self.assertEqual(server["model"], "embed-fake")
        self.assertEqual(server["digest"], "ef56ab78")  # from /api/tags, as the generating model's

    def test_served_embedding_failure_then_resume(self):
        bad = self.ollama_server(embed_fault=500)
        port = bad.server.server_address[1]
        exp = self.embedding_experiment("emb-fail", bad.url, ", retries: 0")
        out = self.run_dir("emb-fail")
        try:
            proc = run([QUALM, "run", exp, "--out", out], check=False)
        finally:
            bad.close()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("embedding model: POST " + bad.url + "/api/embed failed after 1 try: HTTP 500", proc.stderr)
        self.assertTrue(all(r["error"] and "embedding model" in r["error"] for r in records(out)))
        good = self.ollama_server(port=port)
        try:
            run([QUALM, "run", exp, "--out", out, "--resume"])
        finally:
            good.close()
        self.assert_served_coherence(records(out), good.url)
        self.assertTrue(good.embedded)
        self.assertEqual(good.generated, [])  # the generations were kept; only the embeddings were redone

    def test_served_embedding_model_validation(self):
        backends = ["{name: cpu, type: llama}", self.openai("http://127.0.0.1:9"),
                    "{name: ol, type: ollama, base_url: 'http://127.0.0.1:9', model: m}"]
        cases = [("{backend: srv, model: e}", "embedding_model.backend 'srv' is of type openai"),
                 ("{backend: oll, model: e}", "did you mean 'ol'?"),
                 ("{backend: ol}", "embedding_model with backend: needs model:"),
                 ("{backend: ol, model: e, layer: 3}", "embedding_model.layer cuts a GGUF"),
                 ("{path: x.gguf, backend: ol, model: e}", "not both"),
                 ("{model: e}", "embedding_model needs a path or a backend")]
        for i, (entry, message) in enumerate(cases):
            with self.subTest(entry=entry):
                exp = self.experiment(f"v{i}", backends, extra=f"embedding_model: {entry}\n")
                line = exp.read_text().splitlines().index(f"embedding_model: {entry}") + 1
                proc = run([QUALM, "validate", exp], check=False)
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                self.assertIn(f"{exp}:{line}", proc.stderr)
                self.assertIn(message, proc.stderr)
        exp = self.experiment("v-ok", backends, extra="embedding_model: {backend: ol, model: e}\n")
        proc = run([QUALM, "validate", exp], check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)


if __name__ == "__main__":
    unittest.main()
