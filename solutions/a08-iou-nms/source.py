# %% md
# # Bài tập 8 — Phát hiện đối tượng: IoU, NMS, anchor và ROI pooling
#
# **Phần 6 · Chương 16: Phát hiện đối tượng**
#
# Mục tiêu: cài đặt các khối cơ bản của các mô hình phát hiện đối tượng (R-CNN, Faster R-CNN, YOLO):
# độ trùng khớp IoU giữa các hộp, non-maximum suppression (NMS), lưới anchor của mạng đề xuất vùng
# (RPN) và ROI max pooling của Fast R-CNN.
#
# Quy ước: một hộp (bounding box) là 4 số `(x_min, y_min, x_max, y_max)` (dạng *xyxy*), trục `y`
# hướng xuống; diện tích là `(x_max − x_min) · (y_max − y_min)`, bằng 0 nếu hộp suy biến.
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `box_iou` | 2 |
# | 2 | `nms` | 3 |
# | 3 | `generate_anchors` | 2 |
# | 4 | `roi_max_pool` | 2 |
# | | **Tổng** | **9** |
#
# Chỉ dùng NumPy (không PyTorch, không `dlbook`). Các câu độc lập: mỗi hàm tự tính những gì nó cần.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (2 điểm) — IoU giữa mọi cặp hộp
#
# $$\mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A \cup B|} = \frac{|A \cap B|}{|A| + |B| - |A \cap B|}.$$
#
# Viết `box_iou(boxes_a, boxes_b)` với `boxes_a` (N, 4), `boxes_b` (M, 4), trả về ma trận (N, M).
#
# - Không dùng vòng lặp (broadcasting `boxes_a[:, None, :]` với `boxes_b[None, :, :]`).
# - Hai hộp không giao nhau có phần giao bằng 0 (chiều rộng/chiều cao của phần giao có thể âm: cắt
#   về 0).
# - Nếu hợp của hai hộp có diện tích 0 (cả hai suy biến), IoU là 0, không phải `nan`.

# %% solution id=box_iou_code
def box_iou(boxes_a, boxes_b):
    """Pairwise IoU of xyxy boxes: (N, 4) x (M, 4) -> (N, M)."""
    ### BEGIN SOLUTION
    a = np.asarray(boxes_a, dtype=np.float64)
    b = np.asarray(boxes_b, dtype=np.float64)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    ### END SOLUTION

# %% test id=box_iou points=2
_A = np.array([[0.0, 0.0, 2.0, 2.0]])
_B = np.array([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 2.0, 2.0], [5.0, 5.0, 6.0, 6.0]])
expect_close(box_iou(_A, _B), [[1 / 7, 1.0, 0.0]], "box_iou của hộp [0, 0, 2, 2] với ba hộp")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_no_loops, expect_not_using

    expect_close(box_iou(np.array([[0.0, 0.0, 1.0, 1.0]]), np.array([[2.0, 0.0, 3.0, 1.0]])), [[0.0]],
                 "box_iou của hai hộp rời nhau theo trục x (phần giao phải cắt về 0)")
    expect_close(box_iou(np.array([[0.0, 0.0, 1.0, 1.0]]), np.array([[2.0, 2.0, 3.0, 3.0]])), [[0.0]],
                 "box_iou của hai hộp rời nhau theo cả hai trục (−1 × −1 không được thành +1)")
    deg = box_iou(np.array([[1.0, 1.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]]))
    expect_finite(deg, "box_iou với hộp suy biến (diện tích 0)")
    expect_close(deg, [[0.0, 0.0]], "box_iou với hộp suy biến (diện tích 0)")
    rng = np.random.default_rng(81)
    def boxes(n):
        xy = rng.uniform(0, 10, size=(n, 2))
        return np.hstack([xy, xy + rng.uniform(0.5, 5, size=(n, 2))])
    A, B = boxes(6), boxes(4)
    want = np.zeros((6, 4))
    for i, a in enumerate(A):
        for j, b in enumerate(B):
            w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
            h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
            inter = w * h
            want[i, j] = inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
    expect_close(box_iou(A, B), want, "box_iou với 6 × 4 hộp ngẫu nhiên")
    expect_close(box_iou(B, A), want.T, "box_iou đối xứng: box_iou(B, A) = box_iou(A, B)ᵀ")
    expect_no_loops(box_iou)
    expect_not_using(box_iou)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (3 điểm) — Non-maximum suppression
