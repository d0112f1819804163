"""qualm score end to end: BLEU against NLTK's corpus_bleu and sentence_bleu, the Porter
stemmer against NLTK's PorterStemmer, ROUGE-L/Lsum, sacreBLEU and chrF against small Python
transcriptions of rouge-score's and sacrebleu's code (written here, independent of qualm),
file formats, and bad input (exit 2, one message)."""

import os
import sys

try:
    import nltk  # noqa: F401  (Debian's python3-nltk)
except ImportError:
    # Debian installs python3-nltk for /usr/bin/python3; ctest may have found another Python.
    SYSTEM_PYTHON = "/usr/bin/python3"
    if (not os.environ.get("QUALM_SCORE_REEXEC") and os.path.exists(SYSTEM_PYTHON)
            and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)):
        os.execve(SYSTEM_PYTHON, [SYSTEM_PYTHON, "-B", *sys.argv], dict(os.environ, QUALM_SCORE_REEXEC="1"))
    print("SKIPPED: NLTK is missing (apt-get install python3-nltk)")
    sys.exit(77)

import collections
import inspect
import json
import math
import re
import unittest
import warnings

from nltk.stem.porter import PorterStemmer
from nltk.translate import bleu_score

from qualm_e2e import QUALM, TempDirCase, run

# BLEU pairs: plain lowercase words, so that 13a tokenization is the identity and NLTK sees
# the same tokens. Every hypothesis has at least 4 words (NLTK counts at least 1 n-gram per
# sentence where compute_bleu counts none), and where a pair has two references NLTK's
# closest reference length (ties to the shorter) is also the shortest, compute_bleu's choice.
BLEU_PAIRS = [
    ("the cat sat on the mat", ["the cat is on the mat"]),
    ("there is a cat on the mat", ["there is a cat on the mat today", "a cat is on the mat over there"]),
    ("a quick brown fox jumps over the lazy dog", ["the quick brown fox jumps over the lazy dog"]),
    ("it is a guide to action which ensures that the military always obeys the commands of the party",
     ["it is a guide to action that ensures that the military will forever heed party commands"]),
    ("he read the book because he was interested in world history",
     ["he was interested in world history because he read the book"]),
    ("the weather is nice today and we go out", ["today the weather is nice so we will go outside"]),
    ("i have a pen and an apple", ["i have an apple and a pen"]),
    ("we need more data to train the model", ["more data is needed to train the model well"]),
    ("the model predicts the next word", ["the model predicts the next token in the sequence"]),
    ("this is a test of the system", ["this is only a test of the emergency broadcast system"]),
    ("she sells sea shells by the sea shore", ["she sells sea shells on the sea shore"]),
    ("the results show a small but clear gain", ["results show a clear but small gain",
                                                 "the results show a small and clear gain overall"]),
    ("one two three four five six", ["one two three four five six"]),
    ("one two three four", ["four three two one"]),
    ("the the the the the the the", ["the cat is on the mat"]),
    ("please open the window before you leave", ["open the window please before you leave the room"]),
    ("the train arrives at noon on monday", ["on monday the train arrives at noon"]),
    ("our team won the final game last night", ["last night our team won the final game",
                                                "our team won the last game of the final night"]),
    ("cats and dogs are common pets", ["dogs and cats are the most common pets"]),
    ("water boils at one hundred degrees", ["water boils at one hundred degrees celsius at sea level"]),
]

# Words for the stemmer: each rule of the paper and NLTK's extensions, then everyday words.
STEM_WORDS = """
caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled
sized hopping tanned falling hissing fizzed failing filing happy skies dying lying tying news
innings outings cannings howe proceed exceed succeed relational conditional rational valenci
hesitanci digitizer conformabli radicalli differentli vileli analogousli vietnamization
predication operator feudalism decisiveness hopefulness callousness formaliti sensitiviti
sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival
allowance inference airliner gyroscopic adjustable defensible irritant replacement adjustment
dependent adoption homologou communism activate angulariti homologous effective bowdlerize
probate rate cease controll roll generalization generalizations oscillators running enjoy spied
flies tried analogi fulli archaeology theology biology ideology syzygy toys boys played playing
studies studying agreement abilities ability possibly possible responsibility generously
national nationality nationalism organization organizations organizer organizing hopping
hoping hoped quickly quickness happiness happily computer computing computation computational
connection connections connective connected connecting connects argued arguing argument
arguments alliance really finally naturally totally traditional traditionally professional
university universal universe conditionally meeting meetings generate generates generated
generating generation generative feeling feelings sensational sensation fishing fished fishes
swimming swimmer swims swam agreeing disagreed decided deciding decision decisions
relativity relative relate related relating relation relations hesitate hesitated hesitation
""".split()

