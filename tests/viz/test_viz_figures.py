"""dlbook.viz: each function returns a Figure with the expected artists; the maps are computed right."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from dlbook import viz
from dlbook.train import History


def _history():
    h = History()
    for loss, acc in [(1.0, 0.5), (0.6, 0.7), (0.4, 0.8)]:
        h.record({"loss": loss, "accuracy": acc})
        h.record({"loss": loss + 0.1, "accuracy": acc - 0.05}, prefix="val_")
    return h


def test_plot_history_draws_loss_and_metric_panels_with_train_and_val_lines():
    fig = viz.plot_history(_history())
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 2 and len(acc_ax.lines) == 2
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), [1.0, 0.6, 0.4])
    assert acc_ax.get_ylabel() == "Độ chính xác"
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["tập huấn luyện", "tập kiểm định"]


def test_plot_history_accepts_scratch_style_dict():
    fig = viz.plot_history({"loss": [3, 2, 1]})
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1


def test_plot_roc_draws_curve_and_diagonal_with_auc_in_legend():
    fig = viz.plot_roc([0, 0.2, 1], [0, 0.8, 1], auc=0.8)
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    assert "AUC = 0.800" in ax.get_legend().get_texts()[0].get_text()


def test_decision_boundary_colours_the_plane_by_predicted_class():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [2.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    fig = viz.plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=50)
    ax = fig.axes[0]
    assert len(ax.collections) >= 2  # filled contours + scatter
    assert ax.get_legend() is not None


def test_decision_boundary_thresholds_probabilities_and_argmaxes_scores():
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = (X[:, 1] > 0).astype(int)
    viz.plot_decision_boundary(lambda P: 1 / (1 + np.exp(-P[:, 1])), X, y, resolution=30)
    viz.plot_decision_boundary(lambda P: torch.tensor(np.c_[-P[:, 1], P[:, 1]]), X, y, resolution=30)
    with pytest.raises(ValueError, match="X"):
        viz.plot_decision_boundary(lambda P: P[:, 0], np.zeros((5, 3)), np.zeros(5))


@pytest.mark.parametrize("shape", [(10, 28, 28), (10, 1, 28, 28), (10, 3, 32, 32), (10, 32, 32, 3), (10, 784)])
def test_show_images_accepts_usual_layouts(shape):
    images = np.random.default_rng(0).random(shape).astype(np.float32)
    fig = viz.show_images(images, labels=np.arange(10), ncols=4)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 12 and len(shown) == 10
    assert shown[3].get_title() == "3"


def test_show_images_marks_wrong_predictions_in_red_and_uses_class_names():
    images = torch.rand(3, 1, 8, 8)
    fig = viz.show_images(images, labels=[0, 1, 1], predictions=[0, 1, 0], class_names=["mèo", "chó"])
    titles = [ax.title for ax in fig.axes]
    assert titles[2].get_text() == "chó\ndự đoán: mèo"
    assert titles[2].get_color() == "red" and titles[0].get_color() == "black"


def test_show_images_rejects_empty_and_non_square_flat_images():
    with pytest.raises(ValueError, match="rỗng"):
        viz.show_images(np.zeros((0, 4, 4)))
    with pytest.raises(ValueError, match="vuông"):
        viz.show_images(np.zeros((2, 10)))


def test_confusion_matrix_writes_counts_and_normalizes_rows():
    cm = np.array([[5, 1], [2, 2]])
    fig = viz.plot_confusion_matrix(cm, ["âm", "dương"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["5", "1", "2", "2"]
    assert ax.get_xlabel() == "Nhãn dự đoán" and ax.get_ylabel() == "Nhãn thật"
    fig = viz.plot_confusion_matrix(cm, normalize=True)
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.83", "0.17", "0.50", "0.50"]
    with pytest.raises(ValueError, match="vuông"):
        viz.plot_confusion_matrix(np.zeros((2, 3)))


def _tiny_cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 2))


def test_get_feature_maps_returns_the_layer_output_for_one_image():
    model = _tiny_cnn()
    image = torch.rand(3, 8, 8)
    maps = viz.get_feature_maps(model, "0", image)
    expected = model[0](image[None])[0].detach().numpy()
    np.testing.assert_allclose(maps, expected, atol=1e-6)
    assert model.training  # the mode is restored
    fig = viz.plot_feature_maps(maps, ncols=2)
    assert sum(1 for ax in fig.axes if ax.images) == 4


def test_plot_filters_shows_rgb_kernels_in_colour_and_grey_otherwise():
    fig = viz.plot_filters(nn.Conv2d(3, 6, 5), ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 6 and shown[0].images[0].get_array().shape == (5, 5, 3)
    fig = viz.plot_filters(torch.randn(4, 16, 3, 3))
    assert [ax for ax in fig.axes if ax.images][0].images[0].get_array().shape == (3, 3)
    with pytest.raises(ValueError, match="out, in, k, k"):
        viz.plot_filters(np.zeros((3, 3)))


def _region_model():
    """Class 0's logit only sees the top-left 4×4 pixels of an 8×8 grey image."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    with torch.no_grad():
        model[1].weight.zero_()
        model[1].bias.zero_()
        w = torch.zeros(8, 8)
        w[:4, :4] = 1.0
        model[1].weight[0] = w.flatten()
    return model