#
# Viết `nms(boxes, scores, iou_threshold)` với `boxes` (N, 4), `scores` (N,), trả về **mảng số
# nguyên** các chỉ số của những hộp được giữ, theo thứ tự điểm giảm dần. Thuật toán tham lam:
#
# 1. sắp các hộp theo điểm giảm dần (điểm bằng nhau: chỉ số nhỏ hơn đứng trước, tức sắp xếp ổn định
#    `np.argsort(-scores, kind="stable")`);
# 2. lấy hộp đứng đầu, **giữ** nó;
# 3. bỏ mọi hộp còn lại có IoU với nó **lớn hơn** `iou_threshold` (bằng thì vẫn giữ);
# 4. lặp lại với những hộp còn lại cho đến khi hết.
#
# Được dùng một vòng lặp `while` cho bước 2–4, nhưng hãy tính IoU của hộp vừa giữ với mọi hộp còn
# lại cùng lúc (vector hóa).

# %% solution id=nms_code
def nms(boxes, scores, iou_threshold):
    """Greedy non-maximum suppression; indices of the kept boxes, best first."""
    ### BEGIN SOLUTION
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    area = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size > 0:
        best, rest = order[0], order[1:]
        keep.append(best)
        w = np.clip(np.minimum(boxes[best, 2], boxes[rest, 2]) - np.maximum(boxes[best, 0], boxes[rest, 0]), 0, None)
        h = np.clip(np.minimum(boxes[best, 3], boxes[rest, 3]) - np.maximum(boxes[best, 1], boxes[rest, 1]), 0, None)
        inter = w * h
        union = area[best] + area[rest] - inter
        overlap = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[overlap <= iou_threshold]
    return np.array(keep, dtype=np.int64)
    ### END SOLUTION

# %% test id=nms points=3
_boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [21, 21, 29, 29]], dtype=float)
_scores = np.array([0.9, 0.8, 0.7, 0.95])
expect_equal(nms(_boxes, _scores, 0.5), np.array([3, 0]),
             "nms với 4 hộp thành hai cụm, ngưỡng 0.5")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    expect_equal(nms(np.zeros((0, 4)), np.zeros(0), 0.5), np.zeros(0, dtype=np.int64), "nms khi không có hộp nào")
    one = nms(np.array([[0.0, 0.0, 1.0, 1.0]]), np.array([0.3]), 0.5)
    expect_equal(one, np.array([0]), "nms với một hộp")
    # IoU of these two boxes is exactly 0.5: equal to the threshold, both are kept
    expect_equal(nms(np.array([[0.0, 0.0, 3.0, 1.0], [1.0, 0.0, 4.0, 1.0]]), np.array([0.9, 0.8]), 0.5),
                 np.array([0, 1]), "nms khi IoU đúng bằng ngưỡng (0.5 > 0.5 là sai nên vẫn giữ)")
    # chain: A overlaps B, B overlaps C, A does not overlap C -> keep A and C
    chain = np.array([[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]], dtype=float)
    expect_equal(nms(chain, np.array([0.9, 0.8, 0.7]), 0.3), np.array([0, 2]),
                 "nms với chuỗi A–B–C (C chỉ trùng B, B đã bị loại nên C được giữ)")
    expect_equal(nms(chain[[0, 0, 0]], np.array([0.5, 0.5, 0.5]), 0.5), np.array([0]),
                 "nms với ba hộp giống hệt, điểm bằng nhau (giữ chỉ số nhỏ nhất)")
    rng = np.random.default_rng(82)
    xy = rng.uniform(0, 50, size=(60, 2))
    B = np.hstack([xy, xy + rng.uniform(5, 20, size=(60, 2))])
    S = rng.random(60)
    keep = nms(B, S, 0.4)
    expect_true(np.all(np.diff(S[keep]) <= 0), "thứ tự các hộp được giữ", "mong đợi điểm giảm dần")
    kept = B[keep]
    for i in range(len(kept)):
        for j in range(i + 1, len(kept)):
            w = max(0, min(kept[i, 2], kept[j, 2]) - max(kept[i, 0], kept[j, 0]))
            h = max(0, min(kept[i, 3], kept[j, 3]) - max(kept[i, 1], kept[j, 1]))
            inter = w * h
            union = np.prod(kept[i, 2:] - kept[i, :2]) + np.prod(kept[j, 2:] - kept[j, :2]) - inter
            expect_true(inter / union <= 0.4, "các hộp được giữ với ngưỡng 0.4",
                        f"hai hộp giữ lại {keep[i]} và {keep[j]} có IoU {inter / union:.3f} > 0.4")
    expect_not_using(nms)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (2 điểm) — Lưới anchor của RPN
