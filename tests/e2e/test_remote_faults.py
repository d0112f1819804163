"""Remote backends against faulty servers end to end (SPEC S2, issue 7): a fault-injecting
proxy in front of a real llama-server (HTTP 500, malformed JSON, truncated body, slow replies,
429/503 with Retry-After) and a server that is down or dies mid-run. Faults are retried, a
Retry-After is waited, and a run that failed completes with --resume, keeping what it had."""

import email.utils
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import QUALM, run  # noqa: E402
from remote_servers import LoopbackServer, RemoteCase, free_port, ok, post, qualm_lines, records  # noqa: E402


class RemoteFaultsTest(RemoteCase):
    def test_retry_after_is_waited(self):
        """A 429's Retry-After in seconds and a 503's as an HTTP-date 3 s ahead are waited; a 429
        without one waits the 0.5 s backoff. Each is measured against the same call without a fault."""
        def timed(fault):
            proxy = self.faulty_proxy([fault] if fault else [])
            try:
                start = time.monotonic()
                got = qualm_lines([QUALM, "generate", "--backend", "openai", "--base-url", proxy.url, "--model",
                                   "stories", "-p", "Once upon a time", "-n", "8", "--json"])
                return time.monotonic() - start, got, proxy.seen
            finally:
                proxy.close()

        base, want, _ = timed(None)
        waits = {}
        for fault in ["429", "429-retry-after", "503-retry-date"]:
            took, got, seen = timed(fault)
            self.assertEqual(seen, [fault, None])
            self.assertEqual([r["text"] for r in got], [r["text"] for r in want])
            waits[fault] = took - base
        print(f"\nretry waits beyond a plain call ({base:.2f} s): " +
              ", ".join(f"{k} {v:.2f} s" for k, v in waits.items()), file=sys.stderr)
        self.assertGreater(waits["429"], 0.4)
        self.assertLess(waits["429"], 1.5)
        self.assertGreater(waits["429-retry-after"], 1.9)
        self.assertLess(waits["429-retry-after"], 4.0)
        self.assertGreater(waits["503-retry-date"], 1.5)  # the date has whole seconds: 2 or 3 s
        self.assertLess(waits["503-retry-date"], 5.0)

    def faulty_proxy(self, faults):
        """Proxies /v1/completions to llama-server; each request first takes the next fault, if any."""
        lock = threading.Lock()
        seen = []

        def answer(path, body):
            with lock:
                fault = faults.pop(0) if faults else None
                seen.append(fault)
            if fault == "500":
                return 500, b'{"error": {"message": "busy"}}', None
            if fault == "malformed":
                return 200, b'{"choices": [', None
            if fault == "truncated":
                return 200, b'{"choices": [{"text": "abc"', 400
            if fault == "slow":
                time.sleep(3)
            if fault == "429":
                return 429, b'{"error": "rate limited"}', None
            if fault == "429-retry-after":
                return 429, b'{"error": "rate limited"}', None, {"Retry-After": "2"}
            if fault == "503-retry-date":
                return 503, b'{"error": "loading"}', None, {"Retry-After": email.utils.formatdate(time.time() + 3,
                                                                                                usegmt=True)}
            return ok(post(self.llama_url + path, body))
        server = LoopbackServer(answer)
        server.seen = seen
        return server

    def test_faults_are_retried(self):
        for fault in ["500", "malformed", "truncated", "slow"]:
            with self.subTest(fault=fault):
                proxy = self.faulty_proxy([fault, fault])
                try:
                    exp = self.experiment("f-" + fault, ["{name: cpu, type: llama, threads: 1}",
                                                         self.openai(proxy.url, ", timeout_s: 1, concurrency: 1")])
                    out = self.run_dir("f-" + fault)
                    run([QUALM, "run", exp, "--out", out])
                finally:
                    proxy.close()
                self.assertEqual(proxy.seen[:2], [fault, fault])
                self.assert_same_generations(out)

    def forwarder(self, port=0, die_at=None):
        """Forwards to llama-server; with die_at, stops listening at that request (a server killed mid-run)."""
        count = [0]
        holder = []

        def answer(path, body):
            count[0] += 1
            if die_at is not None and count[0] >= die_at:
                holder[0].server.socket.close()
                raise ConnectionAbortedError("killed")
            return ok(post(self.llama_url + path, body))
        server = LoopbackServer(answer, port)
        holder.append(server)
        return server

    def resume_completes(self, exp, out, port, before):
        fwd = self.forwarder(port)
        try:
            run([QUALM, "run", exp, "--out", out, "--resume"])
        finally:
            fwd.close()
        after = {(r["backend"], r["sample_id"]): r for r in records(out) if r["error"] is None}
        self.assertEqual(len(after), 6)
        for r in before:
            if r["error"] is None:
                self.assertEqual(after[(r["backend"], r["sample_id"])]["candidate"], r["candidate"])
        for s in range(3):
            self.assertEqual(after[("cpu", s)]["candidate"], after[("srv", s)]["candidate"])

    def test_server_not_running_then_resume(self):
        port = free_port()
        exp = self.experiment("down", ["{name: cpu, type: llama, threads: 1}",
                                       self.openai(f"http://127.0.0.1:{port}", ", retries: 1")])
        out = self.run_dir("down")
        proc = run([QUALM, "run", exp, "--out", out], check=False)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("failed after 2 tries", proc.stderr)
        before = records(out)
        self.assertEqual(sum(r["error"] is None for r in before), 3)  # the llama cells
        self.resume_completes(exp, out, port, before)

    def test_server_killed_mid_run_then_resume(self):
        dying = self.forwarder(die_at=2)
        port = dying.server.server_address[1]
        exp = self.experiment("killed", ["{name: cpu, type: llama, threads: 1}",
                                         self.openai(dying.url, ", retries: 1, concurrency: 1")])
        out = self.run_dir("killed")
        try:
            proc = run([QUALM, "run", exp, "--out", out], check=False)
        finally:
            dying.close()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        before = records(out)
        self.assertEqual(sum(r["error"] is not None for r in before), 3, before)
        self.resume_completes(exp, out, port, before)


if __name__ == "__main__":
    unittest.main()
