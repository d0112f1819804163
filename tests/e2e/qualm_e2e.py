"""Shared helpers for the end-to-end tests: where things are, running commands, and
parsing llama.cpp's tool output defensively (its logger can drop the last lines at exit)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run this test through ctest")
    return value


QUALM = _required_env("QUALM_BIN")
LLAMA_BIN = Path(_required_env("LLAMA_BIN_DIR"))
FIXTURES = Path(os.environ.get("QUALM_FIXTURE_DIR", ""))
SOURCE = Path(_required_env("QUALM_SOURCE_DIR"))


def data_dir():
    """The one resolver: $QUALM_DATA_DIR, else ../shared/data beside the clone."""
    env = os.environ.get("QUALM_DATA_DIR")
    path = Path(env) if env else SOURCE.parent / "shared" / "data"
    return path if path.is_dir() else None


def require_data():
    d = data_dir()
    if d is None:
        print("SKIPPED: shared data not found (set QUALM_DATA_DIR or put shared/data beside the clone)")
        sys.exit(SKIP)
    return d


def smoke_config(tmp):
    """configs/smoke.yaml, written into tmp, with the BERT fixture of this build."""
    text = (SOURCE / "configs" / "smoke.yaml").read_text()
    text = text.replace("../build/fixtures/tiny-bert.gguf", str(FIXTURES / "tiny-bert.gguf"))
    path = Path(tmp) / "smoke.yaml"
    path.write_text(text)
    return path


# C++ library text that must never reach a user (the bad input and internal error paths name
# the file, the sample and the fix instead).
LIBRARY_TEXT = re.compile(r"unordered_map::at|basic_string|\bstoi\b|\bstod\b|_M_range_check|std::|"
                          r"json\.exception|yaml-cpp|bad conversion|basic_ios|filesystem error|out_of_range|"
                          r"invalid_argument|bad_alloc|terminate called|what\(\)")


def assert_no_library_text(args, proc):
    """qualm's messages (stderr, and stdout lines that report errors) hold no C++ library text."""
    lines = proc.stderr.splitlines() + [l for l in proc.stdout.splitlines() if "error" in l.lower()]
    for line in lines:
        if LIBRARY_TEXT.search(line):
            raise AssertionError(f"C++ library text reached the user from {' '.join(map(str, args))}:\n{line}")


def run(args, check=True, timeout=1800):
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                          errors="replace")
    if str(args[0]) == QUALM:
        assert_no_library_text(args, proc)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args[0]} exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\n"
                             f"stderr:\n{proc.stderr[-3000:]}")
    return proc


def qualm_json(*args):
    return json.loads(run([QUALM, *args, "--json"]).stdout)


def llama_tool(name):
    return LLAMA_BIN / name


def run_llama_until(args, pattern, attempts=3):
    """Runs a llama.cpp tool and returns the match of `pattern` in its output. Its logger
    can drop the last lines at exit: when the pattern is missing, run it again."""
    last = None
    for _ in range(attempts):
        last = run(args)
        text = last.stdout + last.stderr
        m = re.search(pattern, text)
        if m:
            return m, text
    raise AssertionError(f"pattern {pattern!r} not in the output of {args[0]}:\n{(last.stdout + last.stderr)[-3000:]}")


def llama_perplexity(model, text_file, ctx, *extra):
    m, _ = run_llama_until([llama_tool("llama-perplexity"), "-m", model, "-f", text_file, "-c", ctx, *extra],
                           r"Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+)")
    return m.group(1), m.group(2)


def record_key(r):
    """A record's identity (SPEC S5): at most one record per key in a samples.jsonl."""
    return (r["model"], r["variant"], r["backend"], r["task_name"], r["sample_id"], r["rep"])


def without(value, keys):
    """value with every dict key in `keys` dropped, at any depth (times, run ids)."""
    if isinstance(value, dict):
        return {k: without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without(v, keys) for v in value]
    return value


def keyed_records(run_dir, drop=()):
    """A run directory's samples.jsonl by record_key, each without the keys in `drop`; a key
    logged twice fails."""
    out = {}
    with open(Path(run_dir) / "samples.jsonl") as f:
        for line in f:
            r = json.loads(line)
            k = record_key(r)
            assert k not in out, f"{run_dir}: record {k} logged twice"
            out[k] = without(r, drop)
    return out


class TempDirCase(unittest.TestCase):
    """A test class with one temporary directory, self.dir, removed after its tests."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