#
# Feature map có `n_rows × n_cols` ô; ô `(i, j)` (hàng `i`, cột `j`) ứng với tâm
# $\big((j + 0.5)\cdot\text{stride},\ (i + 0.5)\cdot\text{stride}\big)$ trên ảnh. Mỗi tâm có
# `len(sizes) · len(ratios)` anchor: anchor kích thước $s$, tỉ lệ $r = h / w$ có diện tích $s^2$,
# tức $w = s / \sqrt{r}$ và $h = s\sqrt{r}$ (với 3 kích thước × 3 tỉ lệ là 9 anchor mỗi tâm).
#
# Viết `generate_anchors(n_rows, n_cols, stride, sizes, ratios)` trả về mảng
# `(n_rows · n_cols · len(sizes) · len(ratios), 4)` các hộp xyxy, **theo thứ tự**: hàng, rồi cột,
# rồi kích thước, rồi tỉ lệ (chỉ số thay đổi nhanh nhất là tỉ lệ). Không dùng vòng lặp.

# %% solution id=generate_anchors_code
def generate_anchors(n_rows, n_cols, stride, sizes, ratios):
    """Anchors (xyxy) ordered by row, column, size, ratio; ratio = h / w, area = size**2."""
    ### BEGIN SOLUTION
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1)
    ratios = np.asarray(ratios, dtype=np.float64).reshape(-1)
    s, r = np.meshgrid(sizes, ratios, indexing="ij")
    w = (s / np.sqrt(r)).reshape(-1)
    h = (s * np.sqrt(r)).reshape(-1)
    base = np.stack([-w / 2, -h / 2, w / 2, h / 2], axis=1)
    cy, cx = np.meshgrid((np.arange(n_rows) + 0.5) * stride, (np.arange(n_cols) + 0.5) * stride,
                         indexing="ij")
    centres = np.stack([cx, cy, cx, cy], axis=-1).reshape(-1, 1, 4)
    return (centres + base[None]).reshape(-1, 4)
    ### END SOLUTION

# %% test id=generate_anchors points=2
_anc = generate_anchors(1, 2, 16, [8.0], [1.0, 4.0])
expect_close(_anc, [[4, 4, 12, 12], [6, 0, 10, 16], [20, 4, 28, 12], [22, 0, 26, 16]],
             "generate_anchors(1, 2, 16, sizes=[8], ratios=[1, 4])")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    A = generate_anchors(25, 37, 16, [128.0, 256.0, 512.0], [0.5, 1.0, 2.0])
    expect_shape(A, (25 * 37 * 9, 4), "số anchor của ảnh 400×600 với stride 16 (25 × 37 tâm, 9 anchor mỗi tâm)")
    w, h = A[:, 2] - A[:, 0], A[:, 3] - A[:, 1]
    expect_close((w * h)[:9], [128.0**2] * 3 + [256.0**2] * 3 + [512.0**2] * 3,
                 "diện tích 9 anchor đầu tiên (bằng size²)", rtol=1e-9)
    expect_close((h / w)[:3], [0.5, 1.0, 2.0], "tỉ lệ h / w của 3 anchor đầu tiên", rtol=1e-9)
    centres = (A[:, :2] + A[:, 2:]) / 2
    expect_close(centres[9], [24.0, 8.0], "tâm của anchor thứ 10 (ô hàng 0, cột 1)")
    expect_close(centres[37 * 9], [8.0, 24.0], "tâm của anchor đầu tiên ở hàng 1")
    expect_no_loops(generate_anchors)
    expect_not_using(generate_anchors)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (2 điểm) — ROI max pooling
