"""An independent reference forward pass of the llama architecture in PyTorch, float64.

Weights come from either
- a GGUF file (read by the minimal GGUF v3 reader below: metadata key/values and F32/F16
  tensors; any other tensor type is refused), or
- a transformers checkpoint directory (config.json + model.safetensors, F32/F16/BF16).

Conventions that differ between the two sources, and how this file handles them:
- ggml lists a tensor's dimensions fastest first (ne0, ne1, ...); the row-major numpy shape is
  that list reversed, so a GGUF `attn_q.weight` of ne = [n_embd, n_embd_q] reads as the
  (out, in) matrix transformers stores.
- llama.cpp rotates *adjacent* pairs of a head's values (LLAMA_ROPE_TYPE_NORM for
  LLM_ARCH_LLAMA), while transformers' LlamaForCausalLM rotates value i with value
  i + head_dim/2 (rotate_half). convert_hf_to_gguf.py therefore permutes the rows of q_proj and
  k_proj within each head (HF row j -> GGUF row 2j, HF row j + head_dim/2 -> GGUF row 2j+1).
  A model keeps the weights as its source stores them and applies the rotation that matches
  that source: `rope="interleaved"` for GGUF, `rope="half"` for transformers. Both must give the
  same numbers, which is what checks the weight loading (see `permute_hf_to_gguf`).
- a model without `output.weight` (GGUF) or with `tie_word_embeddings` (transformers) uses the
  token embedding matrix as the output projection.

Nothing here imports llama.cpp, gguf-py or transformers.
"""

import json
import math
import struct
from pathlib import Path

import numpy as np
import torch

# --- GGUF -----------------------------------------------------------------------------------

GGUF_MAGIC = b"GGUF"
GGML_TYPE_F32 = 0
GGML_TYPE_F16 = 1
GGML_TYPE_NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
                   10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS",
                   17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
                   23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M",
                   30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4"}

# GGUF metadata value types -> struct format (scalars)
_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class GGUFError(ValueError):
    pass


