import numpy as np
import pytest

from dlbook.data.segmentation_data import make_segmentation_masks
from dlbook.errors import DlbookError


def test_images_and_masks_have_the_documented_form():
    images, masks = data = make_segmentation_masks(30, image_size=24, seed=0)
    assert images.shape == masks.shape == (30, 1, 24, 24)
    assert images.dtype == masks.dtype == np.float32
    assert set(np.unique(masks)) <= {0.0, 1.0}
    assert images.min() >= 0 and images.max() <= 1
    assert data.source == "generated-segmentation"
    assert np.all(masks.reshape(30, -1).sum(axis=1) > 0)  # every image has a circle


def test_foreground_is_bright_but_brightness_alone_is_not_enough():
    images, masks = make_segmentation_masks(100, seed=1)
    fg = images[masks == 1].mean()
    bg = images[masks == 0].mean()
    assert fg > bg + 0.3
    bright = images > 0.5
    # distractor shapes are as bright as the circles: thresholding overshoots the mask
    assert bright.sum() > 1.2 * masks.sum()


def test_generator_is_seeded_and_validates_sizes():
    a, b = make_segmentation_masks(3, seed=5), make_segmentation_masks(3, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    with pytest.raises(DlbookError, match="min_size"):
        make_segmentation_masks(3, image_size=8, max_size=12)
