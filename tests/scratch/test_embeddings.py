import numpy as np
import pytest

from dlbook.data.corpus import CORPUS_TOPICS, VIETNAMESE_CORPUS
from dlbook.errors import DlbookError, NotFittedError
from dlbook.scratch.embeddings import (
    GloVe,
    SkipGramNS,
    build_vocab,
    cbow_pairs,
    cooccurrence_matrix,
    cosine_similarity,
    nearest_words,
    skipgram_pairs,
    svd_embeddings,
    tokenize,
)

from dlbook.scratch.gradcheck import gradient_check

SEED_TABLE = np.array([
    [0, 2, 0, 1, 0],
    [2, 0, 1, 0, 1],
    [0, 1, 0, 1, 0],
    [1, 0, 1, 0, 0],
    [0, 1, 0, 0, 0],
])


def test_cooccurrence_reproduces_the_john_table_of_the_notes():
    # The notes' table is window 1 over "John is not fat. John is thin." read as one stream:
    # its John–fat count of 1 comes from "fat John" across the sentence boundary.
    M, vocab = cooccurrence_matrix(["John is not fat John is thin"], window=1)
    assert vocab.itos == ["John", "is", "not", "fat", "thin"]
    np.testing.assert_array_equal(M, SEED_TABLE)


def test_cooccurrence_does_not_count_across_sentences():
    M, vocab = cooccurrence_matrix(["John is not fat", "John is thin"], window=1)
    assert M[vocab.stoi["John"], vocab.stoi["fat"]] == 0
    assert M[vocab.stoi["John"], vocab.stoi["is"]] == 2
    np.testing.assert_array_equal(M, M.T)


def test_cooccurrence_with_larger_window_matches_brute_force():
    sents = [tokenize(s) for s in VIETNAMESE_CORPUS[:30]]
    M, vocab = cooccurrence_matrix(sents, window=3)
    ref = np.zeros_like(M)
    for s in sents:
        for i in range(len(s)):
            for j in range(len(s)):
                if i != j and abs(i - j) <= 3:
                    ref[vocab.stoi[s[i]], vocab.stoi[s[j]]] += 1
    np.testing.assert_array_equal(M, ref)


def test_svd_embeddings_match_truncated_svd_of_scikit_learn():
    from sklearn.decomposition import TruncatedSVD

    # distinct singular values (the John table has pairs ±λ, whose vectors are not unique)
    M = np.random.default_rng(0).poisson(2.0, (8, 6)).astype(float)
    ours = svd_embeddings(M, dim=2)
    ref = TruncatedSVD(2, algorithm="arpack").fit_transform(M)
    np.testing.assert_allclose(np.abs(ours), np.abs(ref), atol=1e-8)


def test_svd_embeddings_reconstruct_the_matrix_at_full_rank():
    M = SEED_TABLE.astype(float)
    E = svd_embeddings(M, dim=5)
    _, _, Vt = np.linalg.svd(M)
    np.testing.assert_allclose(E @ Vt, M, atol=1e-10)


def test_build_vocab_orders_and_thresholds():
    v = build_vocab(["b a b c", "a b"], min_count=2, specials=("<pad>",))
    assert v.itos == ["<pad>", "b", "a"]
    v = build_vocab(["c a b b"], order="frequency")
    assert v.itos == ["b", "c", "a"]
    v = build_vocab(["x y"], unk_token="<unk>")
    assert v.encode(["y", "zzz"]) == [2, 0]
    with pytest.raises(KeyError, match="không có"):
        build_vocab(["x y"])["z"]


def test_skipgram_pairs_with_window_two_on_the_quick_brown_fox():
    tokens = tokenize("The quick brown fox jumps over the lazy dog.")
    pairs = skipgram_pairs(tokens, window=2)
    assert pairs[:13] == [
        ("the", "quick"), ("the", "brown"),
        ("quick", "the"), ("quick", "brown"), ("quick", "fox"),
        ("brown", "the"), ("brown", "quick"), ("brown", "fox"), ("brown", "jumps"),
        ("fox", "quick"), ("fox", "brown"), ("fox", "jumps"), ("fox", "over"),
    ]
    assert len(pairs) == 2 + 3 + 4 * 5 + 3 + 2  # 9 words, edges have fewer neighbours
    assert pairs[-2:] == [("dog", "the"), ("dog", "lazy")]


