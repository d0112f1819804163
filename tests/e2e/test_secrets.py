"""Secrets (issue 18): an API key from api_key_env and the user:password of a base_url reach the
server and nothing else: not samples.jsonl, manifest.json, the reports, stdout or stderr, also
when every request fails and when the server echoes the key back in its error."""

import base64
import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import QUALM, TempDirCase, require_data, run  # noqa: E402
from remote_servers import LoopbackServer, free_port  # noqa: E402

KEY = "sk-qualm-secret-0123456789"
USER, PASSWORD = "qualmuser", "s3cr3t-pa55"
SECRETS = [KEY, PASSWORD, f"{USER}:"]


class Secrets(TempDirCase):
    def setUp(self):
        self.data = require_data()
        os.environ["QUALM_TEST_SECRET_KEY"] = KEY

    def experiment(self, name, url, key=True):
        path = self.dir / f"{name}.yaml"
        backend = (f"{{name: srv, type: openai, base_url: '{url}', model: stories, retries: 0, timeout_s: 5"
                   + (", api_key_env: QUALM_TEST_SECRET_KEY" if key else "") + "}")
        path.write_text(f"experiment: {name}\ndefaults: {{warmup: 0}}\n"
                        f"models: [{{name: stories, path: {self.data / 'models' / 'stories260K.gguf'}}}]\n"
                        f"backends: [{backend}]\n"
                        "tasks: [{name: creative_writing, limit: 2, max_new_tokens: 4}]\n")
        return path

    def assert_no_secret(self, proc, out):
        texts = {"stdout": proc.stdout, "stderr": proc.stderr}
        for f in Path(out).rglob("*"):
            if f.is_file():
                texts[str(f)] = f.read_text(errors="replace")
        self.assertGreater(len(texts), 3, "the run wrote no files to look in")
        for where, text in texts.items():
            for secret in SECRETS:
                self.assertNotIn(secret, text, f"a secret reached {where}")

    def test_server_down(self):
        url = f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}"
        out = self.dir / "down"
        proc = run([QUALM, "run", self.experiment("down", url), "--out", out], check=False)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("http://127.0.0.1:", proc.stderr)  # the URL is named, without its credentials
        self.assert_no_secret(proc, out)
        manifest = (out / "manifest.json").read_text()
        self.assertIn("http://***@127.0.0.1:", manifest)

    def test_server_echoes_the_key(self):
        def answer(path, body):
            return 401, ('{"error": {"message": "Incorrect API key provided: ' + KEY + '"}}').encode(), None
        server = LoopbackServer(answer)
        try:
            url = server.url.replace("http://", f"http://{USER}:{PASSWORD}@")
            out = self.dir / "echo"
            proc = run([QUALM, "run", self.experiment("echo", url), "--out", out], check=False)
        finally:
            server.close()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("Incorrect API key provided: ***", proc.stderr)
        self.assertIn(f"Bearer {KEY}", server.auth)  # the key reached the server
        self.assert_no_secret(proc, out)

    def test_basic_auth_from_the_url(self):
        def answer(path, body):
            return 500, b'{"error": {"message": "down for maintenance"}}', None
        server = LoopbackServer(answer)
        try:
            url = server.url.replace("http://", f"http://{USER}:{PASSWORD}@")
            out = self.dir / "basic"
            proc = run([QUALM, "run", self.experiment("basic", url, key=False), "--out", out], check=False)
        finally:
            server.close()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        self.assertIn(basic, server.auth)
        self.assert_no_secret(proc, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
