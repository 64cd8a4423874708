"""im2col / col2im: layout, and col2im is the adjoint (transpose) of im2col."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.errors import ShapeError
from dlbook.scratch import col2im, im2col


def test_im2col_columns_are_the_patches_in_weight_order():
    x = np.arange(2 * 2 * 4 * 5, dtype=float).reshape(2, 2, 4, 5)
    cols = im2col(x, (2, 3), stride=(2, 1), padding=0)
    assert cols.shape == (2, 2 * 2 * 3, 2 * 3)
    # column (y=1, x=2) of image 1 is the patch starting at row 2, column 2
    np.testing.assert_array_equal(cols[1, :, 1 * 3 + 2], x[1, :, 2:4, 2:5].ravel())


def test_col2im_of_ones_counts_how_many_windows_cover_each_pixel():
    x_shape = (1, 1, 4, 4)
    cols = np.ones((1, 9, 4))  # 3×3 kernel, stride 1 → 2×2 windows
    counts = col2im(cols, x_shape, 3, 1, 0)[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 8), w=st.integers(1, 8),
    kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
    ph=st.integers(0, 2), pw=st.integers(0, 2),
)
def test_col2im_is_the_adjoint_of_im2col(n, c, h, w, kh, kw, sh, sw, ph, pw):
    if h + 2 * ph < kh or w + 2 * pw < kw:
        return
    rng = np.random.default_rng(h * 100 + w)
    x = rng.standard_normal((n, c, h, w))
    cols = im2col(x, (kh, kw), (sh, sw), (ph, pw))
    y = rng.standard_normal(cols.shape)
    # <im2col(x), y> == <x, col2im(y)> for every x, y
    lhs = float(np.sum(cols * y))
    rhs = float(np.sum(x * col2im(y, x.shape, (kh, kw), (sh, sw), (ph, pw))))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


def test_col2im_checks_the_column_shape():
    with pytest.raises(ShapeError, match="cols"):
        col2im(np.zeros((1, 9, 5)), (1, 1, 4, 4), 3)
