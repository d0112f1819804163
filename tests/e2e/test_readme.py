"""The README's examples, run as written and in order (issue 19): every fenced block's
`D=...` and `build/qualm ...` lines (continuations joined), from the root of a scratch tree
laid out as a clone's (build/qualm, build/fixtures, configs/), with the shared data as $D and
/tmp/ moved into the scratch tree. Limits are cut so that the whole README runs in minutes:
--limit at most 3 (qualm run gets --limit 2), --chunks at most 8 (perplexity and kld get it).
A command with --gate may exit 3 (a failed gate is an answer); any other command must exit 0.
scripts/setup.sh and scripts/test.sh are what CI runs; they are not run again here."""

import os
import re
import shutil
import subprocess
import sys
import unittest

from qualm_e2e import FIXTURES, QUALM, SOURCE, TempDirCase, assert_no_library_text, require_data

DATA = require_data()


def readme_commands():
    """(line number, command) of each qualm command in the README's fenced blocks, in order."""
    out, block, pending, start = [], False, "", 0
    for n, line in enumerate((SOURCE / "README.md").read_text().splitlines(), 1):
        if line.startswith("```"):
            block = not block
            continue
        if not block:
            continue
        text = line.split("  #")[0].rstrip() if not pending else line.rstrip()
        if not pending and not (text.startswith("build/qualm") or text.startswith("D=")):
            continue
        if not pending:
            start = n
        if text.endswith("\\"):
            pending += text[:-1]
            continue
        out.append((start, (pending + text.split("  #")[0]).strip()))
        pending = ""
    return out


def cut_limits(command):
    command = re.sub(r"--limit (\d+)", lambda m: f"--limit {min(int(m.group(1)), 3)}", command)
    command = re.sub(r"--chunks (\d+)", lambda m: f"--chunks {min(int(m.group(1)), 8)}", command)
    if re.search(r"qualm (perplexity|kld) ", command) and "--chunks" not in command:
        command += " --chunks 8"
    if "qualm run " in command and "--limit" not in command and "--dry-run" not in command:
        command += " --limit 2"
    return command


class ReadmeExamples(TempDirCase):
    def test_user_text_names_no_spec_sections(self):
        """The README's user part (everything before "## Layout", the developers' part) explains
        itself: no "SPEC S…" section numbers, which a user of a clone cannot look up."""
        text = (SOURCE / "README.md").read_text()
        user = text[:text.index("\n## Layout")]
        lines = [n for n, line in enumerate(user.splitlines(), 1) if re.search(r"\bSPEC\b", line)]
        self.assertEqual(lines, [], "README lines naming the specification")

    def test_every_example_runs_in_order(self):
        root = self.dir / "clone"
        (root / "build").mkdir(parents=True)
        (root / "tmp").mkdir()
        os.symlink(QUALM, root / "build" / "qualm")
        os.symlink(FIXTURES, root / "build" / "fixtures")
        shutil.copytree(SOURCE / "configs", root / "configs")
        env = dict(os.environ, QUALM_DATA_DIR=str(DATA), D=str(DATA), SLURM_ARRAY_TASK_MIN="0")
        commands = readme_commands()
        self.assertGreater(len(commands), 15)
        ran = 0
        for line, command in commands:
            if command.startswith("D="):
                continue  # $D is the shared data
            command = cut_limits(command).replace("/tmp/", str(root / "tmp") + "/")
            # the job-array lines take their index from the scheduler's environment
            shard_env = {}
            if "--shard-count" in command:
                shard_env = {"SLURM_ARRAY_TASK_ID": "1"}
            elif "--shard env" in command:
                shard_env = {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"}
            with self.subTest(line=line, command=command):
                proc = subprocess.run(["bash", "-c", command], cwd=root, env=dict(env, **shard_env), capture_output=True,
                                      text=True, timeout=900)
                assert_no_library_text(["README.md:" + str(line)], proc)
                allowed = (0, 3) if "--gate" in command else (0,)
                self.assertIn(proc.returncode, allowed,
                              f"README.md:{line}: {command}\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
                ran += 1
        print(f"{ran} README commands ran", file=sys.stderr)
        self.assertTrue((root / "runs" / "big" / "report.html").exists())
        self.assertTrue((root / "runs" / "harm" / "summary.json").exists())


if __name__ == "__main__":
    unittest.main()
