"""Instruct-model prompts (issue 20): apply_chat_template, system_prompt, fewshot_as_multiturn and
gen_prefix through qualm eval's flags and qualm run's experiment keys, on both real models given
a chatml template (qualm_make_gguf --copy: neither GGUF holds one). Greedy outputs equal
llama-server's /v1/chat/completions on the same messages (the peer applies the GGUF's template
itself), and so do the prompt token counts; with gen_prefix, the server's reply is the prefix and
then qualm's output. Records and the manifest carry the settings; a model without a template, or
fewshot_as_multiturn without one, is exit 2 before anything runs."""

import json
import os
import re
import subprocess
import unittest

from qualm_e2e import QUALM, TempDirCase, assert_no_library_text, keyed_records, llama_tool, require_data, run
from remote_servers import LoopbackServer, ok, post, start_llama_server

DATA = require_data()
MODELS = {
    "stories260k": DATA / "models" / "stories260K.gguf",
    "ts656k": DATA / "models" / "tinystories-656k" / "TinyStories-656K.f16.gguf",
}
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>'"
          " + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
# tinystories: text both vocabularies encode (TinyStories-656K's has no byte tokens, so llama-server
# refuses a prompt with a character outside it); its stop.
STOP = ["\n"]
SYSTEM = "You tell stories."


def records(run_dir):
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines() if line.strip()]


