"""make_road_images: shapes, labels, the three-camera variant, and that the images carry the label."""

import numpy as np
import pytest

from dlbook.data import make_road_images, steering_angle


def test_road_images_are_uint8_nchw_with_angles_in_range():
    X, y = data = make_road_images(50, height=32, width=64, seed=0)
    assert X.shape == (50, 3, 32, 64) and X.dtype == np.uint8
    assert y.shape == (50,) and y.dtype == np.float32
    assert y.min() >= -1 and y.max() <= 1 and y.std() > 0.2
    np.testing.assert_allclose(y, steering_angle(data.curvature, data.offset), atol=1e-6)
    assert make_road_images(5, 20, 30, channels_first=False)[0].shape == (5, 20, 30, 3)


def test_road_images_are_reproducible():
    a, b = make_road_images(10, 24, 48, seed=5), make_road_images(10, 24, 48, seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], make_road_images(10, 24, 48, seed=6)[0])


def test_three_cameras_add_side_views_with_corrected_angles():
    X, y = data = make_road_images(20, 32, 64, seed=1, cameras=3, correction=0.2)
    assert X.shape == (60, 3, 32, 64)
    assert data.camera.tolist() == [0] * 20 + [1] * 20 + [2] * 20
    centre, left, right = y[:20], y[20:40], y[40:]
    np.testing.assert_allclose(left, np.clip(centre + 0.2, -1, 1), atol=1e-6)
    np.testing.assert_allclose(right, np.clip(centre - 0.2, -1, 1), atol=1e-6)
    assert not np.array_equal(X[:20], X[20:40])


def test_road_position_in_the_image_follows_offset_and_curvature():
    X, _ = data = make_road_images(200, 32, 64, seed=2, shadows=False, channels_first=False)
    row = 19  # with horizon 0.35: t = (31 − 19) / (31 − 11) = 0.6 of the way to the horizon
    pixels = X[:, row].astype(float)  # (N, W, 3)
    spread = pixels.max(-1) - pixels.min(-1)
    grey = spread < 0.15 * pixels.mean(-1)  # asphalt and white lines: R ≈ G ≈ B (grass is green)
    grey &= pixels.mean(-1) < 0.8 * pixels.max(axis=(1, 2))[:, None]  # drop the white lines
    xs = np.linspace(-1, 1, X.shape[2])
    centroid = (grey * xs).sum(1) / np.maximum(grey.sum(1), 1)
    # road centre at t: −0.45·offset·(1 − t) + 0.9·curvature·t² (car right of centre → road shifted left)
    t = 0.6
    expected = -0.45 * data.offset * (1 - t) + 0.9 * data.curvature * t**2
    assert np.corrcoef(centroid, expected)[0, 1] > 0.98
    partial = centroid - 0.9 * data.curvature * t**2  # remove the bend: what is left is the offset
    assert np.corrcoef(partial, data.offset)[0, 1] < -0.95


def test_road_images_reject_bad_camera_count():
    with pytest.raises(ValueError, match="cameras"):
        make_road_images(5, cameras=2)