class _Cursor:
    def __init__(self, buf, pos=0):
        self.buf, self.pos = buf, pos

    def unpack(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise GGUFError("GGUF file ends in the middle of its header")
        value = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value[0] if len(value) == 1 else value

    def string(self):
        n = self.unpack("<Q")
        if self.pos + n > len(self.buf):
            raise GGUFError("GGUF string runs past the end of the file")
        s = bytes(self.buf[self.pos:self.pos + n]).decode("utf-8", errors="replace")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype in _SCALAR:
            return self.unpack(_SCALAR[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            etype, count = self.unpack("<I"), self.unpack("<Q")
            if etype in _SCALAR and etype != 7:
                fmt = _SCALAR[etype]
                size = struct.calcsize(fmt)
                arr = np.frombuffer(self.buf, dtype=np.dtype(fmt), count=count, offset=self.pos)
                self.pos += size * count
                return arr.tolist()
            return [self.value(etype) for _ in range(count)]
        raise GGUFError(f"unknown GGUF metadata value type {vtype}")


class GGUFFile:
    """Metadata (`kv`, a dict) and tensors (`tensor(name)` -> numpy array, row-major shape =
    reversed ggml dims) of a GGUF v2/v3 file. Only F32 and F16 tensors can be read."""

    def __init__(self, path):
        self.path = Path(path)
        self.buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        c = _Cursor(self.buf)
        if bytes(self.buf[:4]) != GGUF_MAGIC:
            raise GGUFError(f"{path}: not a GGUF file (magic {bytes(self.buf[:4])!r})")
        c.pos = 4
        self.version = c.unpack("<I")
        if self.version not in (2, 3):
            raise GGUFError(f"{path}: GGUF version {self.version} is not supported (2 or 3)")
        n_tensors, n_kv = c.unpack("<Q"), c.unpack("<Q")
        self.kv = {}
        for _ in range(n_kv):
            key = c.string()
            vtype = c.unpack("<I")
            self.kv[key] = c.value(vtype)
        self.infos = {}
        for _ in range(n_tensors):
            name = c.string()
            n_dims = c.unpack("<I")
            dims = [c.unpack("<Q") for _ in range(n_dims)]
            ttype = c.unpack("<I")
            offset = c.unpack("<Q")
            self.infos[name] = (dims, ttype, offset)
        align = int(self.kv.get("general.alignment", 32))
        self.data_start = (c.pos + align - 1) // align * align

    def tensor_type(self, name):
        return GGML_TYPE_NAMES.get(self.infos[name][1], str(self.infos[name][1]))

    def tensor(self, name):
        if name not in self.infos:
            raise KeyError(f"{self.path}: no tensor {name}")
        dims, ttype, offset = self.infos[name]
        if ttype == GGML_TYPE_F32:
            dtype = np.dtype("<f4")
        elif ttype == GGML_TYPE_F16:
            dtype = np.dtype("<f2")
        else:
            raise GGUFError(f"{self.path}: tensor {name} is {self.tensor_type(name)}; this reader reads only "
                            f"F32 and F16 tensors (make an F32 copy first, e.g. `qualm quantize IN OUT F32`)")
        count = int(np.prod(dims)) if dims else 1
        start = self.data_start + offset
        if start + count * dtype.itemsize > len(self.buf):
            raise GGUFError(f"{self.path}: tensor {name} runs past the end of the file")
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=start)
        return arr.reshape(list(reversed(dims))).astype(np.float64)


# --- safetensors ------------------------------------------------------------------------------

_ST_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "F64": np.dtype("<f8")}


def read_safetensors(path):
    """{name: float64 numpy array} of a .safetensors file (F32, F16, F64, BF16)."""
    raw = Path(path).read_bytes()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        blob = raw[base + begin:base + end]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(blob, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        elif info["dtype"] in _ST_DTYPES:
            arr = np.frombuffer(blob, dtype=_ST_DTYPES[info["dtype"]])
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}; only F32/F16/F64/BF16 are read")
        out[name] = arr.reshape(info["shape"]).astype(np.float64)
    return out


def permute_hf_to_gguf(w, n_head):
    """The row order convert_hf_to_gguf.py writes q_proj/k_proj in (n_head = the heads of that
    projection): within each head, HF row j goes to row 2j and HF row j + d/2 to row 2j + 1."""
    rows = w.shape[0]
    d = rows // n_head
    return w.reshape(n_head, 2, d // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


# --- the model --------------------------------------------------------------------------------

class LlamaReference:
    """The llama forward pass in float64. `weights` holds numpy arrays in transformers' (out, in)
    orientation under GGUF-like names: token_embd, output (or None: tied), output_norm, and
    per layer attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down."""

    def __init__(self, hp, weights, rope):
        if rope not in ("interleaved", "half"):
            raise ValueError("rope must be 'interleaved' (llama.cpp / GGUF) or 'half' (transformers)")
        self.hp = hp
        self.rope = rope
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))
        self.tok = t(weights["token_embd"])
        self.out = t(weights["output"]) if weights.get("output") is not None else self.tok
        self.out_norm = t(weights["output_norm"])
        self.layers = [{k: t(v) for k, v in layer.items()} for layer in weights["layers"]]
        self.n_vocab = self.tok.shape[0]
        hd, n_rot = hp["head_dim"], hp["n_rot"]
        if n_rot % 2 or n_rot > hd:
            raise ValueError(f"rope dimension {n_rot} does not fit head_dim {hd}")
        i = torch.arange(0, n_rot // 2, dtype=torch.float64)
        self.inv_freq = hp["rope_base"] ** (-2.0 * i / n_rot)

    # RMSNorm: x / sqrt(mean(x^2) + eps) * w
    def _norm(self, x, w):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.hp["eps"]) * w

    def _rope(self, x, pos):
        # x: (n_head, T, head_dim); rotate the first n_rot values of each head by pos * inv_freq
        n_rot = self.hp["n_rot"]
        ang = pos[:, None] * self.inv_freq[None, :]  # (T, n_rot/2)
        cos, sin = torch.cos(ang), torch.sin(ang)
        r, rest = x[..., :n_rot], x[..., n_rot:]
        if self.rope == "interleaved":
            a, b = r[..., 0::2], r[..., 1::2]
            ra, rb = a * cos - b * sin, a * sin + b * cos
            r = torch.stack((ra, rb), dim=-1).reshape(r.shape)
        else:
            a, b = r[..., :n_rot // 2], r[..., n_rot // 2:]
            r = torch.cat((a * cos - b * sin, a * sin + b * cos), dim=-1)
        return torch.cat((r, rest), dim=-1)

    @torch.no_grad()
    def logits(self, token_ids):
        """(T, n_vocab) float64 logits of each position of one sequence."""
        hp = self.hp
        ids = torch.as_tensor(list(token_ids), dtype=torch.long)
        if ids.numel() == 0:
            raise ValueError("empty sequence")
        if int(ids.max()) >= self.n_vocab or int(ids.min()) < 0:
            raise ValueError(f"token id out of range 0..{self.n_vocab - 1}")
        T = ids.numel()
        nh, nkv, hd = hp["n_head"], hp["n_head_kv"], hp["head_dim"]
        group = nh // nkv
        pos = torch.arange(T, dtype=torch.float64)
        mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
        scale = 1.0 / math.sqrt(hd)
        x = self.tok[ids]
        for L in self.layers:
            h = self._norm(x, L["attn_norm"])
            q = (h @ L["attn_q"].T).view(T, nh, hd).transpose(0, 1)
            k = (h @ L["attn_k"].T).view(T, nkv, hd).transpose(0, 1)
            v = (h @ L["attn_v"].T).view(T, nkv, hd).transpose(0, 1)
            q, k = self._rope(q, pos), self._rope(k, pos)
            # grouped-query attention: query head i reads key/value head i // group
            k = k.repeat_interleave(group, dim=0)
            v = v.repeat_interleave(group, dim=0)
            att = torch.softmax(q @ k.transpose(1, 2) * scale + mask, dim=-1)
            o = (att @ v).transpose(0, 1).reshape(T, nh * hd)
            x = x + o @ L["attn_output"].T
            h = self._norm(x, L["ffn_norm"])
            g = h @ L["ffn_gate"].T
            x = x + (torch.nn.functional.silu(g) * (h @ L["ffn_up"].T)) @ L["ffn_down"].T
        return self._norm(x, self.out_norm) @ self.out.T

    def log_softmax(self, token_ids):
        """(T, n_vocab) log-probabilities of the token after each position."""
        return torch.log_softmax(self.logits(token_ids), dim=-1)

    def token_logprobs(self, token_ids):
        """Natural-log probability of each token of token_ids[1:] given all tokens before it
        (a list of len(token_ids) - 1 floats)."""
        ids = list(token_ids)
        lp = self.log_softmax(ids)
        nxt = torch.as_tensor(ids[1:], dtype=torch.long)
        return lp[:-1].gather(1, nxt[:, None])[:, 0].tolist()

    def token_stats(self, token_ids):
        """(logprobs, margins) of each token of token_ids[1:]: its log-probability as in
        token_logprobs, and how far it is above the best other token (> 0: it is the greedy
        choice; |margin| tells how safe that verdict is against rounding)."""
        ids = list(token_ids)
        lp = self.log_softmax(ids)[:-1]
        nxt = torch.as_tensor(ids[1:], dtype=torch.long)
        own = lp.gather(1, nxt[:, None])[:, 0]
        others = lp.scatter(1, nxt[:, None], float("-inf")).max(dim=1).values
        return own.tolist(), (own - others).tolist()


_LAYER_NAMES = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up",
                "ffn_down"]


