"""Image operations: grey conversion, convolution with the classic kernels, augmentation."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage, signal
from sklearn.datasets import load_sample_image

from dlbook.errors import DlbookError, DTypeError, ShapeError
from dlbook.scratch import (
    KERNELS,
    adjust_brightness,
    convolve2d,
    crop,
    cutout,
    flip_horizontal,
    flip_vertical,
    random_crop,
    random_shift,
    rotate,
    scale,
    to_grayscale,
    translate,
)

PHOTO = load_sample_image("china.jpg")[::4, ::4]  # (107, 160, 3) uint8


def test_grayscale_uses_the_bt601_weights_and_agrees_with_pil():
    grey = to_grayscale(PHOTO)
    assert grey.shape == PHOTO.shape[:2] and grey.dtype == np.uint8
    exact = PHOTO.astype(float) @ [0.299, 0.587, 0.114]
    np.testing.assert_array_equal(grey, np.rint(exact))
    pil = np.asarray(Image.fromarray(PHOTO).convert("L"))
    assert np.abs(grey.astype(int) - pil).max() <= 1
    assert to_grayscale(np.array([[[1.0, 0.0, 0.0]]]))[0, 0] == pytest.approx(0.299)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_convolve2d_matches_scipy_correlate_and_torch(name):
    grey = to_grayscale(PHOTO).astype(float)
    k = KERNELS[name]
    ours = convolve2d(grey, k)
    np.testing.assert_allclose(ours, signal.correlate2d(grey, k, mode="valid"), atol=1e-9)
    same = convolve2d(grey, k, padding="same")
    assert same.shape == grey.shape
    ref = F.conv2d(torch.tensor(grey)[None, None], torch.tensor(k)[None, None], padding=1)
    np.testing.assert_allclose(same, ref[0, 0].numpy(), atol=1e-9)


def test_kernel_sums_explain_what_they_do():
    flat = np.full((5, 5), 7.0)
    np.testing.assert_allclose(convolve2d(flat, KERNELS["identity"]), 7.0)
    np.testing.assert_allclose(convolve2d(flat, KERNELS["sharpen"]), 7.0)  # weights sum to 1
    np.testing.assert_allclose(convolve2d(flat, KERNELS["box_blur"]), 7.0)
    for edge in ("edge", "edge_cross", "edge_diagonal", "sobel_x", "sobel_y"):
        np.testing.assert_allclose(convolve2d(flat, KERNELS[edge]), 0.0, atol=1e-12)
    step = np.tile([0.0, 0.0, 0.0, 10.0, 10.0, 10.0], (6, 1))  # a vertical edge
    assert np.abs(convolve2d(step, KERNELS["sobel_x"])).max() == 40.0
    np.testing.assert_allclose(convolve2d(step, KERNELS["sobel_y"]), 0.0)


def test_convolve2d_filters_each_colour_channel_with_stride():
    out = convolve2d(PHOTO, KERNELS["box_blur"], stride=2, padding=1)
    assert out.shape == (54, 80, 3)
    for c in range(3):
        ref = F.conv2d(torch.tensor(PHOTO[..., c], dtype=torch.float64)[None, None],
                       torch.tensor(KERNELS["box_blur"])[None, None], stride=2, padding=1)
        np.testing.assert_allclose(out[..., c], ref[0, 0].numpy(), atol=1e-9)


def test_flips_and_right_angle_rotations_move_pixels_exactly():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(flip_horizontal(img), img[:, ::-1])
    np.testing.assert_array_equal(flip_vertical(img), img[::-1])
    sq = PHOTO[:64, :64]
    np.testing.assert_array_equal(rotate(sq, 90), np.rot90(sq))  # counter-clockwise
    np.testing.assert_array_equal(rotate(sq, -90), np.rot90(sq, -1))
    np.testing.assert_array_equal(rotate(sq, 180), sq[::-1, ::-1])


def test_rotate_matches_scipy_bilinear_rotation():
    grey = to_grayscale(PHOTO).astype(float)
    ours = rotate(grey, 30, fill=0)
    ref = ndimage.rotate(grey, 30, reshape=False, order=1, mode="grid-constant", cval=0)
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_scale_zooms_about_the_centre():
    img = np.zeros((9, 9))
    img[4, 4] = 1.0
    img[4, 6] = 2.0
    big = scale(img, 2.0)
    assert big[4, 4] == 1.0 and big[4, 8] == 2.0  # 2 px from the centre becomes 4 px
    small = scale(np.ones((8, 8)), 0.5, fill=0)
    assert small[0, 0] == 0 and small[4, 4] == 1


def test_crop_translate_brightness_cutout():
    img = np.arange(25, dtype=np.uint8).reshape(5, 5)
    np.testing.assert_array_equal(crop(img, 1, 2, 2, 3), img[1:3, 2:5])
    assert random_crop(PHOTO, 32, 48, rng=0).shape == (32, 48, 3)
    shifted = translate(img, dx=2, dy=-1)
    np.testing.assert_array_equal(shifted[:4, 2:], img[1:, :3])
    assert np.all(shifted[:, :2] == 0) and np.all(shifted[4] == 0)
    np.testing.assert_array_equal(translate(img, 0, 0), img)
    bright = adjust_brightness(PHOTO, 1.5)
    assert bright.dtype == np.uint8 and bright.max() == 255
    np.testing.assert_array_equal(adjust_brightness(PHOTO, 1.0), PHOTO)
    np.testing.assert_allclose(adjust_brightness(np.array([[0.2, 0.8]]), 2.0), [[0.4, 1.0]])
    cut = cutout(np.ones((20, 20)), 6, rng=3)
    assert 9 <= np.sum(cut == 0) <= 36
    zeros = np.argwhere(cut == 0)
    assert np.ptp(zeros[:, 0]) < 6 and np.ptp(zeros[:, 1]) < 6


def test_random_shift_moves_each_image_of_a_batch_within_the_limit():
    batch = np.zeros((50, 7, 7), dtype=np.float32)
    batch[:, 3, 3] = 1.0
    out = random_shift(batch.reshape(50, 49), 2, rng=0, image_shape=(7, 7)).reshape(50, 7, 7)
    assert out.dtype == np.float32
    pos = np.argwhere(out == 1.0)
    assert len(pos) == 50  # each image still has its pixel
    assert np.abs(pos[:, 1:] - 3).max() <= 2 and len({tuple(p) for p in pos[:, 1:]}) > 10


def test_image_errors_are_in_vietnamese():
    with pytest.raises(ShapeError, match="vượt ra ngoài"):
        crop(PHOTO, 100, 0, 20, 20)
    with pytest.raises(ShapeError, match="3 kênh"):
        to_grayscale(np.zeros((4, 4, 2)))
    with pytest.raises(DlbookError, match="same"):
        convolve2d(np.zeros((5, 5)), np.ones((2, 2)), padding="same")
    with pytest.raises(DTypeError, match="số nguyên"):
        translate(PHOTO, 1.5, 0)
    with pytest.raises(ShapeError, match="2 hoặc 3 chiều"):
        flip_horizontal(np.zeros(5))
