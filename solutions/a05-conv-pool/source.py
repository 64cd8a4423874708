# %% md
# # Bài tập 5 — Tích chập và pooling: lan truyền tiến và lan truyền ngược
#
# **Phần 4 · Chương 9–10: Xử lý ảnh cơ bản, Mạng CNN**
#
# Mục tiêu: tự cài đặt lớp tích chập (convolution) và lớp max pooling bằng NumPy, cả chiều tiến lẫn
# chiều ngược, với dữ liệu theo quy ước **NCHW**: `x` kích thước (N, C, H, W) = (số ảnh, số kênh,
# chiều cao, chiều rộng); bộ lọc `w` kích thước (F, C, KH, KW) = (số bộ lọc, số kênh, cao, rộng).
#
# Như trong deep learning (và PyTorch), "tích chập" ở đây là phép **tương quan chéo**
# (cross-correlation): không lật bộ lọc.
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `conv_output_size` | 1 |
# | 2 | `conv2d_forward` | 2 |
# | 3 | `conv2d_backward` | 3 |
# | 4 | `maxpool_forward` | 1 |
# | 5 | `maxpool_backward` | 2 |
# | | **Tổng** | **9** |
#
# Được dùng vòng lặp (ví dụ qua vị trí đầu ra), nhưng không dùng PyTorch, SciPy hay `dlbook`.
# Các câu độc lập: mỗi hàm tự tính những gì nó cần.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (1 điểm) — Kích thước đầu ra
#
# Với đầu vào cạnh `n`, bộ lọc cạnh `k`, padding `p` và bước nhảy (stride) `s`, đầu ra có cạnh
#
# $$\left\lfloor \frac{n - k + 2p}{s} \right\rfloor + 1.$$
#
# Viết `conv_output_size(n, k, p, s)` trả về **số nguyên** (`int`). Nếu bộ lọc lớn hơn đầu vào đã
# padding ($k > n + 2p$) thì `raise ValueError`. Ví dụ ảnh 7×7, bộ lọc 3×3: stride 1 → 5, stride
# 2 → 3, padding 1 và stride 1 → 7; stride 3 → 2 nhưng bộ lọc "không vừa" (cột cuối bị bỏ qua).

# %% solution id=conv_output_size_code
def conv_output_size(n, k, p, s):
    """Output size of a convolution or pooling along one axis."""
    ### BEGIN SOLUTION
    n, k, p, s = int(n), int(k), int(p), int(s)
    if k > n + 2 * p:
        raise ValueError(f"Bộ lọc {k} lớn hơn đầu vào đã padding {n + 2 * p}.")
    return (n - k + 2 * p) // s + 1
    ### END SOLUTION

# %% test id=conv_output_size points=1
expect_equal(conv_output_size(7, 3, 0, 1), 5, "conv_output_size(7, 3, 0, 1)")
expect_equal(conv_output_size(7, 3, 0, 2), 3, "conv_output_size(7, 3, 0, 2)")
expect_equal(conv_output_size(7, 3, 1, 1), 7, "conv_output_size(7, 3, 1, 1)")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_raises

    expect_equal(conv_output_size(7, 3, 0, 3), 2, "conv_output_size(7, 3, 0, 3)")
    expect_equal(conv_output_size(227, 11, 0, 4), 55, "conv_output_size(227, 11, 0, 4) (AlexNet)")
    expect_equal(conv_output_size(28, 2, 0, 2), 14, "conv_output_size(28, 2, 0, 2) (pooling)")
    expect_equal(conv_output_size(3, 5, 1, 1), 1, "conv_output_size(3, 5, 1, 1)")
    out = conv_output_size(224, 11, 0, 4)
    expect_true(isinstance(out, (int, np.integer)), "conv_output_size(224, 11, 0, 4)",
                f"mong đợi số nguyên, nhận được {type(out).__name__} {out!r}")
    expect_equal(out, 54, "conv_output_size(224, 11, 0, 4)")
    expect_raises(ValueError, conv_output_size, 3, 5, 0, 1, what="conv_output_size(3, 5, 0, 1)")

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (2 điểm) — Tích chập: lan truyền tiến
#
# Viết `conv2d_forward(x, w, b, stride, pad)` với `x` (N, C, H, W), `w` (F, C, KH, KW), `b` (F,),
# trả về `out` kích thước (N, F, OH, OW):
#
# $$\text{out}[n, f, i, j] = b_f + \sum_{c, u, v} x_p[n, c,\, i \cdot s + u,\, j \cdot s + v]\;
# w[f, c, u, v],$$
#
# trong đó $x_p$ là `x` đã được thêm `pad` số 0 ở bốn phía của hai chiều cuối (`np.pad`). Bộ lọc có
# thể không vuông (KH ≠ KW). Gợi ý: lặp qua các vị trí `(i, j)` của đầu ra và dùng `np.tensordot`
# (hoặc `np.einsum`) để tính cho mọi ảnh và mọi bộ lọc cùng lúc.

