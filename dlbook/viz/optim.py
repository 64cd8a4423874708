"""Optimization figures: trajectories of optimizers on a 2-D loss surface, and the effect of the learning rate."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from dlbook.book import vietnamese_number_text
from dlbook.viz._util import to_numpy


def plot_optimizer_trajectories(loss_fn, trajectories: dict, xlim=None, ylim=None, levels: int = 30, ax=None,
                                minimum=None, resolution: int = 200, log_levels: bool = True):
    """Contours of a 2-D loss ``loss_fn(w1, w2)`` (vectorized over numpy arrays) with one path per optimizer.

    ``trajectories`` maps a name (``"SGD"``, ``"Adam"``, …) to an array of shape (T, 2): the
    parameters after each step, e.g. from ``dlbook.scratch.optimize_2d``. The view covers all
    paths unless ``xlim``/``ylim`` are given; ``minimum`` marks the optimum with a star.
    """
    paths = {name: to_numpy(p).reshape(-1, 2) for name, p in trajectories.items()}
    if not paths:
        raise ValueError("`trajectories` rỗng: cần ít nhất một quỹ đạo (T, 2).")
    points = np.concatenate(list(paths.values()))
    finite = points[np.all(np.isfinite(points), axis=1)]

    def limits(col, given):
        if given is not None:
            return given
        lo, hi = finite[:, col].min(), finite[:, col].max()
        pad = 0.15 * (hi - lo) + 0.1
        return lo - pad, hi + pad

    xlim, ylim = limits(0, xlim), limits(1, ylim)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    w1, w2 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    z = loss_fn(w1, w2)
    if log_levels and np.all(z > 0):
        lv = np.geomspace(z.min(), z.max(), levels)
    else:
        lv = levels
    ax.contour(w1, w2, z, levels=lv, cmap="viridis", linewidths=0.7)
    for name, p in paths.items():
        ax.plot(p[:, 0], p[:, 1], "-o", markersize=2.5, lw=1.3, label=name)
    ax.plot(*paths[next(iter(paths))][0], "ks", markersize=6, label="điểm xuất phát")
    if minimum is not None:
        ax.plot(*minimum, "r*", markersize=14, label="cực tiểu")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(loc="best", fontsize=8)
    return ax.figure


def gradient_descent_1d(grad, x0: float, lr: float, steps: int) -> np.ndarray:
    """The iterates x₀, x₁ = x₀ − η·f′(x₀), …, x_steps of gradient descent in one dimension."""
    xs = [float(x0)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * float(grad(xs[-1])))
    return np.array(xs)


def describe_run(xs: np.ndarray, minimum: float) -> str:
    """A Vietnamese word for the behaviour of a run: diverges, oscillates, slow or fast convergence."""
    dist = np.abs(xs - minimum)
    if not np.all(np.isfinite(xs)) or dist[-1] > dist[0]:
        return "phân kỳ"
    side = np.sign(xs - minimum)
    if np.any(side[1:] * side[:-1] < 0):
        return "dao động quanh cực tiểu"
    return "hội tụ chậm" if dist[-1] > 0.05 * dist[0] else "hội tụ nhanh"


def plot_learning_rates(f=None, grad=None, learning_rates=(0.05, 0.3, 0.9, 1.05), x0: float = 4.0, steps: int = 12,
                        xlim=(-6.0, 6.0), minimum: float = 0.0):
    """Gradient descent on the same 1-D loss with several learning rates, one panel each.

    Default loss f(x) = x² (f′(x) = 2x, minimum at 0), where x ← (1 − 2η)·x: η = 0.05 crawls,
    0.3 converges quickly, 0.9 jumps from side to side but converges, 1.05 diverges. Each
    panel's title names the behaviour (:func:`describe_run`).
    """
    f, grad = _loss_and_grad(f, grad)
    rates = list(learning_rates)
    fig, axes = plt.subplots(1, len(rates), figsize=(3.6 * len(rates), 3.4), squeeze=False)
    for ax, lr in zip(axes[0], rates):
        _draw_run(ax, f, grad, lr, x0, steps, xlim, minimum)
        ax.set_xlabel("x")
    axes[0][0].set_ylabel("f(x)")
    fig.tight_layout()
    return fig


def learning_rate_slider(f=None, grad=None, learning_rates=(0.05, 0.3, 0.9, 1.05), x0: float = 4.0,
                         steps: int = 12, xlim=(-6.0, 6.0), minimum: float = 0.0, xlabel: str = "x",
                         ylabel: str = "f(x)", interval_ms: int = 800):
    """The runs of :func:`plot_learning_rates`, one learning rate per frame, as an HTML player with
    a slider (matplotlib's JavaScript animation: it plays in the static site, with no kernel).

    Returns an ``IPython.display.HTML``; each frame's title gives η and the behaviour."""
    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    f, grad = _loss_and_grad(f, grad)
    rates = list(learning_rates)
    if not rates:
        raise ValueError("`learning_rates` rỗng: cần ít nhất một tốc độ học.")
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=80)

    def frame(i):
        ax.clear()
        _draw_run(ax, f, grad, rates[i], x0, steps, xlim, minimum)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        fig.tight_layout()

    animation = FuncAnimation(fig, frame, frames=len(rates), interval=interval_ms)
    html = animation.to_jshtml(default_mode="once")
    plt.close(fig)
    return HTML(_player_in_vietnamese(html))


#: The words of matplotlib's HTML player (labels and button tooltips) a reader sees.
PLAYER_WORDS = {
    ">Once<": ">Một lần<", ">Loop<": ">Lặp lại<", ">Reflect<": ">Tới lui<",
    'title="Decrease speed"': 'title="Chậm hơn"', 'title="Increase speed"': 'title="Nhanh hơn"',
    'title="First frame"': 'title="Khung đầu"', 'title="Last frame"': 'title="Khung cuối"',
    'title="Previous frame"': 'title="Khung trước"', 'title="Next frame"': 'title="Khung sau"',
    'title="Play backwards"': 'title="Chạy ngược"', 'title="Play"': 'title="Chạy"',
    'title="Pause"': 'title="Dừng"', 'title="Repetition mode"': 'title="Chế độ lặp"',
}


def _player_in_vietnamese(html: str) -> str:
    for english, vietnamese in PLAYER_WORDS.items():
        html = html.replace(english, vietnamese)
    return html


def _loss_and_grad(f, grad):
    if f is None:
        return (lambda x: x**2), (lambda x: 2 * x)
    if grad is None:
        raise ValueError("Khi truyền `f` cần truyền cả đạo hàm `grad`.")
    return f, grad


def _draw_run(ax, f, grad, lr, x0, steps, xlim, minimum) -> None:
    """One run of gradient descent on the curve of ``f``, titled with η and its behaviour."""
    xs = gradient_descent_1d(grad, x0, lr, steps)
    shown = xs[np.abs(xs) < 1e6]
    lo, hi = min(xlim[0], shown.min()), max(xlim[1], shown.max())  # a diverging run leaves the default view
    grid = np.linspace(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), 400)
    ax.plot(grid, f(grid), color="grey", lw=1)
    ax.plot(shown, f(shown), "o-", color="tab:red", markersize=4, lw=1)
    ax.plot(shown[0], f(shown[0]), "ks", markersize=6)
    ax.set_title(f"η = {vietnamese_number_text(f'{lr:g}')}: {describe_run(xs, minimum)}", fontsize=10)
