"""The small datasets that ship with scikit-learn: digits, iris, breast cancer, and two sample photos."""

from __future__ import annotations

import numpy as np

from dlbook.data.result import make_output


def load_digits(as_: str = "numpy", normalize: bool = True, flatten: bool = True, **loader_kwargs):
    """scikit-learn's 1,797 handwritten digits, 8×8 grey images with values 0–16.

    ``X`` is ``(1797, 64)`` (``(1797, 1, 8, 8)`` with ``flatten=False``), divided by 16 into
    [0, 1] with ``normalize=True``; ``y`` holds the digits. ``.images`` is the ``(1797, 8, 8)``
    array as scikit-learn gives it.
    """
    from sklearn import datasets

    d = datasets.load_digits()
    X = d.images.astype(np.float32)
    if normalize:
        X = X / 16.0
    X = X.reshape(len(X), -1) if flatten else X[:, None]
    return make_output(
        X, d.target.astype(np.int64), as_,
        source="sklearn-digits",
        description="Bộ chữ số viết tay 8×8 của scikit-learn: 1.797 ảnh.",
        class_names=[str(i) for i in range(10)],
        images=d.images,
        **loader_kwargs,
    )


def _sklearn_table(name: str, as_: str, loader_kwargs: dict, description: str, **names):
    """scikit-learn's ``load_<name>()`` as float64 features and int64 labels, with its names."""
    from sklearn import datasets

    d = getattr(datasets, f"load_{name}")()
    names = {key: (value(d) if callable(value) else value) for key, value in names.items()}
    return make_output(d.data.astype(np.float64), d.target.astype(np.int64), as_,
                       source=f"sklearn-{name.replace('_', '-')}", description=description,
                       **names, **loader_kwargs)


def load_iris(as_: str = "numpy", **loader_kwargs):
    """Fisher's iris: 150 flowers, 4 measurements in cm (sepal and petal length/width), 3 species."""
    return _sklearn_table(
        "iris", as_, loader_kwargs,
        "Bộ dữ liệu hoa iris (Fisher, 1936) của scikit-learn: 150 mẫu, 4 đặc trưng, 3 loài.",
        feature_names=["chiều dài đài hoa (cm)", "chiều rộng đài hoa (cm)", "chiều dài cánh hoa (cm)",
                       "chiều rộng cánh hoa (cm)"],
        feature_names_en=lambda d: list(d.feature_names),
        class_names=lambda d: list(d.target_names),
    )


def load_breast_cancer(as_: str = "numpy", **loader_kwargs):
    """Wisconsin breast cancer: 569 tumours, 30 features; ``y = 0`` malignant (ác tính), ``1`` benign (lành tính)."""
    return _sklearn_table(
        "breast_cancer", as_, loader_kwargs,
        "Bộ dữ liệu ung thư vú Wisconsin của scikit-learn: 569 mẫu, 30 đặc trưng, 2 lớp.",
        feature_names=lambda d: list(d.feature_names),
        class_names=["ác tính", "lành tính"],
    )


SAMPLE_IMAGES = ("china.jpg", "flower.jpg")


def load_sample_image(name: str = "china.jpg") -> np.ndarray:
    """One of scikit-learn's two sample photos (``"china.jpg"`` or ``"flower.jpg"``, 427×640).

    Returns a ``uint8`` array of shape ``(height, width, 3)`` (RGB).
    """
    from sklearn import datasets

    key = name if name.endswith(".jpg") else f"{name}.jpg"
    if key not in SAMPLE_IMAGES:
        raise ValueError(f"Ảnh mẫu phải là một trong {SAMPLE_IMAGES}, nhưng nhận được {name!r}.")
    return datasets.load_sample_image(key)
