"""The figures of the book. Every function returns the matplotlib ``Figure`` it drew (the one
player, ``learning_rate_slider``, its HTML)."""

from dlbook.viz.boundary import plot_decision_boundary
from dlbook.viz.cnn import get_feature_maps, plot_feature_maps, plot_filters
from dlbook.viz.curves import plot_history, plot_roc
from dlbook.viz.images import plot_confusion_matrix, show_images
from dlbook.viz.optim import (describe_run, gradient_descent_1d, learning_rate_slider, plot_learning_rates,
                              plot_optimizer_trajectories)
from dlbook.viz.saliency import occlusion, occlusion_map, saliency, saliency_map

__all__ = [
    "describe_run",
    "get_feature_maps",
    "gradient_descent_1d",
    "learning_rate_slider",
    "occlusion",
    "occlusion_map",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_feature_maps",
    "plot_filters",
    "plot_history",
    "plot_learning_rates",
    "plot_optimizer_trajectories",
    "plot_roc",
    "saliency",
    "saliency_map",
    "show_images",
]
