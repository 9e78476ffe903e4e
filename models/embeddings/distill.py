#!/usr/bin/env python3
"""Distil all-MiniLM-L6-v2 into stance's static word-vector table (vectors.bin).

Steps (every setting is a command-line option; the defaults are the shipped table's):
 1. Texts: MR, SUBJ (../shared/datasets), stance's synthetic corpus (models/corpus) and,
    when given, the unlabelled real TV sentences (--real, column `text`). Only their
    text is used, never a label.
 2. Vocabulary: every surface token (stance's tokenizer before stemming, see stvec.py)
    seen in those texts, plus the teacher's WordPiece whole words that are one token
    to stance; at most --max-vocab, most frequent first.
 3. Each word run alone through the teacher ("[CLS] word [SEP]"), last hidden states
    mean-pooled (--word-pool: `all` includes [CLS]/[SEP], `inner` does not).
 4. Per-word weight: SIF a/(a+p(w)), p from the token counts of step 1 (--sif-a).
 5. --distill-epochs > 0: the rows (384-d) are fitted so that the l2-normalised weighted
    mean of a sentence's rows matches the teacher's sentence embedding (cosine loss),
    on the unlabelled sentences of --distill-on, with an L2 pull back to the
    word-alone vectors (--distill-reg).
 6. PCA to --dim (rows centred, then projected), then --remove-pc common components
    removed (the top principal directions of the sentence vectors of the distillation
    text), all folded into the rows.
 7. Rows scaled to unit mean norm, quantised to int8 with one f32 scale per row, and
    written in the STVEC v1 format (README.md).

Deterministic: fixed seeds, sorted inputs, 2 threads; two runs give the same bytes.
"""

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stvec  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def sha_list(items):
    h = hashlib.sha256()
    for s in items:
        h.update(s.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def load_sources(datasets, corpus, real):
    src = {}
    src["mr"] = stvec.read_csv(os.path.join(datasets, "mr.csv"))[0]
    src["subj"] = stvec.read_csv(os.path.join(datasets, "subj.csv"))[0]
    src["synthetic"] = stvec.synthetic_corpus(corpus)[0]
    if real and os.path.exists(real):
        src["real"] = stvec.read_real_tsv(real)
    return src


def wordpiece_whole_words(tdir):
    out = []
    with open(os.path.join(tdir, "vocab.txt"), encoding="utf-8") as f:
        for line in f:
            w = line.rstrip("\n")
            if w and not w.startswith("##") and not w.startswith("[") and stvec.surface_tokens(w) == [w]:
                out.append(w)
    return out


def build_vocab(counts, wp_words, max_vocab):
    cand = set(counts) | set(wp_words)
    cand = [w for w in cand if 1 <= len(w.encode("utf-8")) <= 255]
    # Most frequent first; ties (incl. the WordPiece words never seen) by their bytes.
    cand.sort(key=lambda w: (-counts.get(w, 0), w.encode("utf-8")))
    return sorted(cand[:max_vocab], key=lambda w: w.encode("utf-8"))


class Cache:
    def __init__(self, d):
        self.d = d
        os.makedirs(d, exist_ok=True)

    def get(self, key, fn):
        p = os.path.join(self.d, key + ".npy")
        if os.path.exists(p):
            return np.load(p)
        v = fn()
        np.save(p + ".tmp.npy", v)
        os.replace(p + ".tmp.npy", p)
        return v


_TEACHER = None


def teacher():
    global _TEACHER
    if _TEACHER is None:
        _TEACHER = stvec.Teacher(threads=2)
    return _TEACHER


def model_id():
    return sha256_file(os.path.join(stvec.teacher_dir(), "model.safetensors"))[:16]


def word_vectors(cache, vocab, pool):
    key = f"words-{model_id()}-{pool}-{sha_list(vocab)}"
    return cache.get(key, lambda: teacher().encode(vocab, batch=256, max_len=32,
                                                   normalize=False, special=(pool == "all")))


def sentence_targets(cache, texts):
    key = f"sents-{model_id()}-{sha_list(texts)}"
    return cache.get(key, lambda: teacher().encode(texts, batch=64, max_len=128, normalize=True))


def sif_weights(vocab, counts, a):
    total = sum(counts.values())
    p = np.array([counts.get(w, 0) for w in vocab], dtype=np.float64) / total
    p = np.maximum(p, 0.5 / total)
    if a <= 0:
        return np.ones(len(vocab), dtype=np.float32)
    return (a / (a + p)).astype(np.float32)


def token_ids(vocab_index, texts):
    out = []
    for t in texts:
        out.append([vocab_index[x] for x in stvec.surface_tokens(t) if x in vocab_index])
    return out


def pooled(rows, weights, ids_list):
    """Un-normalised weighted mean per sentence (numpy, f32)."""
    out = np.zeros((len(ids_list), rows.shape[1]), dtype=np.float32)
    for i, ids in enumerate(ids_list):
        if ids:
            out[i] = (weights[ids, None] * rows[ids]).sum(0) / len(ids)
    return out


def distill(rows0, weights, ids_list, targets, epochs, lr, reg, seed, batch=256, log_every=1):
    """Fit the rows so the normalised weighted mean matches the teacher (cosine)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    keep = [i for i, ids in enumerate(ids_list) if ids]
    rng = np.random.RandomState(seed)
    keep = np.array(keep)
    perm = rng.permutation(len(keep))
    n_dev = max(1, len(keep) // 20)
    dev, train = keep[perm[:n_dev]], keep[perm[n_dev:]]
    E0 = torch.tensor(rows0)
    E = torch.nn.Parameter(E0.clone())
    W = torch.tensor(weights)
    T = torch.tensor(targets)
    opt = torch.optim.Adam([E], lr=lr)

    def batch_tensors(sel):
        L = max(len(ids_list[i]) for i in sel)
        idx = np.zeros((len(sel), L), dtype=np.int64)
        m = np.zeros((len(sel), L), dtype=np.float32)
        for r, i in enumerate(sel):
            ids = ids_list[i]
            idx[r, :len(ids)] = ids
            m[r, :len(ids)] = 1
        return torch.tensor(idx), torch.tensor(m)

    def loss_of(sel):
        idx, m = batch_tensors(sel)
        w = W[idx] * m
        v = (E[idx] * w.unsqueeze(-1)).sum(1)
        v = torch.nn.functional.normalize(v, dim=-1)
        return (1 - (v * T[sel]).sum(-1)).mean(), idx

    def dev_loss():
        with torch.no_grad():
            tot = 0.0
            for s in range(0, len(dev), 1024):
                sel = dev[s:s + 1024]
                tot += float(loss_of(sel)[0]) * len(sel)
            return tot / len(dev)

    log(f"distill: {len(train)} train / {len(dev)} dev sentences; dev cos-loss at start {dev_loss():.4f}")
    for ep in range(epochs):
        order = train[rng.permutation(len(train))]
        for s in range(0, len(order), batch):
            sel = order[s:s + batch]
            loss, idx = loss_of(sel)
            if reg > 0:
                u = torch.unique(idx)
                loss = loss + reg * ((E[u] - E0[u]) ** 2).sum(-1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        log(f"distill: epoch {ep + 1}: dev cos-loss {dev_loss():.4f}")
    return E.detach().numpy().astype(np.float32)


def postprocess(rows, weights, dim, remove_pc, pc_ids):
    """Centre + PCA to `dim`, remove `remove_pc` common components; all on the rows."""
    X = rows.astype(np.float64)
    mu = X.mean(0)
    Xc = X - mu
    # Principal axes from the covariance (eigh is deterministic); sign fixed.
    cov = Xc.T @ Xc / len(Xc)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(-vals, kind="stable")[:dim]
    P = vecs[:, order]
    P *= np.sign(P[np.argmax(np.abs(P), axis=0), np.arange(P.shape[1])])
    R = Xc @ P
    if remove_pc > 0:
        S = pooled(R.astype(np.float32), weights, pc_ids).astype(np.float64)
        S = S[np.linalg.norm(S, axis=1) > 0]
        _, _, vt = np.linalg.svd(S, full_matrices=False)
        U = vt[:remove_pc].T
        R = R - (R @ U) @ U.T
    R /= np.linalg.norm(R, axis=1).mean()
    return R.astype(np.float32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "vectors.bin"))
    ap.add_argument("--datasets", default=os.path.join(REPO, "..", "shared", "datasets"))
    ap.add_argument("--corpus", default=os.path.join(REPO, "models", "corpus"))
    ap.add_argument("--real", default="", help="unlabelled real TV sentences (TSV with a `text` column)")
    ap.add_argument("--cache", default=os.environ.get("STVEC_CACHE", "/work/embed-scratch/cache"))
    ap.add_argument("--max-vocab", type=int, default=60000)
    ap.add_argument("--word-pool", choices=["all", "inner"], default="all")
    ap.add_argument("--sif-a", type=float, default=1e-3)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--remove-pc", type=int, default=1)
    ap.add_argument("--distill-on", default="synthetic,real",
                    help="comma-separated sources whose text the rows are distilled on")
    ap.add_argument("--distill-epochs", type=int, default=0)
    ap.add_argument("--distill-lr", type=float, default=1e-3)
    ap.add_argument("--distill-reg", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--manifest", default="", help="write the inputs' hashes and settings here (JSON)")
    a = ap.parse_args(argv)

    t0 = time.time()
    src = load_sources(a.datasets, a.corpus, a.real)
    counts = Counter()
    for name in sorted(src):
        for t in src[name]:
            counts.update(stvec.surface_tokens(t))
    wp = wordpiece_whole_words(stvec.teacher_dir())
    vocab = build_vocab(counts, wp, a.max_vocab)
    log(f"sources: {', '.join(f'{k} {len(v)}' for k, v in sorted(src.items()))}; "
        f"{len(counts)} distinct tokens, {len(wp)} WordPiece whole words -> vocab {len(vocab)}")
    cache = Cache(a.cache)
    E = word_vectors(cache, vocab, a.word_pool)
    weights = sif_weights(vocab, counts, a.sif_a)
    index = {w: i for i, w in enumerate(vocab)}
    dist_names = [s for s in a.distill_on.split(",") if s and s in src]
    dist_texts = [t for s in dist_names for t in src[s]]
    dist_ids = token_ids(index, dist_texts)
    if a.distill_epochs > 0:
        targets = np.concatenate([sentence_targets(cache, src[s]) for s in dist_names])
        E = distill(E, weights, dist_ids, targets, a.distill_epochs, a.distill_lr, a.distill_reg, a.seed)
    R = postprocess(E, weights, a.dim, a.remove_pc, dist_ids)
    settings = {k: getattr(a, k) for k in ["max_vocab", "word_pool", "sif_a", "dim", "remove_pc",
                                            "distill_epochs", "distill_lr", "distill_reg", "seed"]}
    settings["distill_on"] = ",".join(dist_names) if a.distill_epochs > 0 or a.remove_pc > 0 else ""
    name = ("all-MiniLM-L6-v2 (Apache-2.0) word-alone distillation; " +
            " ".join(f"{k}={v}" for k, v in settings.items()) +
            "; sentence = sum w*row / count, l2")
    size = stvec.write_table(a.out, vocab, weights, R, name[:1000])
    log(f"wrote {a.out}: {len(vocab)} entries x {a.dim}, {size} bytes, {time.time() - t0:.0f}s")
    if a.manifest:
        man = {"settings": settings, "entries": len(vocab), "dim": a.dim, "bytes": size,
               "teacher_model_safetensors_sha256": sha256_file(os.path.join(stvec.teacher_dir(), "model.safetensors")),
               "inputs": {k: len(v) for k, v in sorted(src.items())},
               "input_sha": {k: sha_list(v) for k, v in sorted(src.items())},
               "vectors_bin_sha256": sha256_file(a.out)}
        with open(a.manifest, "w") as f:
            json.dump(man, f, indent=1, sort_keys=True)
            f.write("\n")
    return vocab, weights, R


if __name__ == "__main__":
    main()