def test_occlusion_is_positive_only_where_the_model_looks():
    heat = viz.occlusion(_region_model(), torch.ones(1, 8, 8), target=0, patch=2, stride=2)
    assert heat.shape == (8, 8)
    assert np.all(heat[:4, :4] > 0)
    assert np.allclose(heat[4:, :], 0) and np.allclose(heat[:, 4:], 0)


def test_saliency_of_a_linear_model_is_the_absolute_weight():
    model = _region_model()
    with torch.no_grad():
        model[1].weight[0, 0] = -3.0
    sal = viz.saliency(model, torch.rand(1, 8, 8), target=0)
    np.testing.assert_allclose(sal, model[1].weight[0].abs().reshape(8, 8).detach().numpy())


def test_occlusion_and_saliency_figures_have_three_panels():
    model, image = _tiny_cnn(), torch.rand(3, 8, 8)
    for fig in (viz.occlusion_map(model, image, 1, patch=4, stride=2), viz.saliency_map(model, image, 1)):
        assert isinstance(fig, Figure)
        assert sum(1 for ax in fig.axes if ax.images) == 3
    with pytest.raises(ValueError, match="patch"):
        viz.occlusion(model, image, 0, patch=20)


def test_optimizer_trajectories_draws_contours_and_one_line_per_optimizer():
    def loss(w1, w2):
        return w1**2 + 10 * w2**2

    t = np.linspace(1, 0, 10)
    paths = {"SGD": np.c_[2 * t, t], "Adam": np.c_[2 * t**2, t**2]}
    fig = viz.plot_optimizer_trajectories(loss, paths, minimum=(0, 0))
    ax = fig.axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["SGD", "Adam", "điểm xuất phát", "cực tiểu"]
    assert len(ax.collections) > 0  # contour lines
    with pytest.raises(ValueError, match="rỗng"):
        viz.plot_optimizer_trajectories(loss, {})


def test_learning_rate_figure_names_the_four_regimes():
    fig = viz.plot_learning_rates()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "η = 0,05: hội tụ chậm",
        "η = 0,3: hội tụ nhanh",
        "η = 0,9: dao động quanh cực tiểu",
        "η = 1,05: phân kỳ",
    ]


def test_learning_rate_slider_is_a_player_with_one_frame_per_rate():
    import re

    rates = [0.05, 0.3, 0.9, 1.05, 1.2]
    html = viz.learning_rate_slider(learning_rates=rates).data
    assert html.count('type="range"') == 1, "one slider"
    frames = re.findall(r"frames\[(\d+)\] = ", html)
    assert sorted(map(int, frames)) == list(range(len(rates)))
    assert "<script" in html and "data:image/png;base64" in html
    assert ">Một lần<" in html and 'title="Chạy"' in html
    assert not re.search(r'>(Once|Loop|Reflect)<|title="(Play|Pause)"', html), "English left"
    with pytest.raises(ValueError, match="rỗng"):
        viz.learning_rate_slider(learning_rates=[])


def test_gradient_descent_1d_follows_the_update_rule():
    xs = viz.gradient_descent_1d(lambda x: 2 * x, 4.0, 0.25, 3)
    np.testing.assert_allclose(xs, [4.0, 2.0, 1.0, 0.5])
