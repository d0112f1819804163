"""A disk that fills up mid-run (issue 18), on a small tmpfs this test mounts: qualm run stops
with one line naming the file and the cause (No space left on device), exit 1; no .tmp file and
no torn record is left; --resume after freeing space completes the run with the records of an
uninterrupted one. qualm report on a full disk says the same of the file it could not write.
Skipped, with the reason, where tmpfs cannot be mounted (not root, or no CAP_SYS_ADMIN)."""

import json
import os
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import QUALM, TempDirCase, require_data, run  # noqa: E402

TIMING_FIELDS = {"gen_time_ms", "run_id"}


def records(run_dir):
    out = {}
    for line in (Path(run_dir) / "samples.jsonl").read_text().splitlines():
        r = json.loads(line)  # a torn line fails here
        out[(r["model"], r["variant"], r["backend"], r["task_name"], r["sample_id"], r["rep"])] = {
            k: v for k, v in r.items() if k not in TIMING_FIELDS}
    return out


def free_bytes(path):
    s = os.statvfs(path)
    return s.f_bavail * s.f_frsize


class DiskFull(TempDirCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = require_data()
        cls.disk = cls.dir / "disk"
        cls.disk.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(cls.disk)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            cls.tmp.cleanup()
            raise unittest.SkipTest(f"cannot mount a tmpfs here ({proc.stderr.strip()}): run as root with CAP_SYS_ADMIN")
        cls.config = cls.dir / "full.yaml"
        cls.config.write_text("experiment: full\ndefaults: {warmup: 0}\n"
                              f"models: [{{name: m, path: {cls.data / 'models' / 'stories260K.gguf'}}}]\n"
                              "backends: [{name: cpu, type: llama, threads: 1}]\n"
                              "tasks: [{name: arc_easy, limit: 192}]\n")
        cls.baseline = cls.dir / "baseline"
        run([QUALM, "run", cls.config, "--out", cls.baseline])
        cls.expected = records(cls.baseline)

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["umount", str(cls.disk)], check=False)
        super().tearDownClass()

    def fill(self, leave):
        """A file that takes all but `leave` bytes of the tmpfs."""
        filler = self.disk / "filler"
        filler.unlink(missing_ok=True)
        size = free_bytes(self.disk) - leave
        with open(filler, "wb") as f:
            f.write(b"\0" * size)
        return filler

    def assert_nothing_half_written(self, folder):
        left = [p.name for p in Path(folder).rglob("*") if p.name.endswith(".tmp")]
        self.assertEqual(left, [], "a temporary file was left behind")

    def test_full_while_writing_records_then_resume(self):
        out = self.disk / "run"
        samples = (self.baseline / "samples.jsonl").stat().st_size
        filler = self.fill(samples // 2 + 16384)  # room for the manifest and about half the records
        proc = run([QUALM, "run", self.config, "--out", out], check=False)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        errors = [l for l in proc.stderr.splitlines() if l.startswith("qualm: error:")]
        self.assertEqual(errors, [f"qualm: error: cannot write {out}/samples.jsonl: No space left on device"])
        self.assert_nothing_half_written(out)
        partial = records(out)  # whole lines only
        self.assertGreater(len(partial), 0)
        self.assertLess(len(partial), len(self.expected))
        filler.unlink()
        proc = run([QUALM, "run", self.config, "--out", out, "--resume"])
        self.assertEqual(records(out), self.expected)
        self.assert_nothing_half_written(out)
        shutil.rmtree(out)

    def test_report_on_a_full_disk(self):
        out = self.disk / "report"
        out.mkdir()
        for name in ("samples.jsonl", "manifest.json"):
            shutil.copy(self.baseline / name, out / name)
        filler = self.fill(0)
        try:
            proc = run([QUALM, "report", out], check=False)
        finally:
            filler.unlink()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        errors = [l for l in proc.stderr.splitlines() if l.startswith("qualm: error:")]
        self.assertEqual(len(errors), 1, proc.stderr)
        self.assertRegex(errors[0], rf"^qualm: error: cannot write {out}/[a-z_.]+: No space left on device$")
        self.assert_nothing_half_written(out)
        self.assertEqual(sorted(p.name for p in out.iterdir()), ["manifest.json", "samples.jsonl"])
        shutil.rmtree(out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
