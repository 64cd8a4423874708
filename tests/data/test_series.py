import numpy as np
import pytest

from dlbook.data.series import (
    load_price_csv,
    make_forecasting_data,
    make_time_series,
    make_windows,
    split_series,
)
from dlbook.errors import DlbookError, ShapeError


def test_generated_series_is_positive_daily_and_seeded():
    dates, prices = data = make_time_series(100, seed=3)
    assert prices.shape == (100,) and np.all(prices > 0)
    assert dates[0] == np.datetime64("2020-01-01") and np.all(np.diff(dates) == np.timedelta64(1, "D"))
    assert data.source == "generated-series"
    np.testing.assert_array_equal(prices, make_time_series(100, seed=3).y)
    assert not np.array_equal(prices, make_time_series(100, seed=4).y)


def test_generated_series_has_its_seasonal_cycle():
    _, p = make_time_series(2000, seasonal=((20, 0.05),), noise=0.001, trend=0.0, seed=0)
    r = np.diff(np.log(p))
    lag20 = np.corrcoef(r[:-20], r[20:])[0, 1]
    lag10 = np.corrcoef(r[:-10], r[10:])[0, 1]
    assert lag20 > 0.8 and lag10 < -0.8  # a period of 20 days: in phase at 20, opposite at 10


def test_make_windows_pairs_each_window_with_the_next_values():
    X, y = make_windows(np.arange(10.0), window=3, horizon=2)
    assert X.shape == (6, 3, 1) and y.shape == (6, 2)
    np.testing.assert_array_equal(X[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(y[0], [3, 4])
    np.testing.assert_array_equal(y[-1], [8, 9])
    with pytest.raises(ShapeError, match="quá ngắn"):
        make_windows(np.arange(3.0), window=3)


def test_split_series_keeps_time_order():
    a, b = split_series(np.arange(10), 0.3)
    assert a.tolist() == list(range(7)) and b.tolist() == [7, 8, 9]


def test_forecasting_data_uses_training_statistics_and_future_targets():
    _, p = make_time_series(300, seed=0)
    d = make_forecasting_data(p, window=10, test_fraction=0.2)
    r = np.diff(np.log(p))
    train = r[: int(round(len(r) * 0.8))]
    assert d.mean == pytest.approx(train.mean()) and d.std == pytest.approx(train.std())
    assert len(d.y_test) == len(r) - len(train)  # one target per test day
    np.testing.assert_allclose(d.inverse(d.y_test[:, 0]), r[len(train):])
    np.testing.assert_allclose(d.inverse(d.naive_test), 0.0, atol=1e-12)
    level = make_forecasting_data(p, window=10, transform="none")
    np.testing.assert_allclose(level.naive_test, level.X_test[:, -1, :])


def test_load_price_csv_sorts_by_date_and_drops_missing(tmp_path):
    f = tmp_path / "vnm.csv"
    f.write_text("Date,Open,Close\n2024-01-03,10,11.5\n2024-01-01,9,10.0\n2024-01-02,9.5,\n"
                 "2024-01-04,11,12.25\n", encoding="utf-8")
    dates, prices = data = load_price_csv(f)
    assert prices.tolist() == [10.0, 11.5, 12.25]
    assert dates.tolist() == [np.datetime64("2024-01-01"), np.datetime64("2024-01-03"),
                              np.datetime64("2024-01-04")]
    assert data.source == str(f)


def test_load_price_csv_names_a_missing_column(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("Ngay,Gia\n2024-01-01,1\n", encoding="utf-8")
    with pytest.raises(DlbookError, match="không có cột 'Close'"):
        load_price_csv(f)
    _, prices = load_price_csv(f, column="Gia", date_column=None)
    assert prices.tolist() == [1.0]
    with pytest.raises(FileNotFoundError, match="Không tìm thấy"):
        load_price_csv(tmp_path / "none.csv")
