"""Remote backends served by a fleet (SPEC S2, issue 21 item 4): an openai backend with
base_urls spreads its requests over three llama-servers with stories260K on loopback ports,
one of them killed mid-run. No record is lost or written twice, none is an error, greedy
outputs equal a run on one server, every record names the server that answered, and the
manifest counts what each served. Multiple choice through two vLLM-shaped loopback servers
scores as in-process. base_url and base_urls together is a configuration error."""

import json
import os
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import QUALM, assert_no_library_text, llama_tool, run  # noqa: E402
from remote_servers import (LoopbackServer, RemoteCase, choice_table, free_port, ok, records,  # noqa: E402
                            vllm_completions)

# 96 prompts: enough that a kill after a few requests lands mid-run.
FLEET_TASK = "{name: prompt_suite_96, max_new_tokens: 48}"
KILL_AFTER = 4  # requests the victim starts before it is killed


def start_server(model, port, log):
    """A llama-server whose greedy replies depend on the prompt alone: one slot, so no request
    shares a batch, and no prompt cache, so none starts from another's KV cache (either changes
    the float sums enough to flip a greedy token now and then). Its log goes to `log`."""
    return subprocess.Popen(
        [llama_tool("llama-server"), "-m", model, "--host", "127.0.0.1", "--port", str(port),
         "-t", "1", "-tb", "1", "-c", "2048", "-np", "1", "--no-cache-prompt"],
        stdout=subprocess.DEVNULL, stderr=log, text=True)


def wait_healthy(url):
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.2)
    raise AssertionError(f"llama-server at {url} did not start")


