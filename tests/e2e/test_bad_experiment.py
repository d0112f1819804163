"""Hostile input to experiments, task files, datasets, model files and output folders (issue
18): each case is refused before anything runs, exit 2, with its exact message and nothing
else on stderr; no run folder or record is left behind. The cases are data: CASES below."""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from qualm_e2e import FIXTURES, QUALM, require_data, run  # noqa: E402

DATA = require_data()
MODEL = DATA / "models" / "stories260K.gguf"
MODEL_BYTES = MODEL.read_bytes()
VOCAB_GPT2 = DATA / "models" / "vocab-only" / "ggml-vocab-gpt-2.gguf"
VOCAB_BERT = DATA / "models" / "vocab-only" / "ggml-vocab-bert-bge.gguf"
THREADS_MAX = 4 * os.cpu_count()
THREADS_RANGE = f"threads: 0 = every hardware thread, up to 4 per hardware thread, {THREADS_MAX} on this machine"

HEAD = "experiment: bad\ndata_dir: {data}\n"
ONE_MODEL = "models: [{{name: m, path: models/stories260K.gguf}}]\n"
ARC = "tasks: [{{name: arc_easy, limit: 2}}]\n"
SUMMARY = "{dir}/exp.yaml: {n} problem(s) in the experiment (see above)"
QA = '{{"question": "q", "answer": "a"}}\n'


def gen_task(extra="metrics: [exact_match]\n", dataset="./d.jsonl, format: jsonl", first="task: t\n"):
    return (first + "output_type: generate\n"
            f"dataset: {{{{path: {dataset}}}}}\n"
            'doc_to_text: "{{{{question}}}}"\ndoc_to_target: "{{{{answer}}}}"\n' + extra)


def task_experiment(task_file="t.yaml"):
    return HEAD + ONE_MODEL + "tasks: [{dir}/" + task_file + "]\n"


def resumable_run(fmt):
    """manifest.json of a run of exp.yaml (HEAD + ONE_MODEL + ARC) that --resume accepts."""
    text = (HEAD + ONE_MODEL + ARC).format(**fmt)
    return json.dumps({"run_id": "run", "config_sha256": hashlib.sha256(text.encode()).hexdigest(), "limit": -1})


def model_experiment(path):
    return HEAD + "models: [{{name: m, path: " + path + "}}]\n" + ARC


@dataclass
class Case:
    name: str
    args: list                     # qualm's arguments; {dir} is the case's folder, {data} the data folder
    lines: list                    # stderr, line by line, without "qualm: error: "
    files: dict = field(default_factory=dict)  # name -> text (formatted), bytes (as is), or fmt -> either
    problems: int = 0              # an experiment's problems: its summary line follows them
    mounts: dict = field(default_factory=dict)  # folder -> "ro" or a tmpfs size


