"""Seeded generators for the toy problems of the chapters.

Every generator takes ``seed`` and returns the same data for the same arguments. The data are
*generated*, not measured: the page must say so (``result.description`` does).
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import check_positive
from dlbook.data.result import LoadedData, make_output


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def make_area_price(n: int = 30, seed=0, noise: float = 25.0, low: float = 30.0, high: float = 100.0,
                    slope: float = 15.0, intercept: float = 0.0) -> LoadedData:
    """House area (m²) → price (triệu đồng): ``price = slope·area + intercept + noise``.

    As in the linear-regression notes, the ``n`` areas are evenly spaced from ``low`` to
    ``high`` (30, 32.41, 34.83, … m²) and the price is about 15 million đồng per m² with
    Gaussian noise of standard deviation ``noise``. ``X`` is ``(n, 1)``, ``y`` is ``(n,)``;
    ``.true_slope`` and ``.true_intercept`` are the line the data were drawn around.
    """
    check_positive(n, "n", integer=True)
    check_positive(noise, "noise", allow_zero=True)
    rng = _rng(seed)
    area = np.linspace(low, high, n)
    price = slope * area + intercept + rng.normal(0.0, noise, size=n)
    return LoadedData(
        area[:, None], price, source="generated:area_price",
        description=f"Dữ liệu sinh ngẫu nhiên: {n} căn nhà, diện tích (m²) và giá (triệu đồng).",
        true_slope=slope, true_intercept=intercept, feature_names=["Diện tích (m²)"], target_name="Giá (triệu đồng)",
    )


#: Columns of :func:`make_housing` (Vietnamese) and the USA_Housing names they correspond to.
HOUSING_COLUMNS = {
    "Thu nhập TB khu vực": "Avg. Area Income",
    "Tuổi nhà TB": "Avg. Area House Age",
    "Số phòng TB": "Avg. Area Number of Rooms",
    "Số phòng ngủ TB": "Avg. Area Number of Bedrooms",
    "Dân số khu vực": "Area Population",
    "Giá": "Price",
}
#: Coefficients (per unit of each feature) and intercept the prices are generated from.
HOUSING_COEF = np.array([21.5, 165_000.0, 121_000.0, 2_500.0, 15.2])
HOUSING_INTERCEPT = -2_640_000.0


def make_housing(n: int = 5000, seed=0, noise: float = 100_000.0, as_frame: bool = True):
    """A multivariate housing table shaped like the ``USA_Housing.csv`` of the notes (generated).

    Five features per area (average income in USD, average house age in years, average number of
    rooms and of bedrooms, population) and the price in USD, a linear function of them
    (:data:`HOUSING_COEF`, :data:`HOUSING_INTERCEPT`) plus Gaussian noise. Means and spreads
    follow the public table. ``as_frame=True`` returns a pandas ``DataFrame`` (Vietnamese column
    names, :data:`HOUSING_COLUMNS`) with ``df.attrs["source"]``; ``False`` returns ``(X, y)``.
    """
    check_positive(n, "n", integer=True)
    rng = _rng(seed)
    income = rng.normal(68_600, 10_700, n)
    age = rng.normal(6.0, 1.0, n)
    rooms = rng.normal(7.0, 1.0, n)
    bedrooms = np.clip(np.round(rooms - 3.0 + rng.normal(0, 1.1, n), 2), 2.0, 6.5)
    population = np.clip(rng.normal(36_200, 9_900, n), 200, None)
    X = np.column_stack([income, age, rooms, bedrooms, population])
    y = X @ HOUSING_COEF + HOUSING_INTERCEPT + rng.normal(0, noise, n)
    description = f"Dữ liệu nhà ở sinh ngẫu nhiên theo dạng bảng USA_Housing: {n} khu vực, 5 đặc trưng, giá (USD)."
    names = list(HOUSING_COLUMNS)
    if not as_frame:
        return LoadedData(X, y, source="generated:housing", description=description, feature_names=names[:-1])
    import pandas as pd

    df = pd.DataFrame(np.column_stack([X, y]), columns=names)
    df.attrs["source"] = "generated:housing"
    df.attrs["description"] = description
    return df


def make_study_sleep_pass(n: int = 100, seed=0, sharpness: float = 1.5) -> LoadedData:
    """Hours of study and of sleep per day → pass (1) or fail (0) (generated, for logistic regression).

    Study time is uniform in [1, 10] h, sleep in [3, 10] h; a student passes with probability
    σ(s·(1.2·study + 0.8·sleep − 11)), ``s = sharpness`` (larger: cleaner boundary).
    ``.true_coef`` = [1.2, 0.8], ``.true_intercept`` = −11.
    """
    check_positive(n, "n", integer=True)
    check_positive(sharpness, "sharpness")
    rng = _rng(seed)
    study = rng.uniform(1, 10, n)
    sleep = rng.uniform(3, 10, n)
    z = 1.2 * study + 0.8 * sleep - 11.0
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-sharpness * z))).astype(np.int64)
    return LoadedData(
        np.column_stack([study, sleep]), y, source="generated:study_sleep",
        description=f"Dữ liệu sinh ngẫu nhiên: {n} sinh viên, số giờ học và giờ ngủ mỗi ngày, đỗ (1) hay trượt (0).",
        feature_names=["Giờ học", "Giờ ngủ"], class_names=["trượt", "đỗ"],
        true_coef=np.array([1.2, 0.8]), true_intercept=-11.0,
    )


def make_height_weight(n: int = 15, seed=0, noise: float = 1.0, outlier: bool = False) -> LoadedData:
    """Height (cm) → weight (kg) of adults: weight ≈ 0.56·height − 33.7 (generated, heights 147–183 cm).

    ``outlier=True`` appends the point (150 cm, 90 kg) that the chapter on linear regression uses
    to show how one outlier moves a least-squares fit (and barely moves an L1 fit).
    """
    check_positive(n, "n", integer=True)
    rng = _rng(seed)
    height = np.sort(rng.uniform(147, 183, n))
    weight = 0.56 * height - 33.7 + rng.normal(0, noise, n)
    if outlier:
        height, weight = np.append(height, 150.0), np.append(weight, 90.0)
    return LoadedData(
        height[:, None], weight, source="generated:height_weight",
        description=f"Dữ liệu sinh ngẫu nhiên: {len(height)} người, chiều cao (cm) và cân nặng (kg)"
        + (", thêm một điểm ngoại lai (150 cm, 90 kg)." if outlier else "."),
        feature_names=["Chiều cao (cm)"], target_name="Cân nặng (kg)",
    )


def make_xor(n: int = 200, noise: float = 0.15, seed=0, as_: str = "numpy", **loader_kwargs):
    """XOR: points around the four corners of the unit square; label 1 where exactly one coordinate is 1.

    No straight line separates the classes: the example that logistic regression cannot solve.
    """
    check_positive(n, "n", integer=True)
    rng = _rng(seed)
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + rng.normal(0, noise, size=(n, 2))
    y = (corners[:, 0] ^ corners[:, 1]).astype(np.int64)
    return make_output(X, y, as_, source="generated:xor", description=f"Dữ liệu XOR sinh ngẫu nhiên: {n} điểm.",
                       **loader_kwargs)


def make_moons(n: int = 200, noise: float = 0.15, seed=0, as_: str = "numpy", **loader_kwargs):
    """Two interleaving half circles (scikit-learn's ``make_moons``), labels 0/1."""
    from sklearn.datasets import make_moons as sk_make_moons

    check_positive(n, "n", integer=True)
    random_state = seed if not isinstance(seed, np.random.Generator) else int(seed.integers(2**31))
    X, y = sk_make_moons(n_samples=n, noise=noise, random_state=random_state)
    return make_output(X, y.astype(np.int64), as_, source="generated:moons",
                       description=f"Dữ liệu hai nửa vầng trăng sinh ngẫu nhiên: {n} điểm.", **loader_kwargs)


def make_spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed=0, as_: str = "numpy",
                 **loader_kwargs):
    """Interleaved spirals (the CS231n example): class k winds from the centre along angle 4k…4(k+1)."""
    check_positive(n_per_class, "n_per_class", integer=True)
    check_positive(n_classes, "n_classes", integer=True)
    rng = _rng(seed)
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.repeat(np.arange(n_classes), n_per_class)
    r = np.linspace(0.0, 1.0, n_per_class)
    for k in range(n_classes):
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + rng.normal(0, noise, n_per_class)
        X[k * n_per_class:(k + 1) * n_per_class] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return make_output(X, y.astype(np.int64), as_, source="generated:spirals",
                       description=f"Dữ liệu xoắn ốc sinh ngẫu nhiên: {n_classes} lớp × {n_per_class} điểm.",
                       **loader_kwargs)


