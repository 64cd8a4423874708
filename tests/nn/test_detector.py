import numpy as np
import pytest
import torch

from dlbook.data.detection_data import make_shapes_detection
from dlbook.errors import DlbookError
from dlbook.nn.detector import (
    GridDetector,
    average_precision,
    decode_predictions,
    detection_loss,
    encode_targets,
    mean_average_precision,
    train_detector,
    yolo_filters,
)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models train faster on one thread, and CI machines are shared."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_yolo_filters_formula():
    assert yolo_filters(80) == 255
    assert yolo_filters(1) == 18


def test_grid_detector_output_shape_and_grid_check():
    model = GridDetector(num_classes=3, grid_size=8, image_size=64, width=4)
    assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 8, 8, 8)
    assert GridDetector(2, grid_size=4, image_size=64, width=4)(torch.zeros(1, 3, 64, 64)).shape \
        == (1, 4, 4, 7)
    with pytest.raises(DlbookError, match="lũy"):
        GridDetector(3, grid_size=6, image_size=64)


def test_encode_targets_puts_each_object_in_the_cell_of_its_centre():
    targets = [{"boxes": np.array([[0, 0, 16, 16], [40, 20, 56, 44]]), "labels": np.array([2, 1])}]
    t = encode_targets(targets, grid_size=8, image_size=64)
    assert t.shape == (1, 8, 8, 6)
    assert t[..., 0].sum() == 2
    np.testing.assert_allclose(t[0, 1, 1], [1, 0, 0, 0.25, 0.25, 2])  # centre (8, 8)
    np.testing.assert_allclose(t[0, 4, 6], [1, 0, 0, 0.25, 0.375, 1])  # centre (48, 32)


def _perfect_logits(targets, S, image_size, C):
    """Raw predictions that decode to exactly the ground truth."""
    t = encode_targets(targets, S, image_size)
    logit = lambda p: torch.logit(p.clamp(1e-6, 1 - 1e-6))
    pred = torch.full((len(targets), S, S, 5 + C), -12.0)
    pred[..., 0] = torch.where(t[..., 0] > 0, 12.0, -12.0)
    pred[..., 1:5] = logit(t[..., 1:5])
    pred[..., 5:] = -12.0
    cls = torch.nn.functional.one_hot(t[..., 5].long(), C).bool() & (t[..., :1] > 0)
    pred[..., 5:][cls] = 12.0
    return pred


def test_decoding_perfect_predictions_gives_the_ground_truth_and_map_one():
    data = make_shapes_detection(6, seed=3)
    pred = _perfect_logits(data.y, 8, 64, 3)
    dets = decode_predictions(pred, 64)
    for d, g in zip(dets, data.y):
        order = np.lexsort(g["boxes"].T[::-1])
        order_d = np.lexsort(d["boxes"].T[::-1])
        np.testing.assert_allclose(d["boxes"][order_d], g["boxes"][order], atol=1e-3)
        np.testing.assert_array_equal(d["labels"][order_d], g["labels"][order])
    m, aps = mean_average_precision(dets, data.y, num_classes=3)
    assert m == pytest.approx(1.0)
    assert detection_loss(pred, encode_targets(data.y, 8, 64)) < 0.01


def test_detection_loss_is_positive_and_differentiable():
    data = make_shapes_detection(4, seed=0)
    pred = torch.zeros(4, 8, 8, 8, requires_grad=True)
    loss = detection_loss(pred, encode_targets(data.y, 8, 64))
    loss.backward()
    assert loss.item() > 0 and pred.grad.abs().sum() > 0


def _ap_reference(dets, gts, thr=0.5):
    """Single class, plain Python: greedy matching, then the interpolated PR area."""
    def iou1(a, b):
        ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
        iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
        u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
        return ix * iy / u
    dets = sorted(dets, key=lambda d: -d[0])
    used = set()
    n_gt = sum(len(g) for g in gts)
    tp, rec, prec = 0, [], []
    for k, (score, img, box) in enumerate(dets, start=1):
        ious = [iou1(box, g) for g in gts[img]]
        if ious:
            j = max(range(len(ious)), key=lambda t: ious[t])
            if ious[j] >= thr and (img, j) not in used:
                used.add((img, j))
                tp += 1
        rec.append(tp / n_gt)
        prec.append(tp / k)
    ap, prev_r = 0.0, 0.0
    for i, r in enumerate(rec):
        if r > prev_r:
            ap += (r - prev_r) * max(prec[i:])
            prev_r = r
    return ap


def test_average_precision_on_hand_made_cases():
    gt = [{"boxes": np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), "labels": np.array([0, 0])}]
    # a false positive ranked first, then both objects: recall 0.5 at precision 1/2, then 1 at 2/3
    pred = [{"boxes": np.array([[50, 50, 60, 60], [0, 0, 10, 10], [20, 20, 30, 31]]),
             "scores": np.array([0.9, 0.8, 0.7]), "labels": np.array([0, 0, 0])}]
    m, aps = mean_average_precision(pred, gt)
    assert aps[0] == pytest.approx(2 / 3)  # envelope: precision 2/3 over the whole recall range
    # a duplicate detection of an already matched object is a false positive
    pred = [{"boxes": np.array([[0, 0, 10, 10], [0, 0, 10, 10]]), "scores": np.array([0.9, 0.8]),
             "labels": np.array([0, 0])}]
    assert mean_average_precision(pred, gt)[1][0] == pytest.approx(0.5)
    assert average_precision([0.5, 1.0], [1.0, 0.5]) == pytest.approx(0.75)


@pytest.mark.parametrize("seed", range(4))
def test_map_matches_plain_python_reference_on_random_detections(seed):
    rng = np.random.default_rng(seed)
    gts, preds = [], []
    for _ in range(5):
        k = rng.integers(0, 4)
        xy = rng.uniform(0, 50, (k, 2))
        g = np.concatenate([xy, xy + rng.uniform(5, 15, (k, 2))], 1)
        gl = rng.integers(0, 2, k)
        m = rng.integers(0, 6)
        jitter = g[rng.integers(0, max(k, 1), m)] + rng.normal(0, 2, (m, 4)) if k else \
            rng.uniform(0, 50, (m, 4)) + np.array([0, 0, 10, 10])
        gts.append({"boxes": g, "labels": gl})
        preds.append({"boxes": jitter, "scores": rng.permutation(m) / 10 + rng.uniform(0, .05, m),
                      "labels": rng.integers(0, 2, m)})
    _, aps = mean_average_precision(preds, gts, num_classes=2)
    for c, ap in aps.items():
        dets = [(s, i, b) for i, p in enumerate(preds)
                for b, s, lab in zip(p["boxes"], p["scores"], p["labels"]) if lab == c]
        ref = _ap_reference(dets, [g["boxes"][g["labels"] == c] for g in gts])
        assert ap == pytest.approx(ref)


def test_a_few_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    data = make_shapes_detection(32, seed=0)
    model = GridDetector(3, 8, 64, width=4)
    history = train_detector(model, data.X, data.y, epochs=5, batch_size=16, lr=1e-2,
                             progress=False)
    assert history[-1] < 0.7 * history[0]
