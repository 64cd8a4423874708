"""KNN, K-means and PCA against scikit-learn."""

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import load_digits, load_iris, make_blobs
from sklearn.decomposition import PCA as SkPCA
from sklearn.neighbors import KNeighborsClassifier

from dlbook.errors import DlbookError, NotFittedError
from dlbook.scratch import PCA, KMeans, KNNClassifier, train_test_split

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
IRIS_X = IRIS_X + np.random.default_rng(0).normal(0, 1e-3, IRIS_X.shape)  # break distance ties


@pytest.mark.parametrize("k", [1, 3, 7])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_knn_matches_sklearn(k, metric):
    X_train, X_test, y_train, y_test = train_test_split(IRIS_X, IRIS_Y, test_size=0.3, seed=1)
    ours = KNNClassifier(k=k, metric=metric).fit(X_train, y_train)
    ref = KNeighborsClassifier(n_neighbors=k, metric=metric).fit(X_train, y_train)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test))
    d, i = ours.kneighbors(X_test)
    rd, ri = ref.kneighbors(X_test)
    np.testing.assert_allclose(d, rd, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(i, ri)


def test_knn_vote_tie_goes_to_the_smallest_label():
    X = np.array([[0.0], [1.0], [3.0], [4.0]])
    model = KNNClassifier(k=2).fit(X, [5, 2, 2, 5])
    assert model.predict([[0.4]])[0] == 2  # neighbours 0 (label 5) and 1 (label 2): a tie


def test_kmeans_matches_sklearn_from_the_same_initial_centres():
    X, _ = make_blobs(n_samples=300, centers=4, cluster_std=1.5, random_state=3)
    init = X[[0, 1, 2, 3]]
    ours = KMeans(n_clusters=4, init=init, max_iter=300, tol=0).fit(X)
    ref = SkKMeans(n_clusters=4, init=init, n_init=1, max_iter=300, tol=0, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-10)
    np.testing.assert_array_equal(ours.predict(X[:20]), ref.predict(X[:20]))


def test_kmeans_history_records_each_iteration_and_inertia_never_increases():
    X, _ = make_blobs(n_samples=200, centers=3, random_state=0)
    model = KMeans(n_clusters=3, seed=2).fit(X)
    hist = model.history_
    np.testing.assert_array_equal(hist[-1]["labels"], model.labels_)
    inertias = [np.sum((X - h["centers"][h["labels"]]) ** 2) for h in hist]
    assert np.all(np.diff(inertias) <= 1e-9)
    assert len(hist) == model.n_iter_
    again = KMeans(n_clusters=3, seed=2).fit(X)
    np.testing.assert_array_equal(again.cluster_centers_, model.cluster_centers_)


def test_pca_matches_sklearn_up_to_sign():
    X, _ = load_digits(return_X_y=True)
    ours = PCA(n_components=5).fit(X)
    ref = SkPCA(n_components=5, svd_solver="full").fit(X)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-8)
    signs = np.sign(np.sum(ours.components_ * ref.components_, axis=1))
    np.testing.assert_allclose(ours.components_ * signs[:, None], ref.components_, atol=1e-8)
    np.testing.assert_allclose(ours.transform(X) * signs, ref.transform(X), atol=1e-6)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)),
                               ref.inverse_transform(ref.transform(X)), atol=1e-6)


def test_pca_with_all_components_reconstructs_exactly_and_fraction_picks_k():
    X = IRIS_X
    full = PCA().fit(X)
    np.testing.assert_allclose(full.inverse_transform(full.transform(X)), X, atol=1e-10)
    assert full.explained_variance_ratio_.sum() == pytest.approx(1.0)
    ref = SkPCA(n_components=0.95, svd_solver="full").fit(X)
    assert PCA(n_components=0.95).fit(X).n_components_ == ref.n_components_
    Z = PCA(2).fit_transform(X)
    np.testing.assert_allclose(np.cov(Z.T), np.diag(PCA(2).fit(X).explained_variance_), atol=1e-10)


def test_classic_estimator_errors_are_in_vietnamese():
    with pytest.raises(NotFittedError, match="fit"):
        PCA(2).transform(IRIS_X)
    with pytest.raises(DlbookError, match="n_components"):
        PCA(10).fit(IRIS_X)
    with pytest.raises(DlbookError, match="lớn hơn số điểm"):
        KMeans(n_clusters=10).fit(IRIS_X[:5])
    with pytest.raises(DlbookError, match="lớn hơn số mẫu"):
        KNNClassifier(k=10).fit(IRIS_X[:5], IRIS_Y[:5])
    with pytest.raises(DlbookError, match="metric"):
        KNNClassifier(metric="cosine").fit(IRIS_X, IRIS_Y)