CASES = [
    # Thread counts past the machine crashed llama.cpp (SIGSEGV, libgomp abort, 10,000 threads).
    Case("threads_100000", ["validate", "{dir}/exp.yaml"],
         [f"{{dir}}/exp.yaml:4: threads must be at most {THREADS_MAX}, got 100000 ({THREADS_RANGE})"],
         {"exp.yaml": HEAD + ONE_MODEL + "backends: [{{name: cpu, type: llama, threads: 100000}}]\n" + ARC}, 1),
    Case("threads_50000", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         [f"{{dir}}/exp.yaml:4: threads must be at most {THREADS_MAX}, got 50000 ({THREADS_RANGE})"],
         {"exp.yaml": HEAD + ONE_MODEL + "backends: [{{name: cpu, type: llama, threads: 50000}}]\n" + ARC}, 1),
    Case("threads_10000", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         [f"{{dir}}/exp.yaml:4: threads must be at most {THREADS_MAX}, got 10000 ({THREADS_RANGE})"],
         {"exp.yaml": HEAD + ONE_MODEL + "backends: [{{name: cpu, type: llama, threads: 10000}}]\n" + ARC}, 1),
    Case("threads_flag", ["perplexity", "--model", str(MODEL), "--file", "{dir}/t.txt", "-t", "100000"],
         [f"--threads: Value 100000 not in range 0 to {THREADS_MAX} (see qualm --help)"], {"t.txt": "text\n"}),
    # Bytes that are not UTF-8 reached JSON records as an internal error.
    Case("experiment_name_not_utf8", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:1: not valid UTF-8 (byte 13 of the file, column 14) (save the file as UTF-8)"],
         {"exp.yaml": b"experiment: b\xffd\nmodels: [{name: m, path: models/stories260K.gguf}]\ntasks: [arc_easy]\n"}, 1),
    Case("task_name_not_utf8", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: {dir}/t.yaml:1: not valid UTF-8 (byte 7 of the file, column 8) (save the file as UTF-8)"],
         {"exp.yaml": task_experiment(), "d.jsonl": QA,
          "t.yaml": gen_task().replace("task: t\n", "task: t\udcff\n").encode("utf-8", "surrogateescape")}, 1),
    Case("task_type_not_utf8_eval_out", ["eval", "--model", str(MODEL), "--tasks", "{dir}/t.yaml", "--out", "{dir}/out"],
         ["--tasks: {dir}/t.yaml:2: not valid UTF-8 (byte 20 of the file, column 13) (save the file as UTF-8)"],
         {"d.jsonl": QA,
          "t.yaml": gen_task(first="task: t\ntask_type: x\udcff\n").encode("utf-8", "surrogateescape")}),
    # yaml-cpp's "bad conversion" for a key that is a list.
    Case("task_key_not_a_name", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: {dir}/t.yaml:2: a key must be a name, not a list (write name: value)"],
         {"exp.yaml": task_experiment(), "d.jsonl": QA, "t.yaml": "task: t\n? [a]\n: 1\n" + gen_task(first="")}, 1),
    Case("task_key_twice", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: {dir}/t.yaml:2: key 'task' appears twice (keep one)"],
         {"exp.yaml": task_experiment(), "d.jsonl": QA, "t.yaml": "task: t\ntask: u\n" + gen_task(first="")}, 1),
    # Output folders: a file, a folder below a file, a read-only folder; eval lost its results.
    Case("run_out_is_a_file", ["run", "{dir}/exp.yaml", "--out", "{dir}/afile"],
         ["--out {dir}/afile: is a file, not a folder (name a folder qualm can write to)"],
         {"exp.yaml": HEAD + ONE_MODEL + ARC, "afile": "x\n"}, 1),
    Case("run_out_below_a_file", ["run", "{dir}/exp.yaml", "--out", "{dir}/afile/run"],
         ["--out {dir}/afile/run: {dir}/afile is a file, not a folder (name a folder qualm can write to)"],
         {"exp.yaml": HEAD + ONE_MODEL + ARC, "afile": "x\n"}, 1),
    Case("eval_out_is_a_file", ["eval", "--model", str(MODEL), "--tasks", "arc_easy", "--limit", "2", "--out", "{dir}/afile"],
         ["--out {dir}/afile: is a file, not a folder (name a folder qualm can write to)"], {"afile": "x\n"}),
    Case("run_out_read_only", ["run", "{dir}/exp.yaml", "--out", "{dir}/ro/run"],
         ["--out {dir}/ro/run: {dir}/ro cannot be written to: Read-only file system (name a folder qualm can write to)"],
         {"exp.yaml": HEAD + ONE_MODEL + ARC}, 1, {"ro": "ro"}),
    Case("eval_out_read_only", ["eval", "--model", str(MODEL), "--tasks", "arc_easy", "--limit", "2", "--out", "{dir}/ro"],
         ["--out {dir}/ro: cannot be written to: Read-only file system (name a folder qualm can write to)"],
         mounts={"ro": "ro"}),
    Case("quantize_to_a_missing_folder", ["quantize", str(MODEL), "{dir}/missing/x.gguf", "Q8_0"],
         ["{dir}/missing/x.gguf: its folder {dir}/missing does not exist (name a file in a folder qualm can write to)"]),
    Case("quantize_truncated_model", ["quantize", "{dir}/m.gguf", "{dir}/q.gguf", "Q8_0"],
         [f"{{dir}}/m.gguf: truncated: the tensor table needs {len(MODEL_BYTES)} bytes but the file has "
          f"{len(MODEL_BYTES) // 2} (download or convert the file again)"],
         {"m.gguf": MODEL_BYTES[:len(MODEL_BYTES) // 2]}),
    # Model files qualm run only found broken when it loaded them (exit 1 after starting).
    Case("run_model_cut_to_1k", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         ["{dir}/exp.yaml:3: model file: {dir}/m.gguf: GGUF header or tensor table is unreadable (truncated or "
          "corrupt): it says it holds 48 tensors, more than the file can (download or convert the file again)"],
         {"exp.yaml": model_experiment("{dir}/m.gguf"), "m.gguf": MODEL_BYTES[:1024]}, 1),
    Case("run_model_cut_in_half", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         [f"{{dir}}/exp.yaml:3: model file: {{dir}}/m.gguf: truncated: the tensor table needs {len(MODEL_BYTES)} bytes "
          f"but the file has {len(MODEL_BYTES) // 2} (download or convert the file again)"],
         {"exp.yaml": model_experiment("{dir}/m.gguf"), "m.gguf": MODEL_BYTES[:len(MODEL_BYTES) // 2]}, 1),
    Case("run_model_one_byte_short", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         [f"{{dir}}/exp.yaml:3: model file: {{dir}}/m.gguf: truncated: the tensor table needs {len(MODEL_BYTES)} bytes "
          f"but the file has {len(MODEL_BYTES) - 1} (download or convert the file again)"],
         {"exp.yaml": model_experiment("{dir}/m.gguf"), "m.gguf": MODEL_BYTES[:-1]}, 1),
    Case("run_model_zero_bytes", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         ["{dir}/exp.yaml:3: model file: {dir}/m.gguf: is empty (0 bytes), not a GGUF model "
          "(download or convert the file again)"],
         {"exp.yaml": model_experiment("{dir}/m.gguf"), "m.gguf": b""}, 1),
    Case("run_model_not_gguf", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         ["{dir}/exp.yaml:3: model file: {dir}/m.gguf: is not a GGUF file (its first bytes are not 'GGUF') "
          "(convert the model to GGUF, e.g. with llama.cpp's convert_hf_to_gguf.py)"],
         {"exp.yaml": model_experiment("{dir}/m.gguf"), "m.gguf": "GGUX not a model\n"}, 1),
    Case("run_model_vocab_only", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         [f"{{dir}}/exp.yaml:3: model file: {VOCAB_GPT2}: holds no tensors (a vocabulary-only GGUF?) "
          "(give a model with its weights)"],
         {"exp.yaml": model_experiment(str(VOCAB_GPT2))}, 1),
    Case("run_embedding_model_vocab_only", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         [f"{{dir}}/exp.yaml:4: embedding model: {VOCAB_BERT}: holds no tensors (a vocabulary-only GGUF?) "
          "(give a model with its weights)"],
         {"exp.yaml": HEAD + ONE_MODEL + f"embedding_model: {{{{path: {VOCAB_BERT}}}}}\n"
                      "tasks: [{{name: summarization, limit: 2}}]\n"}, 1),
    Case("eval_embedding_model_vocab_only",
         ["eval", "--model", str(MODEL), "--tasks", "summarization", "--limit", "1", "--embedding-model", str(VOCAB_BERT)],
         [f"{VOCAB_BERT}: holds no tensors (a vocabulary-only GGUF?) (give a model with its weights)"]),
    # Task files: metric names, regexes and KV-cache types known before the run.
    Case("unknown_metric", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: task t: {dir}/t.yaml:6: unknown metric 'rougeL' (did you mean 'rouge_l'?)"],
         {"exp.yaml": task_experiment(), "d.jsonl": QA, "t.yaml": gen_task("metrics: [rougeL]\n")}, 1),
    Case("invalid_filter_regex", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: {dir}/t.yaml:6: filter regex '(a' is not valid: its ( and ) do not match (fix the pattern)"],
         {"exp.yaml": task_experiment(), "d.jsonl": QA,
          "t.yaml": gen_task("filters: [{{regex: \"(a\"}}]\nmetrics: [exact_match]\n")}, 1),
    Case("kv_type_the_heads_cannot_take", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         ["{dir}/exp.yaml:4: backend q8 cannot run model m: the K cache type q8_0 stores blocks of 32 values, and "
          "the model's attention heads are 8 wide (use an f16, bf16 or f32 cache for this model)",
          "{dir}/exp.yaml:4: backend q8 cannot run model m: the V cache type q8_0 stores blocks of 32 values, and "
          "the model's attention heads are 8 wide (use an f16, bf16 or f32 cache for this model)"],
         {"exp.yaml": HEAD + ONE_MODEL + "backends: [{{name: q8, type: llama, kv_type: q8_0, flash_attn: on}}]\n" + ARC}, 2),
    # Datasets that hold nothing ran to "0 evaluated, 0 errors" and exit 0.
    Case("empty_dataset", ["run", "{dir}/exp.yaml", "--out", "{dir}/out"],
         ["{dir}/exp.yaml:4: task t: its dataset ./d.jsonl (of {dir}/t.yaml) holds no documents (an experiment must "
          "evaluate something; blank lines and a CSV header alone are no documents)"],
         {"exp.yaml": task_experiment(), "d.jsonl": "", "t.yaml": gen_task()}, 1),
    Case("blank_lines_dataset", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: task t: its dataset ./d.jsonl (of {dir}/t.yaml) holds no documents (an experiment must "
          "evaluate something; blank lines and a CSV header alone are no documents)"],
         {"exp.yaml": task_experiment(), "d.jsonl": "\n\n  \n", "t.yaml": gen_task()}, 1),
    Case("header_only_csv", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: task t: its dataset ./d.csv (of {dir}/t.yaml) holds no documents (an experiment must "
          "evaluate something; blank lines and a CSV header alone are no documents)"],
         {"exp.yaml": task_experiment(), "d.csv": "question,answer\n", "t.yaml": gen_task(dataset="./d.csv, format: csv")}, 1),
    # YAML that yaml-cpp reports badly.
    Case("unterminated_quote", ["validate", "{dir}/exp.yaml"],
         ['{dir}/exp.yaml:3: the quote " opened here is never closed (close it with " on this line)'],
         {"exp.yaml": HEAD + 'models: [{{name: "m, path: models/stories260K.gguf}}]\n' + ARC}, 1),
    Case("nested_brackets_100000", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:2: brackets are nested deeper than 64 levels (flatten the file)"],
         {"exp.yaml": "experiment: x\nmodels: " + "[" * 100000 + "]" * 100000 + "\n"}, 1),
    Case("alias_bomb", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:2: the file expands to more than 200000 values (YAML aliases used over and over?) "
          "(write the values out, without *aliases)"],
         {"exp.yaml": "experiment: x\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
             f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 8))}, 1),
    # Bounds (a case's name is in its paths: none may look like C++ library text, out_of_range).
    Case("repetitions_too_many", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:5: defaults.repetitions must be at most 1000, got 100000"],
         {"exp.yaml": HEAD + ONE_MODEL + ARC + "defaults: {{repetitions: 100000}}\n"}, 1),
    Case("name_too_long", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:1: experiment: the name has 200 bytes (use at most 128)"],
         {"exp.yaml": "experiment: " + "x" * 200 + "\ndata_dir: {data}\n" + ONE_MODEL + ARC}, 1),
    # Every problem at once: a broken model, an unknown metric and an output folder that is a file.
    Case("every_problem_at_once", ["run", "{dir}/exp.yaml", "--out", "{dir}/afile"],
         ["{dir}/exp.yaml:4: task t: {dir}/t.yaml:6: unknown metric 'rougeL' (did you mean 'rouge_l'?)",
          "{dir}/exp.yaml:3: model file: {dir}/m.gguf: is not a GGUF file (its first bytes are not 'GGUF') "
          "(convert the model to GGUF, e.g. with llama.cpp's convert_hf_to_gguf.py)",
          "--out {dir}/afile: is a file, not a folder (name a folder qualm can write to)"],
         {"exp.yaml": HEAD + "models: [{{name: m, path: {dir}/m.gguf}}]\ntasks: [{dir}/t.yaml]\n",
          "m.gguf": "not a model\n", "afile": "x\n", "d.jsonl": QA, "t.yaml": gen_task("metrics: [rougeL]\n")}, 3),
    Case("score_predictions_not_utf8", ["score", "--metric", "bleu", "--predictions", "{dir}/p.txt", "--references", "{dir}/r.txt"],
         ["{dir}/p.txt:2: not valid UTF-8 (byte 8 of the file) (convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8)"],
         {"p.txt": b"a cat\nb \xffd\n", "r.txt": "a cat\nb d\n"}),
    Case("generate_prompts_not_utf8", ["generate", "--model", str(MODEL), "-f", "{dir}/p.txt", "-n", "2"],
         ["{dir}/p.txt:2: not valid UTF-8 (byte 6 of the file) (convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8)"],
         {"p.txt": b"hello\n\xffbad\n"}),
    # Found by fuzzing: a number too large for a double, and a resumed record without its keys.
    Case("dataset_number_overflow", ["validate", "{dir}/exp.yaml"],
         ["{dir}/exp.yaml:4: task t: ./d.jsonl:1: not valid JSON: number overflow parsing '1e99999' (each line of a "
          '.jsonl file holds one JSON object, e.g. {{"question": "..."}})'],
         {"exp.yaml": task_experiment(), "d.jsonl": '{{"question": "q", "answer": 1e99999}}\n', "t.yaml": gen_task()}, 1),
    Case("resume_record_without_its_keys", ["run", "{dir}/exp.yaml", "--out", "{dir}/run", "--resume"],
         ['{dir}/run/samples.jsonl:1: the record has no "run_id" (samples.jsonl is written by qualm; restore the '
          "line, or start a new run without --resume)"],
         {"exp.yaml": HEAD + ONE_MODEL + ARC, "run/manifest.json": lambda fmt: resumable_run(fmt).replace("{", "{{").replace("}", "}}"),
          "run/samples.jsonl": '{{"model": "m", "variant": "x"}}\n'}),
    # qualm report on a corrupt run printed [json.exception.parse_error.101].
    Case("report_corrupt_samples", ["report", "{dir}/run"],
         ["{dir}/run/samples.jsonl:1: not a JSON record: line 1, column 2: syntax error while parsing object key - "
          "invalid literal; last read: '{{b'; expected string literal (remove the line, or start a new run without "
          "--resume)"],
         {"run/samples.jsonl": '{{broken\n{{"model": "m"}}\n'}),
    Case("report_corrupt_manifest", ["report", "{dir}/run"],
         ["{dir}/run/manifest.json: not valid JSON: line 1, column 2: syntax error while parsing object key - invalid "
          "literal; last read: '{{b'; expected string literal (rerun qualm run --resume to rewrite it)"],
         {"run/samples.jsonl": "", "run/manifest.json": "{{bad\n"}),
]


class LimitsAreDocumented(unittest.TestCase):
    def test_readme_lists_every_range_of_bounds_h(self):
        import re
        from qualm_e2e import SOURCE
        header = (SOURCE / "src" / "config" / "bounds.h").read_text()
        readme = (SOURCE / "README.md").read_text()
        ranges = re.findall(r'Range k\w+\{"([^"]+)", ([^,]+), ([^}]+)\}', header)
        self.assertGreater(len(ranges), 8)
        for what, low, high in ranges:
            row = f"| {what} | {eval(low)} to {eval(high)} |"  # the values are integer expressions (1 << 30)
            self.assertIn(row, readme, f"README's Limits table lacks {what}")


def mount_tmpfs(path, options):
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    return proc.returncode == 0, proc.stderr.strip()


class BadExperiment(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = Path(cls.tmp.name)
        cls.mounted = []

    @classmethod
    def tearDownClass(cls):
        for path in cls.mounted:
            subprocess.run(["umount", str(path)], check=False)
        cls.tmp.cleanup()

    def check(self, case):
        d = self.root / case.name
        d.mkdir()
        fmt = {"dir": d, "data": DATA, "fixtures": FIXTURES}
        for name, content in case.files.items():
            path = d / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content = content(fmt)
            path.write_bytes(content if isinstance(content, bytes) else content.format(**fmt).encode())
        for name, how in case.mounts.items():
            ok, why = mount_tmpfs(d / name, "size=1m,ro" if how == "ro" else f"size={how}")
            if not ok:
                self.skipTest(f"cannot mount a read-only tmpfs here ({why}): run as root with CAP_SYS_ADMIN")
            self.mounted.append(d / name)
        before = sorted(p.relative_to(d) for p in d.rglob("*"))
        proc = run([QUALM, *[a.format(**fmt) for a in case.args]], check=False)
        self.assertEqual(proc.returncode, 2, f"exit {proc.returncode}\n{proc.stderr}")
        want = [line.format(**fmt) for line in case.lines]
        if case.problems:
            want.append(SUMMARY.format(dir=d, n=case.problems))
        got = [line.removeprefix("qualm: error: ") for line in proc.stderr.splitlines() if line.strip()]
        self.assertEqual(sorted(got), sorted(want))
        self.assertEqual(proc.stdout, "")
        self.assertEqual(sorted(p.relative_to(d) for p in d.rglob("*")), before, "a refused command left files")


def add_case(case):
    setattr(BadExperiment, f"test_{case.name}", lambda self: self.check(case))


for _case in CASES:
    add_case(_case)


if __name__ == "__main__":
    unittest.main(verbosity=2)
