"""A small reference of the Hugging Face `tokenizers` BPE pipeline, for tokenizer.json files of
the shape TinyStories-656K ships (and nothing else: any other shape is refused):

- normalizer: Sequence[Prepend "▁", Replace " " -> "▁"] (Prepend only touches a non-empty text)
- pre_tokenizer: none, so the whole normalized text is one "word" and merges may cross "▁"
- model: BPE without dropout, continuing_subword_prefix or end_of_word_suffix. The word starts
  as one symbol per character; a character missing from the vocabulary goes through
  byte_fallback (its UTF-8 bytes as <0xXX> tokens, when *all* of them are in the vocabulary),
  else becomes unk_token, and with fuse_unk a run of adjacent unknown characters becomes a single
  unk. Then merges apply by rank: repeatedly the adjacent pair of lowest rank (the leftmost one
  among equal ranks) is replaced by its merged token, until no adjacent pair has a merge.
- post_processor: TemplateProcessing "single" = [special token, $A] (BOS first), or none.

Added tokens (e.g. "<unk>", "<|start_story|>") are special-cased by HF before the model runs; a
text containing one is refused here rather than split.
"""

import heapq
import json
from pathlib import Path


class UnsupportedTokenizer(ValueError):
    pass


class HFBPETokenizer:
    def __init__(self, path):
        path = Path(path)
        if path.is_dir():
            path = path / "tokenizer.json"
        self.path = path
        t = json.loads(path.read_text(encoding="utf-8"))
        self._check_normalizer(t.get("normalizer"))
        if t.get("pre_tokenizer") is not None:
            raise UnsupportedTokenizer(f"{path}: pre_tokenizer {t['pre_tokenizer'].get('type')!r}; only none is supported")
        m = t.get("model") or {}
        if m.get("type") != "BPE":
            raise UnsupportedTokenizer(f"{path}: model type {m.get('type')!r}; only BPE is supported")
        if m.get("dropout") not in (None, 0, 0.0):
            raise UnsupportedTokenizer(f"{path}: BPE dropout is not supported")
        if m.get("continuing_subword_prefix") or m.get("end_of_word_suffix"):
            raise UnsupportedTokenizer(f"{path}: continuing_subword_prefix/end_of_word_suffix are not supported")
        if m.get("ignore_merges"):
            raise UnsupportedTokenizer(f"{path}: ignore_merges is not supported")
        self.vocab = dict(m["vocab"])
        self.id_to_token = {i: s for s, i in self.vocab.items()}
        self.unk_token = m.get("unk_token")
        self.unk_id = self.vocab.get(self.unk_token) if self.unk_token is not None else None
        self.fuse_unk = bool(m.get("fuse_unk", False))
        self.byte_fallback = bool(m.get("byte_fallback", False))
        self.merges = {}  # (left id, right id) -> (rank, merged id)
        for rank, merge in enumerate(m.get("merges", [])):
            a, b = merge.split(" ") if isinstance(merge, str) else merge
            merged = a + b
            if a not in self.vocab or b not in self.vocab or merged not in self.vocab:
                raise UnsupportedTokenizer(f"{path}: merge {rank} ({a!r}, {b!r}) names a token missing from the vocabulary")
            self.merges.setdefault((self.vocab[a], self.vocab[b]), (rank, self.vocab[merged]))
        self.added = [a["content"] for a in t.get("added_tokens", [])]
        self.prefix = self._check_post_processor(t.get("post_processor"))

    def _check_normalizer(self, n):
        ok = (n is not None and n.get("type") == "Sequence" and len(n.get("normalizers", [])) == 2
              and n["normalizers"][0] == {"type": "Prepend", "prepend": "▁"}
              and n["normalizers"][1].get("type") == "Replace"
              and n["normalizers"][1].get("pattern") == {"String": " "}
              and n["normalizers"][1].get("content") == "▁")
        if not ok:
            raise UnsupportedTokenizer(f"{self.path}: normalizer {json.dumps(n)[:200]}; only "
                                       "Sequence[Prepend '▁', Replace ' ' -> '▁'] is supported")

    def _check_post_processor(self, p):
        if p is None:
            return []
        if p.get("type") != "TemplateProcessing":
            raise UnsupportedTokenizer(f"{self.path}: post_processor {p.get('type')!r}; only TemplateProcessing is supported")
        prefix, seen_a = [], False
        for piece in p["single"]:
            if "Sequence" in piece:
                if piece["Sequence"]["id"] != "A":
                    raise UnsupportedTokenizer(f"{self.path}: template sequence {piece['Sequence']['id']!r}")
                seen_a = True
            elif "SpecialToken" in piece:
                if seen_a:
                    raise UnsupportedTokenizer(f"{self.path}: special tokens after $A are not supported")
                prefix += p["special_tokens"][piece["SpecialToken"]["id"]]["ids"]
            else:
                raise UnsupportedTokenizer(f"{self.path}: template piece {piece!r}")
        return prefix

    @staticmethod
    def normalize(text):
        return ("▁" + text if text else text).replace(" ", "▁")

    def _initial_symbols(self, word):
        syms = []  # token ids
        unk_open = False  # the last symbol is an unk that may still absorb the next unknown char
        for ch in word:
            tid = self.vocab.get(ch)
            if tid is not None:
                syms.append(tid)
                unk_open = False
                continue
            if self.byte_fallback:
                ids = [self.vocab.get(f"<0x{b:02X}>") for b in ch.encode("utf-8")]
                if all(i is not None for i in ids):
                    syms.extend(ids)
                    unk_open = False
                    continue
            if self.unk_id is None:
                continue  # HF drops a character it cannot represent when there is no unk token
            if self.fuse_unk and unk_open:
                continue
            syms.append(self.unk_id)
            unk_open = True
        return syms

    def _merge(self, syms):
        n = len(syms)
        ids = list(syms)
        nxt = list(range(1, n + 1))  # n = end
        prv = list(range(-1, n - 1))
        alive = [True] * n
        heap = []
        for i in range(n - 1):
            m = self.merges.get((ids[i], ids[i + 1]))
            if m:
                heap.append((m[0], i, ids[i], ids[i + 1]))
        heapq.heapify(heap)
        while heap:
            rank, i, a, b = heapq.heappop(heap)
            j = nxt[i] if alive[i] else n
            if j >= n or ids[i] != a or ids[j] != b:
                continue  # stale: this pair no longer exists
            ids[i] = self.merges[(a, b)][1]
            alive[j] = False
            nxt[i] = nxt[j]
            if nxt[j] < n:
                prv[nxt[j]] = i
            p = prv[i]
            if p >= 0:
                m = self.merges.get((ids[p], ids[i]))
                if m:
                    heapq.heappush(heap, (m[0], p, ids[p], ids[i]))
            if nxt[i] < n:
                m = self.merges.get((ids[i], ids[nxt[i]]))
                if m:
                    heapq.heappush(heap, (m[0], i, ids[i], ids[nxt[i]]))
        return [ids[i] for i in range(n) if alive[i]]

    def encode(self, text, add_special_tokens=True):
        for a in self.added:
            if a and a in text:
                raise UnsupportedTokenizer(f"text contains the added token {a!r}; splitting on added tokens "
                                           "is not implemented")
        ids = self._merge(self._initial_symbols(self.normalize(text)))
        return (self.prefix + ids) if add_special_tokens else ids

    def tokens(self, ids):
        return [self.id_to_token[i] for i in ids]
