"""The figures of the book. Every function returns the matplotlib ``Figure`` it drew (the one
player, ``learning_rate_slider``, its HTML)."""

from dlbook._exports import exported_names as _exported_names
from dlbook.viz.boundary import plot_decision_boundary
from dlbook.viz.cnn import get_feature_maps, plot_feature_maps, plot_filters
from dlbook.viz.curves import plot_history, plot_roc
from dlbook.viz.images import plot_confusion_matrix, show_images
from dlbook.viz.optim import (describe_run, gradient_descent_1d, learning_rate_slider, plot_learning_rates,
                              plot_optimizer_trajectories)
from dlbook.viz.saliency import occlusion, occlusion_map, saliency, saliency_map

__all__ = _exported_names(globals())