MIN_WORDS_FROM_NLTK = 1000


def nltk_source_words():
    """Every lowercase word of a few NLTK modules' source: a long list of real English."""
    from nltk.stem import porter, snowball, wordnet
    from nltk.translate import bleu_score as bleu_module
    text = "".join(inspect.getsource(m) for m in (porter, snowball, wordnet, bleu_module))
    return sorted(set(w for w in re.findall(r"[a-z]+", text.lower())))


# --- Transcriptions of the reference implementations (rouge-score 0.1.2, sacrebleu 2.x) ---

def tokenize_13a(line):
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, repl in [(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])", r" \1 "), (r"([^0-9])([\.,])", r"\1 \2 "),
                          (r"([\.,])([^0-9])", r" \1 \2"), (r"([0-9])(-)", r"\1 \2 ")]:
        line = re.sub(pattern, repl, line)
    return " ".join(line.split())


def word_ngrams(words, max_order=4):
    return collections.Counter(tuple(words[i:i + n]) for n in range(1, max_order + 1)
                               for i in range(len(words) - n + 1))


def sacrebleu_corpus(hyps, refs_per_hyp):
    sys_len = ref_len = 0
    correct, total = [0] * 4, [0] * 4
    for hyp, refs in zip(hyps, refs_per_hyp):
        h = tokenize_13a(hyp.rstrip()).split()
        rs = [tokenize_13a(r.rstrip()).split() for r in refs]
        sys_len += len(h)
        ref_len += min((abs(len(h) - len(r)), len(r)) for r in rs)[1]
        merged = collections.Counter()
        for r in rs:
            merged |= word_ngrams(r)
        for ngram, count in word_ngrams(h).items():
            correct[len(ngram) - 1] += min(count, merged[ngram])
            total[len(ngram) - 1] += count
    bp = 1.0 if sys_len >= ref_len else (math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0)
    precisions = [0.0] * 4
    if not any(correct):
        return 0.0, precisions, bp, sys_len, ref_len
    smooth = 1.0
    for n in range(4):
        if total[n] == 0:
            break
        if correct[n] == 0:
            smooth *= 2
            precisions[n] = 100.0 / (smooth * total[n])
        else:
            precisions[n] = 100.0 * correct[n] / total[n]
    score = bp * math.exp(sum(math.log(p) if p > 0 else -9999999999 for p in precisions) / 4)
    return score, precisions, bp, sys_len, ref_len


def chrf_stats(hyp, ref):
    h, r = "".join(hyp.split()), "".join(ref.split())
    stats = []
    for n in range(1, 7):
        hc = collections.Counter(h[i:i + n] for i in range(len(h) - n + 1))
        rc = collections.Counter(r[i:i + n] for i in range(len(r) - n + 1))
        stats += [sum(hc.values()) if rc else 0, sum(rc.values()), sum((hc & rc).values())]
    return stats


def chrf_score(stats, beta=2):
    p = r = 0.0
    order = 0
    for n in range(6):
        nh, nr, nm = stats[3 * n:3 * n + 3]
        if nh > 0 and nr > 0:
            p += nm / nh
            r += nm / nr
            order += 1
    if order == 0:
        return 0.0
    p, r = p / order, r / order
    return 100 * (1 + beta ** 2) * p * r / (beta ** 2 * p + r) if p + r else 0.0


def chrf_corpus(hyps, refs_per_hyp):
    total = [0] * 18
    for hyp, refs in zip(hyps, refs_per_hyp):
        best, best_f = None, -1.0
        for ref in refs:
            s = chrf_stats(hyp, ref)
            if chrf_score(s) > best_f:
                best, best_f = s, chrf_score(s)
        total = [a + b for a, b in zip(total, best)]
    return chrf_score(total)


STEMMER = PorterStemmer()


def rouge_tokens(text, stem):
    tokens = re.split(r"\s+", re.sub(r"[^a-z0-9]+", " ", text.lower()))
    if stem:
        tokens = [STEMMER.stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if re.match(r"^[a-z0-9]+$", t)]