def load_gguf(path):
    """A LlamaReference of a llama-architecture GGUF whose tensors are F32/F16."""
    g = GGUFFile(path)
    arch = g.kv.get("general.architecture")
    if arch != "llama":
        raise GGUFError(f"{path}: architecture {arch!r}; this reference implements only 'llama'")
    p = "llama."
    n_embd = int(g.kv[p + "embedding_length"])
    n_head = int(g.kv[p + "attention.head_count"])
    n_head_kv = int(g.kv.get(p + "attention.head_count_kv", n_head))
    head_dim = int(g.kv.get(p + "attention.key_length", n_embd // n_head))
    if p + "rope.scaling.type" in g.kv and g.kv[p + "rope.scaling.type"] not in ("none",):
        raise GGUFError(f"{path}: rope scaling {g.kv[p + 'rope.scaling.type']!r} is not implemented")
    hp = {
        "n_embd": n_embd,
        "n_layer": int(g.kv[p + "block_count"]),
        "n_head": n_head,
        "n_head_kv": n_head_kv,
        "head_dim": head_dim,
        "n_rot": int(g.kv.get(p + "rope.dimension_count", head_dim)),
        "rope_base": float(g.kv.get(p + "rope.freq_base", 10000.0)),
        "eps": float(g.kv[p + "attention.layer_norm_rms_epsilon"]),
        "n_ctx_train": int(g.kv.get(p + "context_length", 0)),
        "bos": g.kv.get("tokenizer.ggml.bos_token_id"),
    }
    w = {
        "token_embd": g.tensor("token_embd.weight"),
        "output_norm": g.tensor("output_norm.weight"),
        "output": g.tensor("output.weight") if "output.weight" in g.infos else None,
        "layers": [{n: g.tensor(f"blk.{i}.{n}.weight") for n in _LAYER_NAMES} for i in range(hp["n_layer"])],
    }
    model = LlamaReference(hp, w, rope="interleaved")
    model.gguf = g
    model.source = str(path)
    return model


def load_hf(directory, round_to_f16=False):
    """A LlamaReference of a transformers LlamaForCausalLM checkpoint directory (config.json +
    model.safetensors). round_to_f16 rounds every 2-D weight to float16 first (as an F16 GGUF
    converted from it holds them)."""
    d = Path(directory)
    cfg = json.loads((d / "config.json").read_text())
    if cfg.get("model_type") != "llama":
        raise ValueError(f"{d}: model_type {cfg.get('model_type')!r}; only 'llama' is implemented")
    if cfg.get("rope_scaling"):
        raise ValueError(f"{d}: rope_scaling {cfg['rope_scaling']!r} is not implemented")
    if cfg.get("hidden_act", "silu") != "silu":
        raise ValueError(f"{d}: hidden_act {cfg['hidden_act']!r} is not implemented")
    if cfg.get("attention_bias") or cfg.get("mlp_bias"):
        raise ValueError(f"{d}: biases are not implemented")
    files = sorted(d.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"{d}: no .safetensors file")
    t = {}
    for f in files:
        t.update(read_safetensors(f))
    if round_to_f16:
        t = {k: (v.astype(np.float16).astype(np.float64) if v.ndim == 2 else v) for k, v in t.items()}
    n_head = cfg["num_attention_heads"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // n_head
    hp = {
        "n_embd": cfg["hidden_size"],
        "n_layer": cfg["num_hidden_layers"],
        "n_head": n_head,
        "n_head_kv": cfg.get("num_key_value_heads", n_head),
        "head_dim": head_dim,
        "n_rot": head_dim,
        "rope_base": float(cfg.get("rope_theta", 10000.0)),
        "eps": float(cfg["rms_norm_eps"]),
        "n_ctx_train": cfg.get("max_position_embeddings", 0),
        "bos": cfg.get("bos_token_id"),
    }
    names = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
             "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    tied = cfg.get("tie_word_embeddings", False) or "lm_head.weight" not in t
    # A tied checkpoint may store the shared matrix once, under either name.
    embd = t.get("model.embed_tokens.weight")
    if embd is None:
        if not tied:
            raise KeyError(f"{d}: no model.embed_tokens.weight")
        embd = t["lm_head.weight"]
    w = {
        "token_embd": embd,
        "output_norm": t["model.norm.weight"],
        "output": None if tied else t["lm_head.weight"],
        "layers": [{n: t[f"model.layers.{i}.{hf}.weight"] for n, hf in names.items()} for i in range(hp["n_layer"])],
    }
    model = LlamaReference(hp, w, rope="half")
    model.hf_tensors = t
    model.source = str(d)
    return model


def load(path):
    """load_gguf for a file, load_hf for a directory."""
    return load_hf(path) if Path(path).is_dir() else load_gguf(path)


if __name__ == "__main__":
    import sys

    m = load(sys.argv[1])
    ids = [int(x) for x in sys.argv[2:]] or [m.hp["bos"] or 1]
    print(m.hp)
    print(m.token_logprobs(ids))