def make_gaussian_blobs(n: int = 300, centers=3, std: float = 1.0, seed=0, n_features: int = 2,
                        box: tuple = (-6.0, 6.0), as_: str = "numpy", **loader_kwargs):
    """A mixture of isotropic Gaussians: ``centers`` is a number of clusters or an array of centres.

    Points are split as evenly as possible between the clusters; ``.centers`` holds the centres
    (drawn uniformly in ``box`` when only their number is given). For K-means, KNN and softmax
    regression.
    """
    check_positive(n, "n", integer=True)
    check_positive(std, "std")
    rng = _rng(seed)
    if np.isscalar(centers):
        check_positive(centers, "centers", integer=True)
        centres = rng.uniform(box[0], box[1], size=(int(centers), n_features))
    else:
        centres = np.asarray(centers, dtype=float)
        if centres.ndim != 2:
            raise ValueError(f"`centers` phải là số cụm hoặc mảng (K, số chiều), nhưng có kích thước {centres.shape}.")
    k = len(centres)
    y = np.arange(n) % k
    y = y[rng.permutation(n)]
    X = centres[y] + rng.normal(0, std, size=(n, centres.shape[1]))
    return make_output(X, y.astype(np.int64), as_, source="generated:gaussian_blobs",
                       description=f"Hỗn hợp {k} cụm Gauss sinh ngẫu nhiên: {n} điểm.", centers=centres,
                       **loader_kwargs)
