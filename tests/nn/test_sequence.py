import numpy as np
import pytest
import torch

from dlbook.data.series import make_forecasting_data, make_time_series
from dlbook.errors import DlbookError
from dlbook.nn.sequence import SequenceRegressor, train_regressor


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models train faster on one thread, and CI machines are shared."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_output_shape_for_every_cell_stacked_and_bidirectional(cell, bidirectional):
    model = SequenceRegressor(3, 8, num_layers=2, cell=cell, bidirectional=bidirectional,
                              output_size=2)
    assert model(torch.zeros(5, 7, 3)).shape == (5, 2)
    assert model.head.in_features == 8 * (2 if bidirectional else 1)


def test_bidirectional_model_uses_the_final_state_of_both_directions():
    torch.manual_seed(0)
    model = SequenceRegressor(1, 4, cell="gru", bidirectional=True)
    x = torch.randn(2, 6, 1)
    out, h = model.rnn(x)
    expected = model.head(torch.cat([out[:, -1, :4], out[:, 0, 4:]], dim=-1))
    torch.testing.assert_close(model(x), expected)


def test_bad_cell_and_input_shape_are_reported():
    with pytest.raises(DlbookError, match="cell"):
        SequenceRegressor(cell="transformer")
    with pytest.raises(DlbookError, match="N, T"):
        SequenceRegressor()(torch.zeros(4, 5))


def test_a_few_epochs_reduce_the_loss_and_beat_the_naive_forecast():
    torch.manual_seed(0)
    _, prices = make_time_series(400, seed=0)
    d = make_forecasting_data(prices, window=20)
    model = SequenceRegressor(1, 16, cell="lstm")
    history = train_regressor(model, d.X_train, d.y_train, epochs=8, progress=False)
    assert history[-1] < 0.7 * history[0]
    with torch.no_grad():
        pred = model(torch.tensor(d.X_test, dtype=torch.float32)).numpy()
    rmse = np.sqrt(np.mean((pred - d.y_test) ** 2))
    naive = np.sqrt(np.mean((d.naive_test - d.y_test) ** 2))
    assert rmse < 0.8 * naive
