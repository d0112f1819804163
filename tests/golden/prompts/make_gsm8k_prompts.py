#!/usr/bin/env python3
"""Goldens for gsm8k and gsm8k_cot: the prompts lm-evaluation-harness builds for the first 20
test documents, written from lm-eval's task definitions transcribed here (not qualm's task files).

lm-eval's prompt (api/task.py fewshot_context, samplers.py): description + for each shot
doc_to_text(shot) + target_delimiter + doc_to_target(shot) + fewshot_delimiter, then
doc_to_text(doc); target_delimiter " ", fewshot_delimiter "\\n\\n".

- gsm8k (gsm8k.yaml, metadata version 3.0): doc_to_text "Question: {{question}}\\nAnswer:",
  doc_to_target "{{answer}}", 5 shots. lm-eval draws them from the train split, which the
  shared data lacks; qualm draws them from the test split. The golden takes them first_n from the
  test split, skipping the document itself, and the test renders qualm's task with that sampler:
  the format is lm-eval's, the choice of shots qualm's own (tested apart, on multiple choice).
- gsm8k_cot (gsm8k-cot.yaml, metadata version 3.0): its YAML below, parsed by PyYAML as lm-eval
  parses it: doc_to_text 'Q: {{question}}\\n\\n  A:' folds to "Q: {question}\\nA:", 8 fixed
  exemplars first_n, each shot's target the exemplar's `target`.

The golden holds each prompt's SHA-256 and length, and each reference, not the prompts: the
repository keeps no copy of the shared data. `--text` prints the prompts themselves, to see a
difference.

Run: python3 tests/golden/prompts/make_gsm8k_prompts.py DATA_DIR > tests/golden/prompts/gsm8k_prompts.json
"""
import hashlib
import json
import os
import sys

import yaml

N = 20

GSM8K_COT_YAML = r"""
doc_to_text: 'Q: {{question}}

  A:'
fewshot_config:
  sampler: first_n
  samples:
  - question: There are 15 trees in the grove. Grove workers will plant trees in the
      grove today. After they are done, there will be 21 trees. How many trees did
      the grove workers plant today?
    target: There are 15 trees originally. Then there were 21 trees after some more
      were planted. So there must have been 21 - 15 = 6. The answer is 6.
  - question: If there are 3 cars in the parking lot and 2 more cars arrive, how many
      cars are in the parking lot?
    target: There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer
      is 5.
  - question: Leah had 32 chocolates and her sister had 42. If they ate 35, how many
      pieces do they have left in total?
    target: Originally, Leah had 32 chocolates. Her sister had 42. So in total they
      had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39.
  - question: Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12
      lollipops. How many lollipops did Jason give to Denny?
    target: Jason started with 20 lollipops. Then he had 12 after giving some to Denny.
      So he gave Denny 20 - 12 = 8. The answer is 8.
  - question: Shawn has five toys. For Christmas, he got two toys each from his mom and
      dad. How many toys does he have now?
    target: Shawn started with 5 toys. If he got 2 toys each from his mom and dad,
      then that is 4 more toys. 5 + 4 = 9. The answer is 9.
  - question: There were nine computers in the server room. Five more computers were
      installed each day, from monday to thursday. How many computers are now in the
      server room?
    target: There were originally 9 computers. For each of 4 days, 5 more computers
      were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is
      29.
  - question: Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday,
      he lost 2 more. How many golf balls did he have at the end of wednesday?
    target: Michael started with 58 golf balls. After losing 23 on tuesday, he had
      58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer
      is 33.
  - question: Olivia has $23. She bought five bagels for $3 each. How much money does
      she have left?
    target: Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15
      dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8.
"""


def gsm8k(rows):
    def text(d):
        return f"Question: {d['question']}\nAnswer:"

    out = []
    for i, doc in enumerate(rows[:N]):
        shots = [s for j, s in enumerate(rows) if j != i][:5]
        context = "".join(text(s) + " " + s["answer"] + "\n\n" for s in shots)
        out.append({"prompt": context + text(doc), "reference": doc["answer"]})
    return out


def gsm8k_cot(rows):
    config = yaml.safe_load(GSM8K_COT_YAML)
    template = config["doc_to_text"]
    assert template == "Q: {{question}}\nA:"

    def text(d):
        return template.replace("{{question}}", d["question"])

    shots = config["fewshot_config"]["samples"]
    context = "".join(text(s) + " " + s["target"] + "\n\n" for s in shots)
    return [{"prompt": context + text(doc), "reference": doc["answer"].split("####")[-1].strip()} for doc in rows[:N]]


def digest(prompts):
    return [{"sha256": hashlib.sha256(p["prompt"].encode("utf-8")).hexdigest(), "bytes": len(p["prompt"].encode("utf-8")),
             "reference_sha256": hashlib.sha256(p["reference"].encode("utf-8")).hexdigest()} for p in prompts]


if __name__ == "__main__":
    with open(os.path.join(sys.argv[1], "datasets/gsm8k/test.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    tasks = {"gsm8k": gsm8k(rows), "gsm8k_cot": gsm8k_cot(rows)}
    if "--text" in sys.argv:
        json.dump(tasks, sys.stdout, ensure_ascii=False, indent=1)
    else:
        json.dump({name: digest(p) for name, p in tasks.items()}, sys.stdout, indent=1)
    sys.stdout.write("\n")
