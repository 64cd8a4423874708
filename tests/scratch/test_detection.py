import numpy as np
import pytest

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch.detection import (
    anchor_grid_shape,
    approx_anchor_centres,
    cxcywh_to_xyxy,
    generate_anchors,
    iou,
    nms,
    roi_bins,
    roi_max_pool,
    xyxy_to_cxcywh,
)


def _iou_reference(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _random_boxes(rng, n, size=100):
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(5, 40, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def test_iou_of_hand_made_boxes():
    assert iou([0, 0, 2, 2], [1, 1, 3, 3]) == pytest.approx(1 / 7)
    assert iou([0, 0, 2, 2], [0, 0, 2, 2]) == pytest.approx(1.0)
    assert iou([0, 0, 1, 1], [2, 2, 3, 3]) == 0.0
    assert iou([0, 0, 4, 4], [1, 1, 3, 3]) == pytest.approx(4 / 16)


def test_iou_matrix_matches_pairwise_reference():
    rng = np.random.default_rng(0)
    a, b = _random_boxes(rng, 7), _random_boxes(rng, 5)
    m = iou(a, b)
    assert m.shape == (7, 5)
    ref = np.array([[_iou_reference(x, y) for y in b] for x in a])
    np.testing.assert_allclose(m, ref, rtol=1e-12)


def test_iou_rejects_boxes_without_four_coordinates():
    with pytest.raises(ShapeError, match="N, 4"):
        iou(np.zeros((3, 3)), np.zeros((2, 4)))


def test_box_format_conversions_are_inverse():
    rng = np.random.default_rng(1)
    boxes = _random_boxes(rng, 6)
    np.testing.assert_allclose(cxcywh_to_xyxy(xyxy_to_cxcywh(boxes)), boxes)
    np.testing.assert_allclose(xyxy_to_cxcywh([0, 0, 4, 2]), [[2, 1, 4, 2]])


def _nms_reference(boxes, scores, thr, max_output=None):
    """The notes' algorithm written with Python lists."""
    remaining = sorted(range(len(scores)), key=lambda i: -scores[i])
    out = []
    while remaining and (max_output is None or len(out) < max_output):
        best = remaining.pop(0)
        out.append(best)
        remaining = [i for i in remaining if _iou_reference(boxes[best], boxes[i]) <= thr]
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("thr", [0.3, 0.5, 0.7])
def test_nms_matches_list_reference(seed, thr):
    rng = np.random.default_rng(seed)
    boxes = _random_boxes(rng, 40, size=60)
    scores = rng.permutation(40) / 40.0  # distinct scores: the order is unambiguous
    assert nms(boxes, scores, thr).tolist() == _nms_reference(boxes, scores, thr)


def test_nms_hand_made_case_and_max_output():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [21, 21, 31, 31]])
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    assert nms(boxes, scores, 0.5).tolist() == [3, 0]
    assert nms(boxes, scores, 0.5, max_output=1).tolist() == [3]
    assert nms(boxes, scores, 0.9).tolist() == [3, 0, 1, 2]


def test_nms_rejects_mismatched_scores():
    with pytest.raises(ShapeError, match="scores"):
        nms(np.zeros((3, 4)), np.zeros(2))


def test_anchor_count_estimate_of_the_notes_is_938_centres_and_8442_anchors():
    centres = approx_anchor_centres(400, 600, 16)
    assert centres == 938
    assert centres * 9 == 8442


def test_anchor_grid_of_400x600_stride_16_has_925_or_950_centres():
    assert anchor_grid_shape(400, 600, 16) == (25, 37)
    assert anchor_grid_shape(400, 600, 16, rounding="ceil") == (25, 38)
    assert generate_anchors(400, 600, 16).shape == (25 * 37 * 9, 4) == (8325, 4)
    assert generate_anchors(400, 600, 16, rounding="ceil").shape == (8550, 4)


def test_default_anchor_sizes_are_the_faster_rcnn_papers_128_256_512():
    """Ren et al. (2015): areas 128², 256², 512² with ratios 1:2, 1:1, 2:1 (not 64/128/256)."""
    cxcywh = xyxy_to_cxcywh(generate_anchors(16, 16, 16))
    assert cxcywh.shape == (9, 4)
    np.testing.assert_allclose(cxcywh[:, 2] * cxcywh[:, 3], np.repeat([128, 256, 512], 3) ** 2)
    np.testing.assert_allclose(cxcywh[:, 3] / cxcywh[:, 2], np.tile([0.5, 1, 2], 3))


def test_anchors_have_the_requested_areas_ratios_and_centres():
    anchors = generate_anchors(32, 48, 16, sizes=(64, 128, 256), ratios=(0.5, 1, 2))
    cxcywh = xyxy_to_cxcywh(anchors)
    first = cxcywh[:9]
    np.testing.assert_allclose(first[:, :2], 8.0)  # first centre at (stride/2, stride/2)
    np.testing.assert_allclose(first[:, 2] * first[:, 3], np.repeat([64, 128, 256], 3) ** 2)
    np.testing.assert_allclose(first[:, 3] / first[:, 2], np.tile([0.5, 1, 2], 3))
    centres = np.unique(np.round(cxcywh[:, :2], 6), axis=0)
    assert len(centres) == 2 * 3
    np.testing.assert_allclose(np.unique(centres[:, 0]), [8, 24, 40])


def test_roi_bins_split_ten_into_three_three_four():
    assert roi_bins(10, 3) == [3, 3, 4]
    assert roi_bins(7, 7) == [1] * 7
    assert roi_bins(9, 2) == [4, 5]
    with pytest.raises(DlbookError, match="không chia được"):
        roi_bins(2, 3)


def _roi_pool_reference(f, roi, out):
    x0, y0, x1, y1 = roi
    res = np.zeros((f.shape[0], out, out))
    hs, ws = roi_bins(y1 - y0, out), roi_bins(x1 - x0, out)
    for c in range(f.shape[0]):
        top = y0
        for i, hh in enumerate(hs):
            left = x0
            for j, ww in enumerate(ws):
                best = -np.inf
                for y in range(top, top + hh):
                    for x in range(left, left + ww):
                        best = max(best, f[c, y, x])
                res[c, i, j] = best
                left += ww
            top += hh
    return res


def test_roi_max_pool_of_10x10_region_into_3x3():
    f = np.arange(100.0).reshape(10, 10)
    out = roi_max_pool(f, (0, 0, 10, 10), 3)
    # bins [0,3), [3,6), [6,10): the max is the bottom-right cell of each block
    expected = np.array([[22, 25, 29], [52, 55, 59], [92, 95, 99]], dtype=float)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("roi", [(2, 3, 13, 11), (0, 0, 16, 16), (5, 1, 9, 15)])
def test_roi_max_pool_matches_loop_reference(roi):
    rng = np.random.default_rng(3)
    f = rng.normal(size=(4, 16, 16))
    np.testing.assert_array_equal(roi_max_pool(f, roi, 3), _roi_pool_reference(f, roi, 3))


def test_roi_max_pool_scales_image_coordinates_to_the_feature_map():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(2, 25, 37))
    a = roi_max_pool(f, (64, 32, 224, 192), (2, 2), spatial_scale=1 / 16)
    b = roi_max_pool(f, (4, 2, 14, 12), (2, 2))
    np.testing.assert_array_equal(a, b)


def test_roi_max_pool_rejects_region_outside_feature_map():
    with pytest.raises(DlbookError, match="nằm ngoài"):
        roi_max_pool(np.zeros((5, 5)), (0, 0, 6, 5), 2)