def lcs_table(ref, can):
    t = [[0] * (len(can) + 1) for _ in range(len(ref) + 1)]
    for i in range(1, len(ref) + 1):
        for j in range(1, len(can) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if ref[i - 1] == can[j - 1] else max(t[i - 1][j], t[i][j - 1])
    return t


def fmeasure(p, r):
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def rouge_l(pred, target, stem):
    p, t = rouge_tokens(pred, stem), rouge_tokens(target, stem)
    if not p or not t:
        return 0.0, 0.0, 0.0
    lcs = lcs_table(t, p)[-1][-1]
    return lcs / len(p), lcs / len(t), fmeasure(lcs / len(p), lcs / len(t))


def rouge_lsum(pred, target, stem):
    refs = [rouge_tokens(s, stem) for s in target.split("\n") if len(s)]
    cans = [rouge_tokens(s, stem) for s in pred.split("\n") if len(s)]
    m, n = sum(map(len, refs)), sum(map(len, cans))
    if not refs or not cans or not m or not n:
        return 0.0, 0.0, 0.0
    count_r, count_c = collections.Counter(), collections.Counter()
    for s in refs:
        count_r.update(s)
    for s in cans:
        count_c.update(s)
    hits = 0
    for r in refs:
        union = set()
        for c in cans:
            t, i, j = lcs_table(r, c), len(r), len(c)
            while i > 0 and j > 0:
                if r[i - 1] == c[j - 1]:
                    union.add(i - 1)
                    i, j = i - 1, j - 1
                elif t[i][j - 1] > t[i - 1][j]:
                    j -= 1
                else:
                    i -= 1
        for k in sorted(union):
            if count_c[r[k]] > 0 and count_r[r[k]] > 0:
                hits += 1
                count_c[r[k]] -= 1
                count_r[r[k]] -= 1
    return hits / n, hits / m, fmeasure(hits / n, hits / m)


class Score(TempDirCase):
    def write_lines(self, name, lines):
        path = self.dir / name
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    def write_jsonl(self, name, texts):
        path = self.dir / name
        path.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
        return path

    def score(self, metric, preds, *refs, extra=()):
        args = [QUALM, "score", "--metric", metric, "--predictions", preds, *extra, "--json"]
        for r in refs:
            args += ["--references", r]
        return json.loads(run(args).stdout)

    def bleu_files(self):
        preds = self.write_lines("bleu_pred.txt", [p for p, _ in BLEU_PAIRS])
        first = self.write_lines("bleu_ref1.txt", [r[0] for _, r in BLEU_PAIRS])
        # A second reference where the pair has one; otherwise the first again (no effect on
        # clipping, and the shortest length stays the same).
        second = self.write_lines("bleu_ref2.txt", [r[-1] for _, r in BLEU_PAIRS])
        return preds, first, second

    def test_bleu_matches_nltk_corpus_bleu(self):
        preds, first, second = self.bleu_files()
        out = self.score("bleu", preds, first, second)
        hyps = [p.split() for p, _ in BLEU_PAIRS]
        refs = [[r.split() for r in rs] for _, rs in BLEU_PAIRS]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NLTK warns about sentences without 4-gram matches
            expected = bleu_score.corpus_bleu(refs, hyps)
            sentence = [bleu_score.sentence_bleu(r, h) for r, h in zip(refs, hyps)]
        print(f"\nbleu: qualm {out['score']!r}, nltk corpus_bleu {expected!r}, "
              f"|diff| {abs(out['score'] - expected):.3g}")
        self.assertGreater(expected, 0.2)
        self.assertAlmostEqual(out["score"], expected, delta=1e-9)
        self.assertEqual(out["n"], len(BLEU_PAIRS))
        self.assertEqual(out["sys_len"], sum(len(h) for h in hyps))
        shortest = sum(min(len(x) for x in r) for r in refs)
        self.assertEqual(shortest, sum(bleu_score.closest_ref_length(r, len(h)) for r, h in zip(refs, hyps)))
        self.assertEqual(out["ref_len"], shortest)
        self.assertAlmostEqual(out["bp"], bleu_score.brevity_penalty(out["ref_len"], out["sys_len"]), delta=1e-12)
        for n in range(1, 5):
            num = den = 0
            for r, h in zip(refs, hyps):
                p = bleu_score.modified_precision(r, h, n)
                num, den = num + p.numerator, den + p.denominator
            self.assertAlmostEqual(out["precisions"][n - 1], num / den, delta=1e-12)
        worst = max(abs(a - b) for a, b in zip(out["per_sample"], sentence))
        print(f"bleu: per-sample vs nltk sentence_bleu, max |diff| {worst:.3g} over {len(sentence)} sentences")
        self.assertLess(worst, 1e-9)
        self.assertTrue(any(s == 0 for s in out["per_sample"]) and any(s > 0.5 for s in out["per_sample"]))

    def test_porter_stems_match_nltk(self):
        words = STEM_WORDS + [w for w in nltk_source_words() if w not in STEM_WORDS]
        self.assertGreater(len(words), MIN_WORDS_FROM_NLTK)
        path = self.write_lines("words.txt", words)
        proc = run([QUALM, "score", "--metric", "rouge_l", "--stemmer", "--show-tokens", "--predictions", path])
        got = proc.stdout.split("\n")[:-1]
        expected = [STEMMER.stem(w) if len(w) > 3 else w for w in words]
        wrong = [(w, g, e) for w, g, e in zip(words, got, expected) if g != e]
        print(f"\nporter: {len(words) - len(wrong)}/{len(words)} words stem as NLTK {nltk.__version__} does")
        self.assertEqual(len(got), len(words))
        self.assertEqual(wrong, [])

    def test_rouge_matches_transcription(self):
        preds = ["The cats were running quickly to the garden.", "A generalization of national ideas",
                 "Nothing in common here", "", "repeated words repeated words repeated"]
        refs = ["the cat runs quick to a garden", "generalizations about nationalism and ideas",
                "completely different", "something", "words repeated"]
        p, r = self.write_lines("rp.txt", preds), self.write_lines("rr.txt", refs)
        for stem in (False, True):
            out = self.score("rouge_l", p, r, extra=["--stemmer"] if stem else [])
            scores = [rouge_l(a, b, stem) for a, b in zip(preds, refs)]
            for key, k in (("precision", 0), ("recall", 1), ("f1", 2)):
                self.assertAlmostEqual(out[key], sum(s[k] for s in scores) / len(scores), delta=1e-12)
            self.assertEqual(out["use_stemmer"], stem)

        # Multi-line texts through JSONL: rouge_lsum's sentences are the lines.
        lsum_preds = ["w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", "b a", "the cat sat\non the mat\n\nend"]
        lsum_refs = ["w1 w2 w3 w4 w5", "a b\nb", "the cat\nsat on a mat"]
        pj, rj = self.write_jsonl("lp.jsonl", lsum_preds), self.dir / "lr.jsonl"
        rj.write_text("".join(json.dumps({"text": t, "id": i}) + "\n\n" for i, t in enumerate(lsum_refs)))
        out = self.score("rouge_lsum", pj, rj)
        expected = [rouge_lsum(a, b, False)[2] for a, b in zip(lsum_preds, lsum_refs)]
        self.assertEqual(out["n"], 3)
        for got, want in zip(out["per_sample"], expected):
            self.assertAlmostEqual(got, want, delta=1e-12)

    SACRE_HYPS = ["The cat sat on the mat.", "It's 3.14 -- or 1,000 -- isn't it?", "Hello, world! (again)",
                  "A short one", "Nothing matches", "Das ist ein Haus & ein Garten.", "x"]
    SACRE_REFS = [["The cat is on the mat.", "A cat sat on a mat!"],
                  ["It is 3.14 -- or 1,000 -- is it not?", "It's 3.14, or 1,000, isn't it?"],
                  ["Hello world, again!", "Hello , world ! ( again )"],
                  ["A much longer reference than the hypothesis", "A short one indeed"],
                  ["Completely different words", "Still different"],
                  ["Das ist ein Haus &amp; ein Garten.", "Dies ist ein Haus"],
                  ["x", "y"]]

    def sacre_files(self):
        hyps = self.write_lines("sh.txt", self.SACRE_HYPS)
        r1 = self.write_lines("sr1.txt", [r[0] for r in self.SACRE_REFS])
        r2 = self.write_lines("sr2.txt", [r[1] for r in self.SACRE_REFS])
        return hyps, r1, r2

    def test_sacrebleu_matches_transcription(self):
        hyps, r1, r2 = self.sacre_files()
        out = self.score("sacrebleu", hyps, r1, r2)
        score, precisions, bp, sys_len, ref_len = sacrebleu_corpus(self.SACRE_HYPS, self.SACRE_REFS)
        print(f"\nsacrebleu: qualm {out['score']!r}, transcription {score!r}")
        self.assertAlmostEqual(out["score"], score, delta=1e-9)
        self.assertEqual(out["scale"], 100)
        for got, want in zip(out["precisions"], precisions):
            self.assertAlmostEqual(got, want, delta=1e-9)
        self.assertEqual((out["sys_len"], out["ref_len"]), (sys_len, ref_len))
        self.assertAlmostEqual(out["bp"], bp, delta=1e-12)
        for got, hyp, refs in zip(out["per_sample"], self.SACRE_HYPS, self.SACRE_REFS):
            self.assertAlmostEqual(got, sacrebleu_corpus([hyp], [refs])[0], delta=1e-9)
        text = run([QUALM, "score", "--metric", "sacrebleu", "--predictions", hyps, "--references", r1,
                    "--references", r2]).stdout
        prec = "/".join(f"{p:.1f}" for p in precisions)
        self.assertEqual(text.strip(), f"BLEU = {score:.2f} {prec} (BP = {bp:.3f} ratio = {sys_len / ref_len:.3f} "
                                       f"hyp_len = {sys_len} ref_len = {ref_len})")

    def test_chrf_matches_transcription(self):
        hyps, r1, r2 = self.sacre_files()
        out = self.score("chrf", hyps, r1, r2)
        expected = chrf_corpus(self.SACRE_HYPS, self.SACRE_REFS)
        print(f"\nchrf: qualm {out['score']!r}, transcription {expected!r}")
        self.assertAlmostEqual(out["score"], expected, delta=1e-9)
        one_ref = self.score("chrf", hyps, r1)
        self.assertAlmostEqual(one_ref["score"], chrf_corpus(self.SACRE_HYPS, [[r[0]] for r in self.SACRE_REFS]),
                               delta=1e-9)
        # Code points, not bytes.
        u_hyps, u_refs = ["naïve café", "日本語です"], ["naive cafe", "日本語"]
        u = self.score("chrf", self.write_lines("uh.txt", u_hyps), self.write_lines("ur.txt", u_refs))
        self.assertAlmostEqual(u["score"], chrf_corpus(u_hyps, [[r] for r in u_refs]), delta=1e-9)
        text = run([QUALM, "score", "--metric", "chrf", "--predictions", hyps, "--references", r1,
                    "--references", r2]).stdout
        self.assertEqual(text.strip(), f"chrF2 = {expected:.2f}")

    def test_simple_metrics(self):
        p = self.write_lines("ep.txt", ["  Paris ", "Paris.", "the the the the the", "one two"])
        r = self.write_lines("er.txt", ["paris", "paris", "the", "one two three four"])
        self.assertEqual(self.score("exact_match", p, r)["per_sample"], [1.0, 0.0, 0.0, 0.0])
        self.assertEqual(self.score("exact_match", p, r, extra=["--ignore-punctuation"])["per_sample"],
                         [1.0, 1.0, 0.0, 0.0])
        self.assertEqual(self.score("output_length", p, r)["per_sample"], [1.0, 1.0, 0.2, 0.5])
        # distinct / all word 4-grams; under 8 words no value (too short for a 4-gram to repeat).
        rp = self.write_lines("rp.txt", ["the the the the the the the the", "one two three four five six seven eight",
                                         "a b c d a b c d", "one two three four"])
        rep = self.score("repetition", rp)
        self.assertEqual(rep["per_sample"], [0.2, 1.0, 0.8, None])
        self.assertAlmostEqual(rep["score"], (0.2 + 1.0 + 0.8) / 3, places=12)

    def refused(self, args, *needles):
        proc = run([QUALM, "score", *args], check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        for n in needles:
            self.assertIn(n, proc.stderr)

    def test_bad_input(self):
        p = self.write_lines("bp.txt", ["a", "b", "c"])
        r = self.write_lines("br.txt", ["a", "b"])
        self.refused(["--metric", "bleu", "--predictions", p, "--references", r],
                     str(p), str(r), "3 texts", "2 texts")
        self.refused(["--metric", "rouge", "--predictions", p, "--references", p], "did you mean rouge_l?",
                     "sacrebleu", "chrf")
        for metric in ("bertscore", "coherence"):
            self.refused(["--metric", metric, "--predictions", p, "--references", p], "embedding model")
        self.refused(["--metric", "bleu", "--predictions", p], "--references")
        self.refused(["--metric", "bleu", "--predictions", p, "--references", p, "--stemmer"], "rouge_l")
        bad = self.dir / "bad.jsonl"
        bad.write_text('"fine"\n{"txt": "no"}\n')
        self.refused(["--metric", "bleu", "--predictions", bad, "--references", bad], f"{bad}:2", '"text"')
        self.refused(["--metric", "bleu", "--predictions", self.dir / "missing.txt", "--references", p],
                     "missing.txt")


if __name__ == "__main__":
    unittest.main()
