"""Trusted verifier of assignment a12-transformer-numpy (kept out of the students' folders).

References: the book's own implementations, ``dlbook.scratch.self_attention.causal_self_attention``,
``dlbook.scratch.layers.layernorm`` (forward then backward) and ``dlbook.scratch.bpe``
(``pair_counts``, ``best_pair``, ``merge_pair``). They run here, on the trusted side only.

The BPE task works on dicts of tuples of strings, which the probe cannot carry; both sides use the
same integer encoding (:func:`encode_words`): the code points of each symbol followed by ``-1``,
``-2`` after each word, and the counts in a second array in the same order. The student's result
is encoded the same way by the probe wrapper of the test cell, words sorted, so the comparison is
exact and independent of dict order.
"""

import numpy as np

from dlbook.course.verify_api import NUMPY_NO_LOOPS, NUMPY_ONLY, Task
from dlbook.scratch import bpe
from dlbook.scratch.layers.layernorm import layer_norm_backward, layer_norm_forward
from dlbook.scratch.self_attention import causal_self_attention

END_OF_WORD = "</w>"


# --------------------------------------------------------------------- causal self-attention

def _attention_cases(rng):
    cases = []
    for kind in ("batch", "single", "large_scores", "batch"):
        n, t = int(rng.integers(1, 4)), int(rng.integers(2, 9))
        D, d, dv = int(rng.integers(2, 7)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
        if d * d == D:          # keep √d ≠ √D so that scaling by the wrong width shows
            d += 1
        scale = 100.0 if kind == "large_scores" else 1.0
        shape = (t, D) if kind == "single" else (n, t, D)
        cases.append({"x": rng.normal(0.0, scale, size=shape),
                      "Wq": rng.normal(size=(D, d)), "Wk": rng.normal(size=(D, d)),
                      "Wv": rng.normal(size=(D, dv))})
    return cases


def _attention_ref(x, Wq, Wk, Wv):
    return causal_self_attention(x, Wq, Wk, Wv)


# --------------------------------------------------------------------- layer-norm backward

def _layer_norm_cases(rng):
    cases = []
    for kind in ("rows", "sequences", "constant_row", "sequences"):
        D = int(rng.integers(2, 7))
        n, t = D + int(rng.integers(1, 4)), D + int(rng.integers(1, 3))   # n, t ≠ D: wrong axes show
        shape = (n, D) if kind in ("rows", "constant_row") else (n, t, D)
        x = rng.normal(rng.normal(), rng.uniform(0.5, 3.0), size=shape)
        if kind == "constant_row":
            x[int(rng.integers(n))] = rng.normal()        # σ² = 0 there: only ε keeps it finite
        cases.append({"dout": rng.normal(size=shape), "x": x,
                      "gamma": rng.normal(size=D),
                      "eps": float(10.0 ** rng.uniform(-5, -2))})
    return cases


def _layer_norm_ref(dout, x, gamma, eps):
    _, cache = layer_norm_forward(x, gamma, np.zeros_like(gamma), eps=eps)
    return layer_norm_backward(dout, cache)


# --------------------------------------------------------------------- one BPE merge step

def encode_symbols(word):
    codes = []
    for symbol in word:
        codes.extend(ord(c) for c in symbol)
        codes.append(-1)
    return codes


def encode_words(word_freqs):
    """``(words, freqs)`` int64 arrays of a ``{tuple of symbols: count}`` dict, in dict order."""
    codes = []
    for word in word_freqs:
        codes.extend(encode_symbols(word))
        codes.append(-2)
    return (np.array(codes, dtype=np.int64),
            np.array([int(f) for f in word_freqs.values()], dtype=np.int64))


def decode_words(words, freqs):
    result, word, symbol = [], [], []
    for code in np.asarray(words).tolist():
        if code == -1:
            word.append("".join(symbol))
            symbol = []
        elif code == -2:
            result.append(tuple(word))
            word = []
        else:
            symbol.append(chr(code))
    return dict(zip(result, (int(f) for f in np.asarray(freqs).tolist())))


def encode_result(pair, word_freqs):
    """What the probe wrapper returns: the pair, then the words sorted, then their counts."""
    items = sorted((tuple(w), int(f)) for w, f in word_freqs.items())
    codes = []
    for word, _ in items:
        codes.extend(encode_symbols(word))
        codes.append(-2)
    return (np.array(encode_symbols(tuple(pair)), dtype=np.int64),
            np.array(codes, dtype=np.int64),
            np.array([f for _, f in items], dtype=np.int64))


_ONSETS = ["t", "th", "ng", "nh", "v", "h", "c", "đ", "m", "l", "tr", "gi"]
_RHYMES = ["a", "à", "á", "ă", "â", "ê", "i", "ô", "ơ", "ư", "iế", "iệ", "ươ", "uô", "an", "ang",
           "anh", "ôi", "ên", "ông", "ương", "iếng", "ất", "ộ", "ực", "ai"]


def _random_corpus(rng, n_words, max_freq):
    words = {}
    while len(words) < n_words:
        syllable = str(rng.choice(_ONSETS)) + str(rng.choice(_RHYMES))
        words[tuple(syllable) + (END_OF_WORD,)] = int(rng.integers(1, max_freq + 1))
    return words


def _shuffled(rng, word_freqs):
    items = list(word_freqs.items())
    order = rng.permutation(len(items))
    return {items[i][0]: items[i][1] for i in order}


def _with_prior_merges(rng, word_freqs, k):
    for _ in range(k):
        word_freqs = bpe.merge_pair(word_freqs, bpe.best_pair(bpe.pair_counts(word_freqs)))
    return word_freqs


# Plausible wrong answers, used only to choose cases on which they give a different result.

def _first_max(word_freqs):
    """Tie rule ignored: the first most frequent pair in dict order."""
    counts = bpe.pair_counts(word_freqs)
    return max(counts, key=counts.get)


def _unweighted_best(word_freqs):
    """Word counts ignored: every word counted once."""
    return bpe.best_pair(bpe.pair_counts({w: 1 for w in word_freqs}))


def _replace_merge(word_freqs, pair):
    """The string-replace shortcut, blind to symbol boundaries ("xa b" → "xab" for ("a", "b"))."""
    a, b = pair
    out = {}
    for word, freq in word_freqs.items():
        key = tuple(" ".join(word).replace(f"{a} {b}", a + b).split(" "))
        out[key] = out.get(key, 0) + freq
    return out


def _best(word_freqs):
    return bpe.best_pair(bpe.pair_counts(word_freqs))


def _first_that(rng, make, condition, fallback, tries=500):
    for _ in range(tries):
        corpus = make()
        if condition(corpus):
            return corpus
    return fallback          # pragma: no cover - not met with these sizes


def _with_trap(rng, word_freqs):
    """Add a word whose symbol ends with the best pair's first symbol: ("c" + a, b, "</w>")."""
    a, b = _best(word_freqs)
    trap = (str(rng.choice(_ONSETS)) + a, b) + (() if b.endswith(END_OF_WORD) else (END_OF_WORD,))
    if "".join(trap) not in {"".join(w) for w in word_freqs}:
        word_freqs = {**word_freqs, trap: int(rng.integers(1, 4))}
    return word_freqs


def _bpe_cases(rng):
    corpora = [
        _first_that(rng, lambda: _shuffled(rng, _random_corpus(rng, int(rng.integers(4, 12)), 20)),
                    lambda c: _unweighted_best(c) != _best(c),
                    {("a", "b"): 1, ("a", "b", "c"): 1, ("x", "y"): 5}),
        _first_that(rng, lambda: _shuffled(rng, _with_trap(rng, _with_prior_merges(rng, _random_corpus(rng, 15, 20),
                                                                    int(rng.integers(2, 6))))),
                    lambda c: _replace_merge(c, _best(c)) != bpe.merge_pair(c, _best(c)),
                    {("xa", "b"): 1, ("a", "b"): 5}),
        _first_that(rng, lambda: _shuffled(rng, _with_prior_merges(rng, _random_corpus(rng, 6, 3),
                                                                   int(rng.integers(0, 3)))),
                    lambda c: _first_max(c) != _best(c),
                    {("b", "a"): 3, ("a", "b"): 3}),
    ]
    repeated = _random_corpus(rng, 4, 5)
    letter = str(rng.choice(["a", "o", "ư", "ê"]))
    repeated[(letter,) * int(rng.integers(3, 7)) + (END_OF_WORD,)] = 100   # overlapping pairs win
    corpora.append(_shuffled(rng, repeated))
    cases = []
    for corpus in corpora:
        words, freqs = encode_words(corpus)
        cases.append({"words": words, "freqs": freqs})
    return cases


def _bpe_ref(words, freqs):
    word_freqs = decode_words(words, freqs)
    pair = bpe.best_pair(bpe.pair_counts(word_freqs))
    return encode_result(pair, bpe.merge_pair(word_freqs, pair))


TASKS = {
    "causal_self_attention": Task(_attention_cases, _attention_ref, rtol=1e-7, atol=1e-10,
                                  rules=NUMPY_NO_LOOPS),
    "layer_norm_backward": Task(_layer_norm_cases, _layer_norm_ref, rtol=1e-6, atol=1e-9,
                                rules=NUMPY_NO_LOOPS),
    "bpe_merge_step": Task(_bpe_cases, _bpe_ref, rules=NUMPY_ONLY),
}

# Checked by the trusted grader on the submitted source (never in the kernel): numpy only, no
# dlbook.scratch / torch / scipy / sklearn; tasks 1-2 without Python loops, task 3 may loop.
