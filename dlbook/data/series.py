"""Time series for the forecasting chapters: a generated price-like series and a CSV loader.

``make_time_series`` draws a daily "price" whose logarithm is a slow trend, two seasonal
cycles (20 and 7 days) and AR(1) noise. The seasonal part is predictable from the recent past
and the noise is not, so a recurrent network can beat the naive forecast "tomorrow = today"
without being able to forecast perfectly. ``load_price_csv`` reads a real series (e.g. a stock
price exported as CSV with ``Date`` and ``Close`` columns) when a reader has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbook.data.result import LoadedData
from dlbook.errors import DlbookError, ShapeError, check_array, check_positive

__all__ = ["make_time_series", "load_price_csv", "make_windows", "split_series",
           "ForecastData", "make_forecasting_data"]


def make_time_series(n: int = 800, start_price: float = 100.0, trend: float = 4e-4,
                     seasonal=((20, 0.05), (7, 0.03)), ar: float = 0.8, noise: float = 0.01,
                     start_date: str = "2020-01-01", seed: int = 0) -> LoadedData:
    """A seeded daily price series; returns ``LoadedData(dates, prices)`` (``float64`` prices).

    ``log p_t = log p_0 + trend·t + Σ A·sin(2πt/P) + x_t`` with ``x_t = ar·x_{t−1} + ε_t``,
    ``ε_t ~ N(0, noise²)``; ``seasonal`` lists the ``(P, A)`` pairs.
    """
    check_positive(n, "n", integer=True)
    if not 0 <= ar < 1:
        raise DlbookError(f"`ar` phải nằm trong [0, 1) để chuỗi dừng, nhưng nhận được {ar}.")
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = np.zeros(n)
    eps = rng.normal(0, noise, n)
    x[0] = eps[0] / np.sqrt(1 - ar**2)
    for i in range(1, n):
        x[i] = ar * x[i - 1] + eps[i]
    log_p = np.log(start_price) + trend * t + x
    for period, amplitude in seasonal:
        log_p += amplitude * np.sin(2 * np.pi * t / period)
    dates = np.datetime64(start_date, "D") + t
    return LoadedData(
        dates, np.exp(log_p), source="generated-series",
        description=(f"Chuỗi giá sinh ngẫu nhiên {n} ngày (seed={seed}): xu hướng, chu kỳ "
                     f"{'/'.join(str(p) for p, _ in seasonal)} ngày và nhiễu AR(1)."),
    )


def load_price_csv(path, column: str = "Close", date_column: str | None = "Date") -> LoadedData:
    """Read a price series from a CSV file, sorted by date; returns ``LoadedData(dates, prices)``.

    Rows with a missing price are dropped. Without ``date_column`` the dates are the row
    numbers.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Không tìm thấy tệp CSV: {path}")
    df = pd.read_csv(path)
    for col in [column] + ([date_column] if date_column else []):
        if col not in df.columns:
            raise DlbookError(f"Tệp {path.name} không có cột {col!r}; các cột hiện có: "
                              f"{', '.join(map(str, df.columns))}.")
    prices = pd.to_numeric(df[column], errors="coerce")
    if date_column:
        dates = pd.to_datetime(df[date_column], errors="coerce")
        keep = prices.notna() & dates.notna()
        df = pd.DataFrame({"date": dates[keep], "price": prices[keep]}).sort_values("date")
        dates_out = df["date"].to_numpy().astype("datetime64[D]")
    else:
        df = pd.DataFrame({"price": prices[prices.notna()]})
        dates_out = np.arange(len(df))
    if len(df) == 0:
        raise DlbookError(f"Cột {column!r} của {path.name} không có giá trị số nào.")
    return LoadedData(dates_out, df["price"].to_numpy(float), source=str(path),
                      description=f"Chuỗi giá {len(df)} dòng, cột {column!r}, đọc từ {path.name}.")


def make_windows(series, window: int = 30, horizon: int = 1):
    """Sliding windows for supervised forecasting.

    Returns ``X`` ``(N, window, 1)`` and ``y`` ``(N, horizon)``: ``X[i]`` holds the values
    ``i … i+window−1`` and ``y[i]`` the next ``horizon`` values.
    """
    s = check_array(series, "series", ndim=1)
    check_positive(window, "window", integer=True)
    check_positive(horizon, "horizon", integer=True)
    n = len(s) - window - horizon + 1
    if n <= 0:
        raise ShapeError(f"Chuỗi dài {len(s)} quá ngắn cho cửa sổ {window} và tầm dự báo {horizon}.")
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    X = s[idx][..., None]
    y = s[np.arange(horizon)[None, :] + np.arange(n)[:, None] + window]
    return X, y


def split_series(series, test_fraction: float = 0.2):
    """Chronological split (never shuffled: the test part must lie in the future)."""
    s = np.asarray(series)
    if not 0 < test_fraction < 1:
        raise DlbookError(f"`test_fraction` phải nằm trong (0, 1), nhưng nhận được {test_fraction}.")
    cut = int(round(len(s) * (1 - test_fraction)))
    return s[:cut], s[cut:]


@dataclass
class ForecastData:
    """Windows ready for training, split in time and standardised with the training statistics.

    ``X_*``: ``(N, window, 1)``, ``y_*``: ``(N, 1)``, both standardised; ``inverse(y)`` maps
    standardised values back to the transformed scale (log-returns, logs or raw values).
    ``naive_test`` is the standardised "no change" forecast of every test window.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    naive_test: np.ndarray
    mean: float
    std: float
    transform: str

    def inverse(self, y):
        return np.asarray(y) * self.std + self.mean


def make_forecasting_data(values, window: int = 30, test_fraction: float = 0.2,
                          transform: str = "log_return") -> ForecastData:
    """Turn a price series into one-step-ahead forecasting windows.

    ``transform``: ``"log_return"`` (``log p_t − log p_{t−1}``: the usual choice for prices,
    and the naive forecast "tomorrow = today" is a return of 0), ``"log"`` or ``"none"`` (the
    naive forecast repeats the last value). Mean and standard deviation come from the
    training part only; the test windows may start in the training part but every test
    *target* lies after it.
    """
    v = check_array(values, "values", ndim=1)
    if transform == "log_return":
        if np.any(v <= 0):
            raise DlbookError("Lợi suất log cần giá dương.")
        s = np.diff(np.log(v))
    elif transform == "log":
        s = np.log(v)
    elif transform == "none":
        s = v
    else:
        raise DlbookError(f"`transform` phải là 'log_return', 'log' hoặc 'none', không phải {transform!r}.")
    train, _ = split_series(s, test_fraction)
    mean, std = float(train.mean()), float(train.std()) or 1.0
    z = (s - mean) / std
    X_train, y_train = make_windows(z[: len(train)], window)
    X_all, y_all = make_windows(z, window)
    X_test, y_test = X_all[len(train) - window :], y_all[len(train) - window :]
    naive = ((0.0 - mean) / std) * np.ones_like(y_test) if transform == "log_return" \
        else X_test[:, -1, :]
    return ForecastData(X_train, y_train, X_test, y_test, naive, mean, std, transform)
