"""What the remote-backend end-to-end tests (test_remote.py, test_remote_faults.py) share: a
real llama-server with stories260K per test class, loopback HTTP servers whose replies come
from a function, and experiment files that name remote backends."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import TempDirCase, llama_tool, require_data, run  # noqa: E402

GEN_TASK = "{name: creative_writing, limit: 3, max_new_tokens: 16}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(model, *extra):
    """llama-server with the model on a free port, one thread: (process, url) once /health answers."""
    port = free_port()
    proc = subprocess.Popen([llama_tool("llama-server"), "-m", model, "--host", "127.0.0.1", "--port", str(port),
                             "-t", "1", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except Exception:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError("llama-server did not start")


def post(url, body, timeout=60):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def records(run_dir):
    with open(Path(run_dir) / "samples.jsonl") as f:
        return [json.loads(line) for line in f]


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 whose handler calls answer(path, body) -> (status, bytes)."""

    def __init__(self, answer, port=0):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, body):
                status, data, length, *headers = outer.answer(self.path, body)
                self.send_response(status)
                for k, v in (headers[0] if headers else {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(length if length is not None else len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                outer.auth.append(self.headers.get("Authorization"))
                self.reply(json.loads(self.rfile.read(n) or b"{}"))

            def do_GET(self):
                self.reply(None)

        self.answer = answer
        self.auth = []
        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.handle_error = lambda *args: None  # a dropped connection is the point of some tests
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def ok(obj):
    return 200, json.dumps(obj).encode(), None


def choice_table(run_dir):
    """prompt + " " + choice -> (context length, the choice's record, its prompt's tokens), from
    the records of an in-process multiple-choice run."""
    table = {}
    for r in records(run_dir):
        for c in r["choices"]:
            table[r["prompt"] + " " + c["text"]] = (len(r["prompt"]), c, r["prompt_tokens"])
    return table


def vllm_completions(table):
    """A LoopbackServer answer function shaped as vLLM's /v1/completions with echo + logprobs,
    whose numbers come from `table` (choice_table): see answer."""

    def answer(path, body):
        """Answers as vLLM's /v1/completions documents for echo + logprobs: the prompt's
        tokens, the first with a null log-prob, then one generated token. The continuation's
        log-probs split the in-process backend's score over its token count."""
        if path != "/v1/completions" or not body.get("echo"):
            return 404, b"{}", None
        prompt = body["prompt"]
        if prompt not in table:  # the probe
            return ok({"choices": [{"text": prompt + " x", "logprobs": {
                "tokens": [prompt[:4], prompt[4:], " x"], "token_logprobs": [None, -2.0, -1.0],
                "top_logprobs": [None, {prompt[4:]: -2.0}, {" x": -1.0}], "text_offset": [0, 4, len(prompt)]}}]})
        start, c, context_tokens = table[prompt]
        n = c["n_tokens"]
        each = [c["loglikelihood"] / n] * n
        tokens = [prompt[:start]] + [f"t{i}" for i in range(n)] + ["<gen>"]
        offsets = [0] + [min(start + i, len(prompt) - 1) for i in range(n)] + [len(prompt)]
        top = [None] + [{f"t{i}": each[i]} if c["is_greedy"] else {"other": 0.0, f"t{i}": each[i]}
                        for i in range(n)] + [{"<gen>": -0.1}]
        # usage counts the whole prompt; the echoed tokens here (one for the context) do not.
        return ok({"object": "text_completion", "model": body["model"], "choices": [{
            "index": 0, "text": prompt + "<gen>", "finish_reason": "length",
            "logprobs": {"tokens": tokens, "token_logprobs": [None] + each + [-0.1],
                         "top_logprobs": top, "text_offset": offsets}}],
            "usage": {"prompt_tokens": context_tokens + n, "completion_tokens": 1,
                      "total_tokens": context_tokens + n + 1}})

    return answer


def qualm_lines(args):
    return [json.loads(line) for line in run(args).stdout.splitlines()]


class RemoteCase(TempDirCase):
    """A llama-server with stories260K for the class (llama_url), and experiment files with
    remote backends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = require_data() / "models" / "stories260K.gguf"
        cls.server, cls.llama_url = start_llama_server(cls.model, "-tb", "1", "-c", "2048", "-np", "2")

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        super().tearDownClass()

    def experiment(self, name, backends, tasks=GEN_TASK, extra=""):
        path = self.dir / f"{name}.yaml"
        path.write_text(f"experiment: {name}\ndefaults: {{warmup: 0}}\n"
                        f"models: [{{name: stories, path: {self.model}}}]\n"
                        f"backends:\n" + "".join(f"  - {b}\n" for b in backends) + f"tasks: [{tasks}]\n" + extra)
        return path

    def run_dir(self, name):
        out = self.dir / name
        shutil.rmtree(out, ignore_errors=True)
        return out

    def openai(self, url, extra=""):
        keys = {"timeout_s": "20", "retries": "2"}
        for part in filter(None, extra.split(",")):
            k, v = part.split(":", 1)
            keys[k.strip()] = v.strip()
        rest = "".join(f", {k}: {v}" for k, v in keys.items())
        return f"{{name: srv, type: openai, base_url: '{url}', model: stories{rest}}}"

    def assert_same_generations(self, out, remote="srv"):
        """Same text, and the server's usage counts equal the in-process backend's token counts."""
        by = {}
        for r in records(out):
            self.assertIsNone(r["error"], r)
            by.setdefault(r["sample_id"], {})[r["backend"]] = (r["candidate"], r["prompt_tokens"], r["output_tokens"])
        self.assertEqual(len(by), 3)
        for sample, c in by.items():
            self.assertGreater(c["cpu"][1], 0)
            self.assertGreater(c["cpu"][2], 0)
            self.assertEqual(c["cpu"], c[remote], f"sample {sample}")