def test_cbow_pairs_are_the_skipgram_pairs_grouped_by_centre():
    tokens = tokenize("The quick brown fox jumps")
    cbow = cbow_pairs(tokens, window=2)
    assert cbow[2] == (("the", "quick", "fox", "jumps"), "brown")
    regrouped = [(c, o) for ctx, c in cbow for o in ctx]
    assert regrouped == skipgram_pairs(tokens, window=2)


def test_negative_sampling_loss_passes_gradient_check():
    rng = np.random.default_rng(0)
    W_in, W_out = rng.normal(size=(7, 4)), rng.normal(size=(7, 4))
    centres, contexts = np.array([0, 3, 3, 5]), np.array([1, 2, 6, 3])
    negatives = rng.integers(0, 7, (4, 3))
    _, dW_in, dW_out = SkipGramNS.loss_and_grads(W_in, W_out, centres, contexts, negatives)

    def f():
        return SkipGramNS.loss_and_grads(W_in, W_out, centres, contexts, negatives)[0]

    assert gradient_check(lambda _: f(), W_in, dW_in) < 1e-6
    assert gradient_check(lambda _: f(), W_out, dW_out) < 1e-6


def test_negative_sampling_loss_is_mean_negative_log_probability():
    W_in, W_out = np.zeros((3, 2)), np.zeros((3, 2))
    loss, _, _ = SkipGramNS.loss_and_grads(W_in, W_out, np.array([0]), np.array([1]),
                                           np.array([[2, 2]]))
    assert loss == pytest.approx(3 * np.log(2))  # σ(0) = 1/2 for the positive and 2 negatives


def _mean_similarity(E, vocab):
    within, between = [], []
    topics = list(CORPUS_TOPICS.values())
    for a, wa in enumerate(topics):
        for b, wb in enumerate(topics):
            S = cosine_similarity(E[vocab.encode(wa)], E[vocab.encode(wb)])
            (within if a == b else between).append(
                S[~np.eye(len(wa), dtype=bool)].mean() if a == b else S.mean())
    return np.mean(within), np.mean(between)


def test_skipgram_trains_on_the_vietnamese_corpus_and_groups_topics():
    model = SkipGramNS(dim=20, epochs=12, seed=0).fit(VIETNAMESE_CORPUS)
    assert model.history_[-1] < 0.5 * model.history_[0]
    within, between = _mean_similarity(model.embeddings_, model.vocab_)
    assert within > between + 0.3
    neighbours = [w for w, _ in model.most_similar("chó", topn=3)]
    assert set(neighbours) <= set(CORPUS_TOPICS["động vật"])


def test_svd_of_the_corpus_groups_topics():
    M, vocab = cooccurrence_matrix([tokenize(s) for s in VIETNAMESE_CORPUS], window=2)
    E = svd_embeddings(M, dim=10, weighting="ppmi")
    within, between = _mean_similarity(E, vocab)
    assert within > between + 0.3
    assert nearest_words(E, vocab, "xoài", 1)[0][0] in CORPUS_TOPICS["trái cây"]


def test_skipgram_errors_in_vietnamese():
    with pytest.raises(NotFittedError, match="fit"):
        SkipGramNS().vector("chó")
    with pytest.raises(DlbookError, match="danh sách"):
        SkipGramNS().fit("một chuỗi")
    with pytest.raises(DlbookError, match="weighting"):
        svd_embeddings(np.eye(3), 2, weighting="tfidf")


def test_glove_loss_passes_gradient_check():
    rng = np.random.default_rng(3)
    params = {"W": rng.normal(size=(5, 3)), "W_tilde": rng.normal(size=(5, 3)),
              "b": rng.normal(size=5), "b_tilde": rng.normal(size=5)}
    rows, cols = np.array([0, 1, 4, 2, 0]), np.array([1, 0, 2, 4, 3])
    counts = np.array([3.0, 3.0, 20.0, 20.0, 1.0])  # one count above x_max: weight 1
    _, grads = GloVe.loss_and_grads(params, rows, cols, counts)
    for name, p in params.items():
        f = lambda _: GloVe.loss_and_grads(params, rows, cols, counts)[0]  # noqa: E731
        assert gradient_check(f, p, grads[name]) < 1e-6, name


def test_glove_fits_the_log_counts_and_groups_topics():
    model = GloVe(dim=10, epochs=100).fit(VIETNAMESE_CORPUS)
    assert model.history_[-1] < 0.01 * model.history_[0]
    within, between = _mean_similarity(model.embeddings_, model.vocab_)
    assert within > between + 0.3
    assert model.most_similar("ô_tô", 1)[0][0] in CORPUS_TOPICS["phương tiện"]
