"""Word representations in numpy: vocabulary, co-occurrence matrix + SVD, word2vec skip-gram.

Sentences are given as strings (split on whitespace, case kept) or as lists of tokens.

GloVe (Pennington et al., 2014) fits ``w_i·w̃_j + b_i + b̃_j ≈ log X_ij`` on the non-zero
co-occurrence counts, weighted by ``f(X) = min(1, (X/x_max)^α)``.

Skip-gram with negative sampling (Mikolov et al., 2013) maximises, for every (centre c,
context o) pair within the window and K words ``n_k`` drawn from the unigram distribution
raised to 3/4, ``log σ(u_o·v_c) + Σ_k log σ(−u_{n_k}·v_c)``; the loss is the *mean* of its
negative over the pairs (a mean of log-probabilities, not a product of probabilities).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from dlbook.errors import DlbookError, NotFittedError, check_array, check_positive

__all__ = [
    "Vocab",
    "tokenize",
    "build_vocab",
    "cooccurrence_matrix",
    "svd_embeddings",
    "cosine_similarity",
    "nearest_words",
    "skipgram_pairs",
    "cbow_pairs",
    "SkipGramNS",
    "GloVe",
]


def tokenize(text: str, lower: bool = True) -> list[str]:
    """Split ``text`` into words: letters, digits and ``_`` (compound words such as ``ô_tô``)."""
    if not isinstance(text, str):
        raise DlbookError(f"`text` phải là một chuỗi, nhưng nhận được {type(text).__name__}.")
    return re.findall(r"\w+", text.lower() if lower else text)


def _as_token_lists(sentences) -> list[list[str]]:
    if isinstance(sentences, str):
        raise DlbookError("`sentences` phải là danh sách các câu, không phải một chuỗi đơn lẻ.")
    return [s.split() if isinstance(s, str) else list(s) for s in sentences]


class Vocab:
    """Word ↔ index mapping: ``itos`` (list), ``stoi`` (dict), ``counts`` (Counter)."""

    def __init__(self, itos: Sequence[str], counts: Counter | None = None,
                 unk_token: str | None = None):
        self.itos = list(itos)
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise DlbookError("Từ điển có từ bị lặp.")
        self.counts = counts if counts is not None else Counter()
        self.unk_token = unk_token

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word) -> bool:
        return word in self.stoi

    def __getitem__(self, word: str) -> int:
        if word in self.stoi:
            return self.stoi[word]
        if self.unk_token is not None:
            return self.stoi[self.unk_token]
        raise KeyError(f"Từ {word!r} không có trong từ điển.")

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self[t] for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[int(i)] for i in ids]

    def __repr__(self) -> str:
        head = ", ".join(self.itos[:8])
        return f"Vocab({len(self)} từ: {head}{', ...' if len(self) > 8 else ''})"


def build_vocab(sentences, min_count: int = 1, specials: Sequence[str] = (),
                order: str = "first", unk_token: str | None = None) -> Vocab:
    """Vocabulary of the words seen at least ``min_count`` times.

    ``specials`` (padding, ``startseq``, ...) come first; then words by first appearance
    (``order="first"``) or by decreasing frequency (``"frequency"``, ties by first appearance).
    """
    check_positive(min_count, "min_count", integer=True)
    tokens = [t for s in _as_token_lists(sentences) for t in s]
    counts = Counter(tokens)
    first_seen = list(dict.fromkeys(tokens))
    if order == "frequency":
        first_seen.sort(key=lambda w: -counts[w])  # stable: ties keep first-appearance order
    elif order != "first":
        raise DlbookError(f"`order` phải là 'first' hoặc 'frequency', không phải {order!r}.")
    specials = list(specials) + ([unk_token] if unk_token and unk_token not in specials else [])
    words = [w for w in first_seen if counts[w] >= min_count and w not in specials]
    return Vocab(specials + words, counts, unk_token)


def cooccurrence_matrix(sentences, window: int = 1, vocab: Vocab | None = None):
    """Symmetric word–word counts within ``window`` words, inside each sentence.

    Returns ``(matrix, vocab)``; ``matrix[i, j]`` counts how often word ``j`` is within
    ``window`` positions of word ``i``. Words missing from a given ``vocab`` are skipped.
    """
    check_positive(window, "window", integer=True)
    token_lists = _as_token_lists(sentences)
    vocab = vocab or build_vocab(token_lists)
    M = np.zeros((len(vocab), len(vocab)))
    for tokens in token_lists:
        ids = [vocab.stoi[t] for t in tokens if t in vocab.stoi]
        for pos, i in enumerate(ids):
            for j in ids[pos + 1 : pos + 1 + window]:
                M[i, j] += 1
                M[j, i] += 1
    return M, vocab


def svd_embeddings(matrix, dim: int = 2, weighting: str = "count") -> np.ndarray:
    """Word vectors from the truncated SVD ``M ≈ U_k Σ_k V_kᵀ``: rows of ``U_k Σ_k``.

    ``weighting``: ``"count"`` (the raw matrix), ``"log"`` (``log(1 + M)``) or ``"ppmi"``
    (positive pointwise mutual information, which down-weights very frequent words).
    """
    M = check_array(matrix, "matrix", ndim=2)
    check_positive(dim, "dim", integer=True)
    if dim > min(M.shape):
        raise DlbookError(f"`dim` = {dim} lớn hơn kích thước ma trận {M.shape}.")
    if weighting == "log":
        M = np.log1p(M)
    elif weighting == "ppmi":
        total = M.sum()
        row, col = M.sum(axis=1, keepdims=True), M.sum(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log(M * total / (row * col))
        M = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)
    elif weighting != "count":
        raise DlbookError(f"`weighting` phải là 'count', 'log' hoặc 'ppmi', không phải {weighting!r}.")
    U, S, _ = np.linalg.svd(M, full_matrices=False)
    return U[:, :dim] * S[:dim]


def cosine_similarity(a, b) -> np.ndarray:
    """Cosine similarity of the rows of ``a`` with the rows of ``b`` (vectors give a float)."""
    single = np.ndim(a) == 1 and np.ndim(b) == 1
    a, b = np.atleast_2d(np.asarray(a, float)), np.atleast_2d(np.asarray(b, float))
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    sim = a @ b.T
    return float(sim[0, 0]) if single else sim


def nearest_words(embeddings, vocab: Vocab, word: str, topn: int = 5):
    """The ``topn`` words with the highest cosine similarity to ``word`` (itself excluded)."""
    if word not in vocab:
        raise KeyError(f"Từ {word!r} không có trong từ điển.")
    sims = cosine_similarity(embeddings[vocab.stoi[word]], embeddings)[0]
    order = [i for i in np.argsort(-sims, kind="stable") if i != vocab.stoi[word]]
    return [(vocab.itos[i], float(sims[i])) for i in order[:topn]]


def skipgram_pairs(tokens: Sequence[str], window: int = 2) -> list[tuple[str, str]]:
    """(centre, context) pairs: every word with each of the ``window`` words on either side."""
    check_positive(window, "window", integer=True)
    pairs = []
    for i, centre in enumerate(tokens):
        for j in range(max(0, i - window), min(len(tokens), i + window + 1)):
            if j != i:
                pairs.append((centre, tokens[j]))
    return pairs


def cbow_pairs(tokens: Sequence[str], window: int = 2) -> list[tuple[tuple[str, ...], str]]:
    """(context words, centre) pairs for CBOW: predict the centre from its neighbours."""
    check_positive(window, "window", integer=True)
    return [
        (tuple(tokens[j] for j in range(max(0, i - window), min(len(tokens), i + window + 1))
               if j != i), centre)
        for i, centre in enumerate(tokens)
    ]


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class SkipGramNS:
    """Skip-gram with negative sampling, trained with mini-batch SGD.

    ``fit(sentences)`` learns ``W_in_`` (the word vectors, also ``embeddings_``) and ``W_out_``
    (context vectors); ``history_`` holds the mean loss of every epoch. ``lr`` is the step per
    pair (the classic word2vec value is 0.025): a batch of ``B`` pairs moves the parameters by
    ``lr`` times the gradient of the *summed* loss.
    """

    def __init__(self, dim: int = 30, window: int = 2, negatives: int = 5, lr: float = 0.05,
                 epochs: int = 30, batch_size: int = 64, min_count: int = 1, seed: int = 0,
                 progress: bool = False):
        self.dim, self.window, self.negatives = dim, window, negatives
        self.lr, self.epochs, self.batch_size = lr, epochs, batch_size
        self.min_count, self.seed, self.progress = min_count, seed, progress

    @staticmethod
    def loss_and_grads(W_in, W_out, centres, contexts, negatives):
        """Mean negative-sampling loss of a batch and its gradients w.r.t. ``W_in``, ``W_out``.

        ``centres``, ``contexts``: ``(B,)`` word indices; ``negatives``: ``(B, K)``.
        """
        v = W_in[centres]  # (B, d)
        u_pos = W_out[contexts]  # (B, d)
        u_neg = W_out[negatives]  # (B, K, d)
        pos = np.sum(v * u_pos, axis=1)
        neg = np.einsum("bkd,bd->bk", u_neg, v)
        B = len(centres)
        loss = -np.mean(_log_sigmoid(pos) + _log_sigmoid(-neg).sum(axis=1))
        d_pos = -(1 - _sigmoid(pos)) / B  # d loss / d pos
        d_neg = _sigmoid(neg) / B  # d loss / d neg
        dv = d_pos[:, None] * u_pos + np.einsum("bk,bkd->bd", d_neg, u_neg)
        dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)
        np.add.at(dW_in, centres, dv)
        np.add.at(dW_out, contexts, d_pos[:, None] * v)
        np.add.at(dW_out, negatives, d_neg[:, :, None] * v[:, None, :])
        return float(loss), dW_in, dW_out

    def _pairs(self, token_lists):
        centres, contexts = [], []
        for tokens in token_lists:
            ids = [self.vocab_.stoi[t] for t in tokens if t in self.vocab_.stoi]
            for c, o in skipgram_pairs(ids, self.window):
                centres.append(c)
                contexts.append(o)
        return np.asarray(centres), np.asarray(contexts)

    def fit(self, sentences):
        from tqdm.auto import tqdm

        for name in ("dim", "window", "negatives", "epochs", "batch_size"):
            check_positive(getattr(self, name), name, integer=True)
        check_positive(self.lr, "lr")
        token_lists = _as_token_lists(sentences)
        self.vocab_ = build_vocab(token_lists, min_count=self.min_count, order="frequency")
        V = len(self.vocab_)
        if V < 2:
            raise DlbookError("Kho văn bản cần ít nhất 2 từ khác nhau để huấn luyện word2vec.")
        rng = np.random.default_rng(self.seed)
        self.W_in_ = rng.uniform(-0.5, 0.5, (V, self.dim)) / self.dim
        self.W_out_ = np.zeros((V, self.dim))
        freq = np.array([self.vocab_.counts[w] for w in self.vocab_.itos], float) ** 0.75
        self.noise_dist_ = freq / freq.sum()
        centres, contexts = self._pairs(token_lists)
        if len(centres) == 0:
            raise DlbookError("Không tạo được cặp (từ trung tâm, ngữ cảnh) nào từ kho văn bản.")
        self.history_ = []
        for _ in tqdm(range(self.epochs), desc="SkipGramNS", disable=not self.progress):
            order = rng.permutation(len(centres))
            total = 0.0
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                neg = rng.choice(V, size=(len(idx), self.negatives), p=self.noise_dist_)
                loss, dW_in, dW_out = self.loss_and_grads(
                    self.W_in_, self.W_out_, centres[idx], contexts[idx], neg)
                step = self.lr * len(idx)  # gradient of the mean → step of the sum
                self.W_in_ -= step * dW_in
                self.W_out_ -= step * dW_out
                total += loss * len(idx)
            self.history_.append(total / len(order))
        self.embeddings_ = self.W_in_
        return self

    def _check(self):
        if not hasattr(self, "W_in_"):
            raise NotFittedError("SkipGramNS chưa được huấn luyện: hãy gọi `fit` trước.")

    def vector(self, word: str) -> np.ndarray:
        self._check()
        return self.W_in_[self.vocab_[word]]

    def similarity(self, word_a: str, word_b: str) -> float:
        return cosine_similarity(self.vector(word_a), self.vector(word_b))

    def most_similar(self, word: str, topn: int = 5):
        self._check()
        return nearest_words(self.W_in_, self.vocab_, word, topn)


class GloVe:
    """GloVe: weighted least squares on the log co-occurrence counts, trained with AdaGrad.

    ``J = Σ_{X_ij > 0} f(X_ij) (w_i·w̃_j + b_i + b̃_j − log X_ij)²``. The counts come from
    :func:`cooccurrence_matrix` with ``window`` (plain counts; the paper also weights a pair by
    1/distance). ``embeddings_ = W_ + W_tilde_`` as in the paper; ``history_``: loss per epoch.
    """

    def __init__(self, dim: int = 20, window: int = 2, x_max: float = 10.0, alpha: float = 0.75,
                 lr: float = 0.1, epochs: int = 200, seed: int = 0):
        self.dim, self.window, self.x_max, self.alpha = dim, window, x_max, alpha
        self.lr, self.epochs, self.seed = lr, epochs, seed

    @staticmethod
    def loss_and_grads(params, rows, cols, counts, x_max: float = 10.0, alpha: float = 0.75):
        """Loss over the pairs ``(rows[k], cols[k])`` with counts ``counts[k] > 0`` and the
        gradients of every entry of ``params`` (``W``, ``W_tilde``, ``b``, ``b_tilde``)."""
        W, Wt, b, bt = params["W"], params["W_tilde"], params["b"], params["b_tilde"]
        weight = np.minimum(1.0, (counts / x_max) ** alpha)
        diff = np.sum(W[rows] * Wt[cols], axis=1) + b[rows] + bt[cols] - np.log(counts)
        loss = float(np.sum(weight * diff**2))
        g = 2 * weight * diff
        grads = {k: np.zeros_like(v) for k, v in params.items()}
        np.add.at(grads["W"], rows, g[:, None] * Wt[cols])
        np.add.at(grads["W_tilde"], cols, g[:, None] * W[rows])
        np.add.at(grads["b"], rows, g)
        np.add.at(grads["b_tilde"], cols, g)
        return loss, grads

    def fit(self, sentences):
        for name in ("dim", "window", "epochs"):
            check_positive(getattr(self, name), name, integer=True)
        M, self.vocab_ = cooccurrence_matrix(_as_token_lists(sentences), self.window)
        rows, cols = np.nonzero(M)
        counts = M[rows, cols]
        rng = np.random.default_rng(self.seed)
        V = len(self.vocab_)
        self.params_ = {
            "W": rng.uniform(-0.5, 0.5, (V, self.dim)) / self.dim,
            "W_tilde": rng.uniform(-0.5, 0.5, (V, self.dim)) / self.dim,
            "b": np.zeros(V),
            "b_tilde": np.zeros(V),
        }
        g2 = {k: np.full_like(v, 1e-8) for k, v in self.params_.items()}  # AdaGrad accumulators
        self.history_ = []
        for _ in range(self.epochs):
            loss, grads = self.loss_and_grads(self.params_, rows, cols, counts, self.x_max,
                                              self.alpha)
            for k, g in grads.items():
                g2[k] += g**2
                self.params_[k] -= self.lr * g / np.sqrt(g2[k])
            self.history_.append(loss / len(counts))
        self.embeddings_ = self.params_["W"] + self.params_["W_tilde"]
        return self

    def most_similar(self, word: str, topn: int = 5):
        if not hasattr(self, "embeddings_"):
            raise NotFittedError("GloVe chưa được huấn luyện: hãy gọi `fit` trước.")
        return nearest_words(self.embeddings_, self.vocab_, word, topn)