#
# Fast R-CNN đưa mọi vùng đề xuất (ROI) về cùng một kích thước bằng max pooling. Với `feature`
# kích thước (C, H, W) và `roi = (x0, y0, x1, y1)` là **chỉ số ô nguyên** trên feature map (vùng gồm
# các hàng `y0 … y1 − 1` và các cột `x0 … x1 − 1`), chia vùng thành lưới `output_size = (oh, ow)`:
#
# - một cạnh dài $L$ ô chia thành $n$ phần: $n - 1$ phần đầu dài $\lfloor L / n \rfloor$ ô, phần
#   cuối nhận phần còn lại ($\lfloor L/n \rfloor + L \bmod n$). Ví dụ $L = 10$, $n = 3$: 3, 3, 4 ô;
# - mỗi phần lấy giá trị lớn nhất trên từng kênh.
#
# Viết `roi_max_pool(feature, roi, output_size)` trả về mảng (C, oh, ow). Nếu vùng có cạnh ngắn hơn
# số phần cần chia thì `raise ValueError`.

# %% solution id=roi_max_pool_code
def roi_max_pool(feature, roi, output_size):
    """Max-pool the cells [y0, y1) x [x0, x1) of feature (C, H, W) into output_size bins."""
    ### BEGIN SOLUTION
    feature = np.asarray(feature, dtype=np.float64)
    x0, y0, x1, y1 = (int(v) for v in roi)
    oh, ow = (int(v) for v in output_size)
    if y1 - y0 < oh or x1 - x0 < ow:
        raise ValueError("Vùng quan tâm nhỏ hơn lưới đầu ra.")

    def edges(start, length, n):
        step = length // n
        return [start + k * step for k in range(n)] + [start + length]

    rows, cols = edges(y0, y1 - y0, oh), edges(x0, x1 - x0, ow)
    out = np.empty((feature.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = feature[:, rows[i]:rows[i + 1], cols[j]:cols[j + 1]].max(axis=(1, 2))
    return out
    ### END SOLUTION

# %% test id=roi_max_pool points=2
_f = np.arange(16.0).reshape(1, 4, 4)
expect_close(roi_max_pool(_f, (0, 0, 4, 4), (2, 2)), [[[5, 7], [13, 15]]],
             "roi_max_pool của feature 4×4 (giá trị 0…15) về lưới 2×2")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using, expect_raises

    f = np.zeros((1, 10, 10))
    f[0, 2, 9] = 1.0       # row 2 is in the first row bin, column 9 in the last (4-wide) column bin
    f[0, 9, 0] = 2.0       # row 9 is in the last (4-wide) row bin
    out = roi_max_pool(f, (0, 0, 10, 10), (3, 3))
    expect_close(out, [[[0, 0, 1], [0, 0, 0], [2, 0, 0]]],
                 "roi_max_pool 10×10 → 3×3 (các phần dài 3, 3, 4 ô)")
    rng = np.random.default_rng(84)
    feat = rng.normal(size=(3, 12, 15))
    out = roi_max_pool(feat, (2, 1, 13, 11), (2, 3))
    want = np.stack([np.stack([feat[:, r0:r1, c0:c1].max(axis=(1, 2))
                               for c0, c1 in [(2, 5), (5, 8), (8, 13)]], -1)
                     for r0, r1 in [(1, 6), (6, 11)]], -2)
    expect_close(out, want, "roi_max_pool với 3 kênh, roi (2, 1, 13, 11), lưới 2×3")
    expect_raises(ValueError, roi_max_pool, feat, (0, 0, 2, 2), (3, 3),
                  what="roi_max_pool khi vùng 2×2 nhỏ hơn lưới 3×3")
    expect_not_using(roi_max_pool)

_hidden()
### END HIDDEN TESTS