class LlamaServer:
    def __init__(self, model):
        # scripts/test.sh's AVX2-only llama.cpp builds no server: the comparisons with it run natively.
        if not os.path.exists(llama_tool("llama-server")):
            raise unittest.SkipTest(f"{llama_tool('llama-server')} is not built")
        self.proc, self.url = start_llama_server(model, "-c", "4096", "-np", "1")

    def chat(self, messages, max_tokens, stop):
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0, "stop": stop}
        return post(self.url + "/v1/chat/completions", body)

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Chat(TempDirCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.models = {}
        for name, model in MODELS.items():
            out = cls.dir / f"{name}-chatml.gguf"
            subprocess.run([os.environ["QUALM_MAKE_GGUF"], "--copy", model, out, "--set-str", "tokenizer.chat_template",
                            CHATML], check=True)
            cls.models[name] = out

    def assert_server_agrees(self, server, rows, max_tokens, prefix=""):
        for r in rows:
            where = f"{r['model']} {r['task_name']} {r['sample_id']}"
            self.assertIsNone(r["error"], where)
            self.assertEqual(r["unknown_tokens"], 0, where)
            reply = server.chat(r["messages"], max_tokens, STOP)
            # llama-server continues a final assistant message and answers with it in front.
            self.assertEqual(reply["choices"][0]["message"]["content"], prefix + r["raw_output"], where)
            self.assertEqual(reply["usage"]["prompt_tokens"], r["prompt_tokens"], where)

    def test_eval_flags_equal_llama_server_on_both_models(self):
        for name, model in self.models.items():
            server = LlamaServer(model)
            try:
                out = self.dir / f"multiturn-{name}"
                run([QUALM, "eval", "-m", model, "--tasks", "tinystories", "--limit", "4", "--num-fewshot", "2",
                     "--apply-chat-template", "--fewshot-as-multiturn", "--system-prompt", SYSTEM, "-n", "24",
                     "--out", out])
                rows = records(out)
                self.assertEqual(len(rows), 4)
                for r in rows:
                    roles = [m["role"] for m in r["messages"]]
                    self.assertEqual(roles, ["system", "user", "assistant", "user", "assistant", "user"])
                    self.assertEqual(r["messages"][0]["content"], SYSTEM)
                    self.assertTrue(r["messages"][-1]["content"].startswith("Continue the children's story."))
                    self.assertEqual(r["chat"], {"apply_chat_template": True, "system_prompt": SYSTEM,
                                                 "fewshot_as_multiturn": True, "gen_prefix": None,
                                                 "mc_mode": "loglikelihood"})
                self.assert_server_agrees(server, rows, 24)
                config = json.loads((out / "results.json").read_text())["config"]
                self.assertTrue(config["apply_chat_template"])
                self.assertEqual(config["system_prompt"], SYSTEM)

                out = self.dir / f"prefix-{name}"
                run([QUALM, "eval", "-m", model, "--tasks", "tinystories", "--limit", "3", "--num-fewshot", "1",
                     "--apply_chat_template", "--gen-prefix", "Then", "-n", "16", "--out", out])
                rows = records(out)
                for r in rows:
                    self.assertEqual(r["messages"][-1], {"role": "assistant", "content": "Then"})
                    self.assertEqual([m["role"] for m in r["messages"]], ["user", "assistant"])
                    self.assertIn(" Then ", r["messages"][0]["content"])  # the shot's answer starts with it
                self.assert_server_agrees(server, rows, 16, prefix="Then")
            finally:
                server.close()
            print(f"{name}: greedy outputs and prompt token counts equal llama-server's chat completions")

    def test_servers_take_the_messages(self):
        """The openai backend sends the messages to llama-server's /v1/chat/completions, which applies the
        same template: the records equal the in-process ones. Ollama gets them on /api/chat."""
        model = self.models["stories260k"]
        args = ["--tasks", "tinystories", "--limit", "3", "--num-fewshot", "1", "--apply-chat-template",
                "--fewshot-as-multiturn", "--system-prompt", SYSTEM, "-n", "16"]
        local = self.dir / "local"
        run([QUALM, "eval", "-m", model, *args, "--out", local])
        server = LlamaServer(model)
        try:
            remote = self.dir / "remote"
            run([QUALM, "eval", "--backend", "openai", "--base-url", server.url, "-m", "stories", *args,
                 "--out", remote])
        finally:
            server.close()
        by_id = {r["sample_id"]: r for r in records(local)}
        for r in records(remote):
            self.assertEqual(r["messages"], by_id[r["sample_id"]]["messages"])
            self.assertEqual(r["raw_output"], by_id[r["sample_id"]]["raw_output"])
            self.assertEqual(r["prompt_tokens"], by_id[r["sample_id"]]["prompt_tokens"])

        bodies = []

        def answer(path, body):
            if path != "/api/chat":
                return 404, b"{}", None
            bodies.append(body)
            return ok({"message": {"role": "assistant", "content": f"reply {len(bodies)}"}, "done": True,
                       "done_reason": "stop", "prompt_eval_count": 7, "eval_count": 2})

        fake = LoopbackServer(answer)
        try:
            out = self.dir / "ollama"
            run([QUALM, "eval", "--backend", "ollama", "--base-url", fake.url, "-m", "stories", *args, "--out", out])
        finally:
            fake.close()
        sent = sorted(json.dumps(b["messages"]) for b in bodies)
        self.assertEqual(sent, sorted(json.dumps(r["messages"]) for r in records(local)))
        self.assertTrue(all(b["options"]["temperature"] == 0 and "raw" not in b for b in bodies))
        self.assertEqual(sorted(r["raw_output"] for r in records(out)), ["reply 1", "reply 2", "reply 3"])

        # A server's chat endpoint gives no prompt log-probs: multiple choice under a template is refused.
        proc = run([QUALM, "eval", "--backend", "openai", "--base-url", "http://127.0.0.1:9", "-m", "stories",
                    "--tasks", "arc_easy", "--apply-chat-template"], check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("gives no prompt log-probs", proc.stderr)

    def test_multiple_choice_by_generation(self):
        """mc_mode generate: a chat API's replies are read for a letter or an option's text; refusals are
        counted. A loopback OpenAI chat server answers each question in one of five ways, chosen by the
        question's text; the lettered prompts equal ARC's rows written out by hand."""
        def options_of(prompt):
            return [m.group(2) for m in re.finditer(r"^([A-Z])\. (.*)$", prompt, re.M)]

        def reply_to(prompt):
            options = options_of(prompt)
            way = sum(prompt.encode()) % 5
            return [("The answer is B.", "B"), ("C", "C"), ("I'm sorry, I cannot help with that.", ""),
                    (options[3].upper(), "D"), ("**A**", "A")][way]

        bodies = []

        def answer(path, body):
            if path != "/v1/chat/completions":
                return 404, b"{}", None
            bodies.append(body)
            text, _ = reply_to(body["messages"][-1]["content"])
            return ok({"choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                    "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, "completion_tokens": 3}})

        fake = LoopbackServer(answer)
        try:
            out = self.dir / "mc-generate"
            run([QUALM, "eval", "--backend", "openai", "--base-url", fake.url, "--chat", "-m", "served",
                 "--tasks", "arc_easy", "--limit", "20", "--mc-mode", "generate", "--out", out])
        finally:
            fake.close()
        rows = records(out)
        arc_file = DATA / "datasets" / "arc" / "arc_easy.jsonl"
        arc = [json.loads(line) for line in arc_file.read_text().splitlines()[:20]]
        self.assertEqual(len(rows), 20)
        self.assertEqual(len(bodies), 20)
        ways = set()
        for r in rows:
            doc = arc[r["sample_id"]]
            options = "".join(f"\n{'ABCDE'[i]}. {c}" for i, c in enumerate(doc["choices"]))
            want_prompt = doc["query"] + options + "\nAnswer:"
            self.assertEqual(r["prompt"], want_prompt)
            self.assertEqual(r["reference"], "ABCDE"[doc["gold"]])
            self.assertEqual(r["gold"], doc["gold"])
            self.assertEqual(r["task_type"], "multiple_choice_generate")
            self.assertEqual(r["chat"]["mc_mode"], "generate")
            text, letter = reply_to(r["prompt"])
            ways.add(text[:5])
            self.assertEqual(r["raw_output"], text)
            self.assertEqual(r["candidate"], letter)
            self.assertEqual(r["metrics"], {"acc_generate": float(letter == r["reference"]),
                                            "refused": float(letter == "")})
        self.assertGreaterEqual(len(ways), 4)  # the five ways of answering are exercised
        results = json.loads((out / "results.json").read_text())["results"]["arc_easy"]
        self.assertAlmostEqual(results["refused"], sum(r["metrics"]["refused"] for r in rows) / 20)
        self.assertAlmostEqual(results["acc_generate"], sum(r["metrics"]["acc_generate"] for r in rows) / 20)
        self.assertNotIn("acc", results)  # never mistaken for the log-likelihood accuracy
        self.assertTrue(all(b["messages"][0]["content"].endswith("\nAnswer:") for b in bodies))

        # In-process on both real models, through qualm run's experiment key and qualm eval's flag.
        for name, model in MODELS.items():
            config = self.dir / f"mcgen-{name}.yaml"
            config.write_text(f"experiment: mcgen\ndefaults: {{warmup: 0, mc_mode: generate}}\n"
                              f"models: [{{name: m, path: {model}}}]\nbackends: [{{name: cpu, type: llama}}]\n"
                              "tasks: [{name: arc_easy, limit: 4, num_fewshot: 2}]\n")
            ran = self.dir / f"mcgen-run-{name}"
            run([QUALM, "run", config, "--out", ran])
            ev = self.dir / f"mcgen-eval-{name}"
            run([QUALM, "eval", "-m", model, "--tasks", "arc_easy", "--limit", "4", "--num-fewshot", "2",
                 "--mc-mode", "generate", "--out", ev])
            drop = ("run_id", "gen_time_ms", "model", "variant", "backend", "engine")
            a, b = keyed_records(ran, drop), keyed_records(ev, drop)
            self.assertEqual(sorted(v["sample_id"] for v in a.values()), [0, 1, 2, 3])
            by_id = lambda rows: sorted(rows.values(), key=lambda v: v["sample_id"])  # noqa: E731
            self.assertEqual(by_id(a), by_id(b))
            for r in a.values():
                self.assertEqual(r["prompt"].count("\nAnswer: "), 2)  # two shots, each answered with its letter
                self.assertRegex(r["prompt"], r"\nAnswer: [A-E]\n\n")
                self.assertEqual(set(r["metrics"]), {"acc_generate", "refused"})
            summary = json.loads((ran / "summary.json").read_text())
            self.assertIn("acc_generate", json.dumps(summary))

    def test_run_experiment_keys_and_multiple_choice(self):
        for name, model in self.models.items():
            config = self.dir / f"chat-{name}.yaml"
            config.write_text(
                f"experiment: chat\ndefaults: {{warmup: 0, apply_chat_template: true, system_prompt: '{SYSTEM}'}}\n"
                f"models: [{{name: m, path: {model}}}]\n"
                "backends: [{name: cpu, type: llama}]\n"
                "tasks:\n"
                "  - {name: tinystories, limit: 2, num_fewshot: 1, max_new_tokens: 16, fewshot_as_multiturn: true}\n"
                "  - {name: arc_easy, limit: 4}\n")
            out = self.dir / f"run-{name}"
            run([QUALM, "run", config, "--out", out])
            rows = records(out)
            by_task = {}
            for r in rows:
                by_task.setdefault(r["task_name"], []).append(r)
            self.assertEqual(sorted(by_task), ["arc_easy", "tinystories"])
            for r in by_task["tinystories"]:
                self.assertEqual(r["chat"]["fewshot_as_multiturn"], True)
                self.assertEqual([m["role"] for m in r["messages"]], ["system", "user", "assistant", "user"])
            for r in by_task["arc_easy"]:
                self.assertEqual(r["chat"], {"apply_chat_template": True, "system_prompt": SYSTEM,
                                             "fewshot_as_multiturn": False, "gen_prefix": None,
                                             "mc_mode": "loglikelihood"})
                self.assertEqual([m["role"] for m in r["messages"]], ["system", "user"])
                self.assertTrue(r["messages"][1]["content"].startswith("Question: "))
                self.assertIsNone(r["error"])
            manifest = json.loads((out / "manifest.json").read_text())
            planned = {t["name"]: t["chat"] for t in manifest["plan"]["tasks"]}
            self.assertEqual(planned["tinystories"]["fewshot_as_multiturn"], True)
            self.assertEqual(planned["arc_easy"]["system_prompt"], SYSTEM)

            # One path: qualm eval with the same switches writes the same records.
            ev = self.dir / f"eval-{name}"
            run([QUALM, "eval", "-m", model, "--tasks", "arc_easy", "--limit", "4", "--apply-chat-template",
                 "--system-prompt", SYSTEM, "--out", ev])
            drop = ("run_id", "gen_time_ms", "model", "variant", "backend", "engine")
            a = {k[3:]: v for k, v in keyed_records(out, drop).items() if k[3] == "arc_easy"}
            b = {k[3:]: v for k, v in keyed_records(ev, drop).items()}
            self.assertEqual(a, b)

            # The template changes what is scored: the choices' log-likelihoods differ from plain prompts.
            plain = self.dir / f"plain-{name}"
            run([QUALM, "eval", "-m", model, "--tasks", "arc_easy", "--limit", "4", "--out", plain])
            lls = lambda rows: [c["loglikelihood"] for r in rows for c in r["choices"]]  # noqa: E731
            self.assertNotEqual(lls(records(plain)), lls(by_task["arc_easy"]))
            self.assertNotIn("chat", records(plain)[0])

    def test_bad_chat_settings_are_exit_2_before_anything_runs(self):
        model = MODELS["stories260k"]
        proc = run([QUALM, "eval", "-m", model, "--tasks", "arc_easy", "--limit", "2", "--apply-chat-template"],
                   check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("has no chat template (tokenizer.chat_template)", proc.stderr)
        self.assertIn(str(model), proc.stderr)
        assert_no_library_text("no template", proc)

        proc = run([QUALM, "eval", "-m", self.models["stories260k"], "--tasks", "arc_easy", "--fewshot-as-multiturn"],
                   check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("fewshot_as_multiturn needs apply_chat_template", proc.stderr)

        config = self.dir / "bad.yaml"
        config.write_text(f"experiment: bad\nmodels: [{{name: m, path: {model}}}]\n"
                          "backends: [{name: cpu, type: llama}]\n"
                          "tasks:\n  - {name: arc_easy, limit: 2, apply_chat_template: maybe}\n")
        proc = run([QUALM, "run", config, "--out", self.dir / "bad"], check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("bad.yaml:5", proc.stderr)
        self.assertIn("apply_chat_template", proc.stderr)

        task = self.dir / "winogrande_chat.yaml"
        task.write_text("include: " + str(self.source_task("winogrande")) + "\ntask: winogrande_chat\n"
                        "apply_chat_template: true\n")
        proc = run([QUALM, "eval", "-m", self.models["stories260k"], "--tasks", task], check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("winogrande_chat.yaml:3", proc.stderr)
        self.assertIn("multiple_inputs", proc.stderr)

    @staticmethod
    def source_task(name):
        from qualm_e2e import SOURCE
        found = list((SOURCE / "tasks").rglob(f"{name}.yaml"))
        assert found, name
        return found[0]


if __name__ == "__main__":
    unittest.main()