class RemoteFleetTest(RemoteCase):
    def fleet_backend(self, urls, retries=2):
        listed = ", ".join(f"'{u}'" for u in urls)
        return (f"{{name: srv, type: openai, base_urls: [{listed}], model: stories, timeout_s: 20,"
                f" retries: {retries}, concurrency: 1}}")

    def test_a_killed_server_loses_no_record(self):
        # Three servers; the third is killed after it started KILL_AFTER requests.
        ports = [free_port(), free_port(), free_port()]
        first = start_server(self.model, ports[0], subprocess.DEVNULL)
        helper = start_server(self.model, ports[1], subprocess.DEVNULL)
        victim = start_server(self.model, ports[2], subprocess.PIPE)
        killed = threading.Event()
        started = []

        def watch():
            for line in victim.stderr:  # drained to the end: a full pipe would stall the server
                if "launch_slot_" in line and not killed.is_set():
                    started.append(line)
                    if len(started) >= KILL_AFTER:
                        victim.kill()
                        killed.set()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            for u in urls:
                wait_healthy(u)
            single = self.run_dir("single")
            run([QUALM, "run", self.experiment("single", [self.openai(urls[0], ", concurrency: 1")], FLEET_TASK),
                 "--out", single])
            fleet = self.run_dir("fleet")
            exp = self.experiment("fleet", [self.fleet_backend(urls)], FLEET_TASK)
            proc = subprocess.run([QUALM, "run", str(exp), "--out", str(fleet)], capture_output=True, text=True,
                                  timeout=600)
            assert_no_library_text(["qualm", "run"], proc)
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            self.assertTrue(killed.is_set(), "the victim was not killed: the run never reached it")
        finally:
            for p in (first, helper, victim):
                if p.poll() is None:
                    p.terminate()
                p.wait(timeout=30)
            watcher.join(timeout=30)
            victim.stderr.close()

        # Every planned record exactly once, none an error, the same greedy text as on one server.
        got = records(fleet)
        keys = [(r["task_name"], r["sample_id"], r["rep"]) for r in got]
        self.assertEqual(len(keys), 96)
        self.assertEqual(len(set(keys)), 96, "a record was written twice")
        self.assertEqual([r for r in got if r["error"] is not None], [])
        want = {r["sample_id"]: r["raw_output"] for r in records(single)}
        self.assertEqual(len(want), 96)
        self.assertEqual({r["sample_id"]: r["raw_output"] for r in got}, want)

        # Each record names the server that answered; the killed one served fewer than each other.
        per_record = {u: 0 for u in urls}
        for r in got:
            self.assertIn(r["endpoint"], urls, r)
            per_record[r["endpoint"]] += 1
        self.assertEqual(sum(per_record.values()), 96)
        self.assertLess(per_record[urls[2]], per_record[urls[0]])
        self.assertLess(per_record[urls[2]], per_record[urls[1]])
        for r in records(single):
            self.assertEqual(r["endpoint"], urls[0])

        # The manifest counts what each served, in the order given; the counts sum to the records.
        manifest = json.loads((fleet / "manifest.json").read_text())
        server = [b for b in manifest["backends"] if b["name"] == "srv"][0]["server"]
        self.assertEqual(server["base_urls"], urls)
        counts = server["endpoints"]
        self.assertEqual([c["url"] for c in counts], urls)
        self.assertEqual({c["url"]: c["served"] for c in counts}, per_record)
        self.assertEqual(sum(c["served"] for c in counts), 96)
        self.assertGreaterEqual(counts[2]["failed"], 1, counts)  # a try found it gone
        self.assertEqual(counts[0]["failed"] + counts[1]["failed"], 0, counts)

    def test_merged_shards_sum_each_servers_counts(self):
        """Two shards of a run through a fleet of two servers, merged: the merged manifest counts, per
        server, the requests of both shards (as many as the records that server answered)."""
        def answer(path, body):
            if path != "/v1/completions":
                return 404, b"{}", None
            return ok({"choices": [{"index": 0, "text": " x", "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 3, "completion_tokens": 1}})

        fakes = [LoopbackServer(answer) for _ in range(2)]
        urls = [f.url for f in fakes]
        out = self.run_dir("sharded-fleet")
        config = self.experiment("shardfleet", [self.fleet_backend(urls)],
                                 "{name: tinystories, limit: 130, max_new_tokens: 4}")
        try:
            for i in range(2):
                run([QUALM, "run", config, "--shard", f"{i}/2", "--out", out])
            run([QUALM, "merge", out])
        finally:
            for f in fakes:
                f.close()
        got = records(out)
        self.assertEqual(len(got), 130)
        per_record = {u: 0 for u in urls}
        for r in got:
            per_record[r["endpoint"]] += 1
        shard_counts = []
        for shard in sorted((out / "shards").iterdir()):
            m = json.loads((shard / "manifest.json").read_text())
            server = [b for b in m["backends"] if b["name"] == "srv"][0]["server"]
            shard_counts.append(sum(c["served"] for c in server["endpoints"]))
        self.assertTrue(all(n > 0 for n in shard_counts), shard_counts)  # both shards sent requests
        manifest = json.loads((out / "manifest.json").read_text())
        counts = [b for b in manifest["backends"] if b["name"] == "srv"][0]["server"]["endpoints"]
        self.assertEqual({c["url"]: c["served"] for c in counts}, per_record)
        self.assertEqual(sum(c["served"] for c in counts), 130)

    def test_multiple_choice_through_a_fleet_equals_in_process(self):
        """Two vLLM-shaped servers (llama-server returns no prompt log-probs) whose numbers are the
        in-process backend's: the same scores, and each record names the servers of its requests."""
        local = self.run_dir("mc-local")
        run([QUALM, "eval", "-m", self.model, "--tasks", "arc_easy", "--limit", "3", "-t", "1", "--out", local])
        fakes = [LoopbackServer(vllm_completions(choice_table(local))) for _ in range(2)]
        urls = [f.url for f in fakes]
        out = self.run_dir("mc-fleet")
        try:
            run([QUALM, "run", self.experiment("mcfleet", [self.fleet_backend(urls)], "{name: arc_easy, limit: 3}"),
                 "--out", out])
        finally:
            for f in fakes:
                f.close()
        want = {r["sample_id"]: r for r in records(local)}
        got = {r["sample_id"]: r for r in records(out)}
        self.assertEqual(want.keys(), got.keys())
        seen = set()
        for k, r in got.items():
            self.assertIsNone(r["error"], r)
            self.assertEqual(r["correct"], want[k]["correct"])
            for x, y in zip(want[k]["choices"], r["choices"]):
                self.assertAlmostEqual(x["loglikelihood"], y["loglikelihood"], delta=1e-9 * abs(x["loglikelihood"]))
            named = r["endpoint"].split(", ")
            self.assertLessEqual(set(named), set(urls), r["endpoint"])
            seen.update(named)
        self.assertEqual(seen, set(urls))
        manifest = json.loads((out / "manifest.json").read_text())
        counts = [b for b in manifest["backends"] if b["name"] == "srv"][0]["server"]["endpoints"]
        # Each choice is scored twice (lm-eval's split and the shared-prefix one), plus the probe.
        choices = sum(len(r["choices"]) for r in got.values())
        self.assertEqual(sum(c["served"] for c in counts), 2 * choices + 1, counts)

    def test_every_server_down_is_one_error_naming_each(self):
        ports = [free_port(), free_port()]
        exp = self.experiment("down", [self.fleet_backend([f"http://127.0.0.1:{p}" for p in ports], retries=0)])
        out = self.run_dir("down")
        proc = run([QUALM, "run", exp, "--out", out], check=False)
        assert_no_library_text(["qualm", "run"], proc)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        got = records(out)
        self.assertEqual(len(got), 3)
        for r in got:
            self.assertIn("failed on every one of the 2 servers after 1 try each", r["error"])
            for p in ports:
                self.assertIn(f"http://127.0.0.1:{p}/v1/completions: could not connect", r["error"])

    def test_base_url_and_base_urls_is_a_config_error(self):
        exp = self.dir / "both.yaml"
        exp.write_text("experiment: both\n"
                       f"models: [{{name: stories, path: {self.model}}}]\n"
                       "backends:\n"
                       "  - name: srv\n"
                       "    type: openai\n"
                       "    model: stories\n"
                       f"    base_url: {self.llama_url}\n"
                       f"    base_urls: [{self.llama_url}, 'http://u:hunter22@127.0.0.1:1']\n"  # line 8
                       "  - {name: none, type: ollama, model: m, base_urls: []}\n"  # line 9
                       "tasks: [{name: qa, limit: 1}]\n")
        proc = run([QUALM, "run", exp, "--dry-run"], check=False)
        assert_no_library_text(["qualm", "run"], proc)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn(f"{exp}:8", proc.stderr)
        self.assertIn("base_url and base_urls are both given", proc.stderr)
        self.assertIn(f"{exp}:9", proc.stderr)
        self.assertIn("base_urls: is empty", proc.stderr)
        self.assertNotIn("hunter22", proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
