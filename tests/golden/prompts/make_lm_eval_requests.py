#!/usr/bin/env python3
"""Goldens for boolq, sst2 and winogrande: the (context, continuation) requests
lm-evaluation-harness builds for the first 20 documents of each, written from the shared data
by lm-eval's own task definitions transcribed here (not qualm's task files):

- boolq (super_glue/boolq/default.yaml): "{{passage}}\\nQuestion: {{question}}?\\nAnswer:",
  choices ["no", "yes"], target_delimiter " ". The data's `query` is llm-foundry's
  "Passage: {passage}\\nQuestion: {question}?", split back into passage and question here.
- sst2 (glue/sst2/default.yaml): "{{sentence}}\\nQuestion: Is this sentence positive or
  negative?\\nAnswer:", choices ["negative", "positive"].
- winogrande (winogrande/preprocess_winogrande.py, multiple inputs): the HF row (sentence with
  "_", option1, option2) rebuilt from llm-foundry's {context_options, continuation}; each
  request is (sentence[:i] + option, " " + sentence[i+1:].strip()), i the blank's index.

Run: python3 tests/golden/prompts/make_lm_eval_requests.py DATA_DIR > tests/golden/prompts/lm_eval_requests.json
"""
import csv
import json
import os
import sys

N = 20


def boolq(data):
    out = []
    with open(os.path.join(data, "datasets/boolq/boolq.jsonl"), encoding="utf-8") as f:
        for line in list(f)[:N]:
            row = json.loads(line)
            query = row["query"]
            assert query.startswith("Passage: ") and query.endswith("?")
            cut = query.rindex("\nQuestion: ")
            passage, question = query[len("Passage: "):cut], query[cut + len("\nQuestion: "):-1]
            context = f"{passage}\nQuestion: {question}?\nAnswer:"
            out.append({"requests": [[context, " " + c] for c in ["no", "yes"]], "gold": row["gold"]})
    return out


def sst2(data):
    out = []
    with open(os.path.join(data, "datasets/sst2/dev.tsv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:N]
    for row in rows:
        context = f"{row['sentence']}\nQuestion: Is this sentence positive or negative?\nAnswer:"
        out.append({"requests": [[context, " " + c] for c in ["negative", "positive"]], "gold": int(row["label"])})
    return out


def winogrande(data):
    out = []
    with open(os.path.join(data, "datasets/winogrande/winogrande.jsonl"), encoding="utf-8") as f:
        for line in list(f)[:N]:
            row = json.loads(line)
            a, b = row["context_options"]
            k = 0
            while k < min(len(a), len(b)) and a[k] == b[k]:
                k += 1
            k = a.rfind(" ", 0, k) + 1  # the options are whole words
            sentence = a[:k] + "_ " + row["continuation"]
            option1, option2 = a[k:], b[k:]
            blank = sentence.index("_")
            target = sentence[blank + 1:].strip()
            contexts = [sentence[:blank] + option for option in (option1, option2)]
            out.append({"requests": [[c, " " + target] for c in contexts], "gold": row["gold"]})
    return out


if __name__ == "__main__":
    data = sys.argv[1]
    json.dump({"boolq": boolq(data), "sst2": sst2(data), "winogrande": winogrande(data)}, sys.stdout,
              ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