# %% solution id=conv2d_forward_code
def conv2d_forward(x, w, b, stride, pad):
    """Cross-correlation of x (N, C, H, W) with filters w (F, C, KH, KW) plus bias b (F,)."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH = (H + 2 * pad - KH) // stride + 1
    OW = (W + 2 * pad - KW) // stride + 1
    out = np.empty((N, F, OH, OW))
    for i in range(OH):
        for j in range(OW):
            patch = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b[None, :, None, None]
    ### END SOLUTION

# %% test id=conv2d_forward points=2
_img = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                 [0, 1, 1, 0, 0]], dtype=float)
_k = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
expect_close(conv2d_forward(_img[None, None], _k[None, None], np.zeros(1), stride=1, pad=0),
             [[[[4, 3, 4], [2, 4, 3], [2, 3, 4]]]], "ví dụ tích chập 5×5 với bộ lọc 3×3 trong sách")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    def ref(x, w, b, s, p):
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        F, C, KH, KW = w.shape
        OH, OW = (xp.shape[2] - KH) // s + 1, (xp.shape[3] - KW) // s + 1
        out = np.zeros((x.shape[0], F, OH, OW))
        for n in range(x.shape[0]):
            for f in range(F):
                for i in range(OH):
                    for j in range(OW):
                        out[n, f, i, j] = np.sum(xp[n, :, i * s:i * s + KH, j * s:j * s + KW] * w[f]) + b[f]
        return out

    rng = np.random.default_rng(52)
    for shape, wshape, s, p in [((2, 3, 7, 6), (4, 3, 3, 2), 1, 0), ((1, 2, 8, 8), (3, 2, 3, 3), 2, 1),
                                ((3, 1, 5, 7), (2, 1, 1, 4), 3, 2)]:
        x, w, b = rng.normal(size=shape), rng.normal(size=wshape), rng.normal(size=wshape[0])
        expect_close(conv2d_forward(x, w, b, stride=s, pad=p), ref(x, w, b, s, p),
                     f"conv2d_forward với x {shape}, w {wshape}, stride {s}, pad {p}")
    expect_not_using(conv2d_forward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (3 điểm) — Tích chập: lan truyền ngược
#
# Cho `dout` $= \partial J / \partial\, \text{out}$ kích thước (N, F, OH, OW), viết
# `conv2d_backward(dout, x, w, stride, pad)` trả về tuple `(dx, dw, db)` có kích thước lần lượt như
# `x`, `w` và `(F,)`.
#
# Gợi ý: mỗi phần tử đầu ra `out[n, f, i, j]` được tạo từ ô `patch` của $x_p$ và bộ lọc `w[f]`, nên
# với mỗi vị trí `(i, j)`:
#
# - `dw[f] += Σ_n dout[n, f, i, j] · patch[n]`;
# - `dx_p[n, :, ô (i, j)] += Σ_f dout[n, f, i, j] · w[f]` (cộng dồn, vì các ô có thể chồng lên nhau);
# - `db[f] = Σ_{n, i, j} dout[n, f, i, j]`;
#
# rồi cắt bỏ phần padding của `dx_p` để được `dx`.

# %% solution id=conv2d_backward_code
def conv2d_backward(dout, x, w, stride, pad):
    """Gradients (dx, dw, db) of conv2d_forward given dout = dJ/dout."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, _, OH, OW = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w, dtype=np.float64)
    for i in range(OH):
        for j in range(OW):
            rows = slice(i * stride, i * stride + KH)
            cols = slice(j * stride, j * stride + KW)
            g = dout[:, :, i, j]                       # (N, F)
            dw += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))
            dxp[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, dout.sum(axis=(0, 2, 3))
    ### END SOLUTION

# %% test id=conv2d_backward points=3
_x = np.arange(9.0).reshape(1, 1, 3, 3)
_w = np.ones((1, 1, 2, 2))
_dx, _dw, _db = conv2d_backward(np.ones((1, 1, 2, 2)), _x, _w, stride=1, pad=0)
expect_close(_dx, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]], "dx với x 3×3, bộ lọc 2×2 toàn số 1, dout toàn số 1")
expect_close(_dw, [[[[8, 12], [20, 24]]]], "dw trong cùng ví dụ")
expect_close(_db, [4.0], "db trong cùng ví dụ")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_not_using

    def fwd(x, w, b, s, p):
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        F, C, KH, KW = w.shape
        OH, OW = (xp.shape[2] - KH) // s + 1, (xp.shape[3] - KW) // s + 1
        out = np.zeros((x.shape[0], F, OH, OW))
        for i in range(OH):
            for j in range(OW):
                out[:, :, i, j] = np.einsum("nchw,fchw->nf", xp[:, :, i * s:i * s + KH, j * s:j * s + KW], w)
        return out + b[None, :, None, None]

    rng = np.random.default_rng(53)
    for shape, wshape, s, p in [((2, 2, 5, 6), (3, 2, 3, 2), 1, 1), ((1, 3, 7, 7), (2, 3, 3, 3), 2, 1),
                                ((2, 1, 6, 5), (2, 1, 2, 3), 3, 0)]:
        x, w, b = rng.normal(size=shape), rng.normal(size=wshape), rng.normal(size=wshape[0])
        G = rng.normal(size=fwd(x, w, b, s, p).shape)      # J = sum(G * out)
        dx, dw, db = conv2d_backward(G, x, w, stride=s, pad=p)
        what = f"x {shape}, w {wshape}, stride {s}, pad {p}"
        expect_gradient(lambda v: np.sum(G * fwd(v, w, b, s, p)), x, dx, f"dx với {what}")
        expect_gradient(lambda v: np.sum(G * fwd(x, v, b, s, p)), w, dw, f"dw với {what}")
        expect_gradient(lambda v: np.sum(G * fwd(x, w, v, s, p)), b, db, f"db với {what}")
    expect_not_using(conv2d_backward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (1 điểm) — Max pooling: lan truyền tiến
#
# Viết `maxpool_forward(x, pool, stride)` với `x` (N, C, H, W), cửa sổ vuông cạnh `pool`, bước
# nhảy `stride`, không padding; trả về (N, C, OH, OW) với
# $\text{out}[n, c, i, j] = \max$ của `x[n, c, i·stride : i·stride + pool, j·stride : j·stride + pool]`.
# Cửa sổ có thể chồng nhau (stride < pool).

# %% solution id=maxpool_forward_code
def maxpool_forward(x, pool, stride):
    """Max pooling with a square window, no padding."""
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    OH, OW = (H - pool) // stride + 1, (W - pool) // stride + 1
    out = np.empty((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            window = x[:, :, i * stride:i * stride + pool, j * stride:j * stride + pool]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out
    ### END SOLUTION

# %% test id=maxpool_forward points=1
_x = np.array([[1.0, 3.0, 2.0, 1.0], [4.0, 2.0, 0.0, 1.0], [1.0, 1.0, 5.0, 6.0],
               [0.0, 2.0, 7.0, 1.0]])[None, None]
expect_close(maxpool_forward(_x, pool=2, stride=2), [[[[4, 2], [2, 7]]]],
             "maxpool_forward 2×2, stride 2 trên ảnh 4×4")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    rng = np.random.default_rng(54)
    for shape, k, s in [((2, 3, 6, 6), 2, 2), ((1, 2, 7, 5), 3, 1), ((2, 1, 9, 8), 3, 2)]:
        x = rng.normal(size=shape)
        OH, OW = (shape[2] - k) // s + 1, (shape[3] - k) // s + 1
        want = np.array([[[[x[n, c, i * s:i * s + k, j * s:j * s + k].max() for j in range(OW)]
                           for i in range(OH)] for c in range(shape[1])] for n in range(shape[0])])
        expect_close(maxpool_forward(x, pool=k, stride=s), want,
                     f"maxpool_forward với x {shape}, pool {k}, stride {s}")
    expect_close(maxpool_forward(-np.ones((1, 1, 2, 2)), pool=2, stride=2), [[[[-1.0]]]],
                 "maxpool_forward khi mọi giá trị âm")
    expect_not_using(maxpool_forward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 5 (2 điểm) — Max pooling: lan truyền ngược
#
# Viết `maxpool_backward(dout, x, pool, stride)` trả về `dx` cùng kích thước với `x`. Gradient của
# mỗi phần tử `dout[n, c, i, j]` chỉ đi về **vị trí đạt giá trị lớn nhất** trong cửa sổ tương ứng
# (các vị trí khác nhận 0). Khi các cửa sổ chồng nhau, một phần tử có thể nhận gradient từ nhiều cửa
# sổ: phải **cộng dồn**. Nếu một cửa sổ có nhiều phần tử cùng bằng giá trị lớn nhất, chỉ phần tử
# **đầu tiên** (theo thứ tự hàng rồi cột, như `np.argmax`) nhận gradient.

# %% solution id=maxpool_backward_code
def maxpool_backward(dout, x, pool, stride):
    """Gradient of max pooling: each dout goes to the (first) argmax of its window."""
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    _, _, OH, OW = dout.shape
    dx = np.zeros_like(x, dtype=np.float64)
    n_idx, c_idx = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    for i in range(OH):
        for j in range(OW):
            window = x[:, :, i * stride:i * stride + pool, j * stride:j * stride + pool]
            arg = window.reshape(N, C, -1).argmax(axis=2)
            r, c = i * stride + arg // pool, j * stride + arg % pool
            np.add.at(dx, (n_idx, c_idx, r, c), dout[:, :, i, j])
    return dx
    ### END SOLUTION

# %% test id=maxpool_backward points=2
_x = np.array([[1.0, 3.0, 2.0, 1.0], [4.0, 2.0, 0.0, 1.0], [1.0, 1.0, 5.0, 6.0],
               [0.0, 2.0, 7.0, 1.0]])[None, None]
expect_close(maxpool_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), _x, pool=2, stride=2),
             [[[[0, 0, 2, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 3, 4, 0]]]],
             "maxpool_backward 2×2, stride 2 trên ảnh 4×4")
print("✅ Câu 5: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_not_using

    def fwd(x, k, s):
        OH, OW = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
        return np.stack([np.stack([x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
                                   for j in range(OW)], -1) for i in range(OH)], -2)

    rng = np.random.default_rng(55)
    for shape, k, s in [((2, 2, 6, 6), 2, 2), ((1, 3, 7, 6), 3, 1), ((2, 1, 8, 9), 3, 2)]:
        x = rng.permutation(np.prod(shape)).reshape(shape) / 7.0     # distinct values, no ties
        G = rng.normal(size=fwd(x, k, s).shape)
        dx = maxpool_backward(G, x, pool=k, stride=s)
        expect_gradient(lambda v: np.sum(G * fwd(v, k, s)), x, dx,
                        f"dx với x {shape}, pool {k}, stride {s} (cửa sổ {'chồng nhau' if s < k else 'rời nhau'})",
                        h=1e-6)
    tie = np.ones((1, 1, 2, 2))
    expect_close(maxpool_backward(np.array([[[[5.0]]]]), tie, pool=2, stride=2),
                 [[[[5.0, 0.0], [0.0, 0.0]]]], "maxpool_backward khi cả cửa sổ bằng nhau (chỉ phần tử đầu tiên)")
    expect_not_using(maxpool_backward)

_hidden()
### END HIDDEN TESTS
