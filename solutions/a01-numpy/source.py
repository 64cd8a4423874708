# %% md
# # Bài tập 1 — NumPy: broadcasting và vector hóa
#
# **Phần 1 · Chương 3: Python, NumPy, Matplotlib cơ bản**
#
# Mục tiêu: viết các phép tính trên mảng **không dùng vòng lặp Python**, bằng broadcasting và các
# hàm của NumPy, và viết chúng sao cho **ổn định số** (không tràn số, không chia cho 0).
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `standardize_columns` | 2 |
# | 2 | `pairwise_sq_distances` | 2 |
# | 3 | `softmax_rows` | 2 |
# | 4 | `one_hot` | 1 |
# | 5 | `moving_average` | 2 |
# | | **Tổng** | **9** |
#
# Nhắc lại broadcasting: khi cộng ma trận `x` có kích thước (4, 3) với vector `v = [1, 0, 1]`
# kích thước (3,), NumPy "kéo dãn" `v` thành 4 hàng giống nhau rồi cộng từng phần tử:
#
# ```python
# x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])
# x + np.array([1, 0, 1])   # [[2 2 4] [5 5 7] [8 8 10] [11 11 13]]
# ```
#
# Quy tắc: so kích thước từ phải sang trái; hai chiều khớp nhau khi bằng nhau hoặc một trong hai
# bằng 1. Thêm trục bằng `None` (hoặc `np.newaxis`), ví dụ `a[:, None]` biến (N,) thành (N, 1).

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (2 điểm) — Chuẩn hóa z-score theo cột
#
# Viết `standardize_columns(X)` nhận ma trận `X` kích thước (N, D) và trả về ma trận cùng kích
# thước, trong đó mỗi cột đã được chuẩn hóa: $z_{ij} = (x_{ij} - \mu_j) / \sigma_j$, với $\mu_j$ là
# trung bình và $\sigma_j$ là độ lệch chuẩn (chia cho $N$, tức `ddof=0`) của cột $j$.
#
# - Không dùng vòng lặp: dùng `X.mean(axis=0)`, `X.std(axis=0)` và broadcasting.
# - Một cột hằng số có $\sigma_j = 0$: khi đó trả về cột toàn số 0 (không được ra `nan`).
# - Không sửa mảng `X` đầu vào.

# %% solution id=standardize_columns_code
def standardize_columns(X):
    """Z-score every column of X (N, D); constant columns become 0."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    safe = np.where(std > 0, std, 1.0)
    return (X - mean) / safe
    ### END SOLUTION

# %% test id=standardize_columns points=2
X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 40.0]])
expect_close(standardize_columns(X),
             [[-1.2247449, -0.7071068], [0.0, -0.7071068], [1.2247449, 1.4142136]],
             "standardize_columns(X) với X = [[1, 10], [3, 10], [5, 40]]", atol=1e-6)
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_no_loops, expect_not_using

    rng = np.random.default_rng(101)
    X = rng.normal(5.0, 3.0, size=(40, 6))
    X_before = X.copy()
    Z = standardize_columns(X)
    expect_shape(Z, (40, 6), "kích thước kết quả với X 40×6")
    expect_close(Z.mean(axis=0), np.zeros(6), "trung bình từng cột sau khi chuẩn hóa", atol=1e-9)
    expect_close(Z.std(axis=0), np.ones(6), "độ lệch chuẩn từng cột (ddof=0)", rtol=1e-9)
    expect_close(X, X_before, "mảng X đầu vào (không được sửa X)")
    C = np.array([[2.0, 1.0], [2.0, 2.0], [2.0, 3.0]])
    Zc = standardize_columns(C)
    expect_finite(Zc, "standardize_columns với một cột hằng số")
    expect_close(Zc[:, 0], np.zeros(3), "cột hằng số sau khi chuẩn hóa")
    expect_shape(standardize_columns(np.arange(5.0).reshape(5, 1)), (5, 1), "X một cột (5, 1)")
    expect_no_loops(standardize_columns)
    expect_not_using(standardize_columns)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (2 điểm) — Bình phương khoảng cách giữa mọi cặp điểm
#
# Viết `pairwise_sq_distances(A, B)` với `A` kích thước (N, D), `B` kích thước (M, D), trả về ma
# trận `D` kích thước (N, M) với $D_{ij} = \lVert a_i - b_j \rVert^2$.
#
# - Không dùng vòng lặp. Gợi ý: $\lVert a - b \rVert^2 = \lVert a \rVert^2 - 2\,a \cdot b +
#   \lVert b \rVert^2$, hoặc broadcasting `A[:, None, :] - B[None, :, :]`.
# - Khoảng cách bình phương không bao giờ âm: công thức khai triển có thể cho số âm rất nhỏ do sai
#   số làm tròn, hãy xử lý điều đó.

# %% solution id=pairwise_sq_distances_code
def pairwise_sq_distances(A, B):
    """Squared Euclidean distances between the rows of A (N, D) and B (M, D) -> (N, M)."""
    ### BEGIN SOLUTION
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    sq = (A**2).sum(axis=1)[:, None] - 2.0 * A @ B.T + (B**2).sum(axis=1)[None, :]
    return np.maximum(sq, 0.0)
    ### END SOLUTION

# %% test id=pairwise_sq_distances points=2
A = np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 4.0]])
B = np.array([[0.0, 0.0], [1.0, 0.0]])
expect_close(pairwise_sq_distances(A, B), [[0.0, 1.0], [2.0, 1.0], [25.0, 20.0]],
             "pairwise_sq_distances(A, B) với A = [[0, 0], [1, 1], [3, 4]], B = [[0, 0], [1, 0]]")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    rng = np.random.default_rng(202)
    for n, m, d in [(7, 5, 3), (1, 9, 1), (12, 1, 16)]:
        A = rng.normal(size=(n, d))
        B = rng.normal(size=(m, d))
        want = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)
        expect_close(pairwise_sq_distances(A, B), want,
                     f"pairwise_sq_distances với A {n}×{d}, B {m}×{d}", rtol=1e-7, atol=1e-9)
    P = rng.normal(size=(30, 4)) + 1e4
    D = pairwise_sq_distances(P, P)
    expect_true(np.all(D >= 0), "khoảng cách của một tập điểm với chính nó (tọa độ ≈ 10⁴)",
                f"mọi khoảng cách bình phương phải ≥ 0, nhưng giá trị nhỏ nhất là {D.min():.3g}")
    expect_close(np.diag(D), np.zeros(30), "đường chéo D[i, i] (khoảng cách của điểm với chính nó)",
                 atol=1e-3)
    expect_no_loops(pairwise_sq_distances)
    expect_not_using(pairwise_sq_distances)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (2 điểm) — Softmax theo hàng, ổn định số
#
# Viết `softmax_rows(Z)` với `Z` kích thước (N, C), trả về ma trận cùng kích thước, mỗi hàng là
# $\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$.
#
# - Không dùng vòng lặp.
# - Với `Z = [[1000, 1000]]` thì `np.exp(1000)` tràn số thành `inf` và kết quả thành `nan`. Vì
#   $\mathrm{softmax}(z) = \mathrm{softmax}(z - c)$ với mọi hằng số $c$, hãy trừ giá trị lớn nhất
#   của **từng hàng** trước khi lấy mũ.

# %% solution id=softmax_rows_code
def softmax_rows(Z):
    """Row-wise softmax of Z (N, C), numerically stable."""
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=np.float64)
    shifted = Z - Z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION

# %% test id=softmax_rows points=2
expect_close(softmax_rows(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]],
             "softmax_rows([[0, ln 3]])")
expect_close(softmax_rows(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])),
             [[0.09003057, 0.24472847, 0.66524096], [1 / 3, 1 / 3, 1 / 3]],
             "softmax_rows([[1, 2, 3], [0, 0, 0]])", atol=1e-7)
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using, expect_stable

    out = expect_stable(softmax_rows, np.array([[1000.0, 1000.0], [-1000.0, 0.0]]),
                        what="softmax_rows([[1000, 1000], [-1000, 0]])")
    expect_close(out, [[0.5, 0.5], [0.0, 1.0]], "softmax_rows([[1000, 1000], [-1000, 0]])")
    rng = np.random.default_rng(303)
    Z = rng.normal(0, 50, size=(8, 5))
    P = expect_stable(softmax_rows, Z, what="softmax_rows với Z ngẫu nhiên lớn")
    expect_close(P.sum(axis=1), np.ones(8), "tổng mỗi hàng của softmax")
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    expect_close(P, e / e.sum(axis=1, keepdims=True), "softmax_rows với Z 8×5 ngẫu nhiên")
    # the max must be taken per row, not over the whole matrix
    expect_close(softmax_rows(np.array([[0.0, 1.0], [-800.0, -799.0]])),
                 [[0.26894142, 0.73105858]] * 2, "softmax_rows([[0, 1], [-800, -799]])")
    expect_no_loops(softmax_rows)
    expect_not_using(softmax_rows)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (1 điểm) — Mã hóa one-hot
#
# Viết `one_hot(y, num_classes)` với `y` là mảng nhãn nguyên kích thước (N,), trả về ma trận số
# thực kích thước (N, num_classes) với số 1 ở cột `y[i]` của hàng `i`, còn lại là 0. Ví dụ nhãn
# `5` với 10 lớp là `[0, 0, 0, 0, 0, 1, 0, 0, 0, 0]` (số 1 ở vị trí thứ sáu, vì đếm từ 0).
#
# - Không dùng vòng lặp (gợi ý: `np.eye`, hoặc gán bằng chỉ số mảng `M[np.arange(N), y] = 1`).
# - Nếu có nhãn âm hoặc nhãn ≥ `num_classes`, hãy `raise ValueError` với một thông báo rõ ràng.

# %% solution id=one_hot_code
def one_hot(y, num_classes):
    """One-hot matrix (N, num_classes) of integer labels y (N,)."""
    ### BEGIN SOLUTION
    y = np.asarray(y).astype(np.int64).reshape(-1)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"Nhãn phải nằm trong [0, {num_classes}), nhận được {y.min()}..{y.max()}.")
    out = np.zeros((y.size, int(num_classes)), dtype=np.float64)
    out[np.arange(y.size), y] = 1.0
    return out
    ### END SOLUTION

# %% test id=one_hot points=1
expect_close(one_hot(np.array([0, 2, 1]), 3), [[1, 0, 0], [0, 0, 1], [0, 1, 0]],
             "one_hot([0, 2, 1], 3)")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using, expect_raises

    expect_close(one_hot(np.array([5]), 10), [[0, 0, 0, 0, 0, 1, 0, 0, 0, 0]], "one_hot([5], 10)")
    rng = np.random.default_rng(404)
    y = rng.integers(0, 7, size=50)
    M = one_hot(y, 7)
    expect_shape(M, (50, 7), "one_hot của 50 nhãn, 7 lớp")
    expect_close(M, np.eye(7)[y], "one_hot của 50 nhãn ngẫu nhiên")
    expect_shape(one_hot(np.array([1, 1]), 4), (2, 4), "one_hot([1, 1], 4) (số lớp lớn hơn nhãn lớn nhất)")
    for bad in ([0, 3], [-1, 0]):
        expect_raises(ValueError, one_hot, np.array(bad), 3,
                      what=f"one_hot({bad}, 3) (có nhãn ngoài [0, 3))")
    expect_no_loops(one_hot)
    expect_not_using(one_hot)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 5 (2 điểm) — Trung bình trượt không dùng vòng lặp
#
# Viết `moving_average(x, k)` với `x` kích thước (N,) và số nguyên `1 ≤ k ≤ N`, trả về mảng kích
# thước (N − k + 1,) mà phần tử thứ `i` là trung bình của `x[i], x[i+1], …, x[i+k-1]`.
#
# - Không dùng vòng lặp. Gợi ý: tổng tích lũy `c = np.cumsum(x)` thì tổng của một cửa sổ là hiệu
#   của hai phần tử của `c` (thêm một số 0 vào đầu `c`).

# %% solution id=moving_average_code
def moving_average(x, k):
    """Means of the N - k + 1 windows of length k of x (N,)."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(x)])
    return (c[k:] - c[:-k]) / k
    ### END SOLUTION

# %% test id=moving_average points=2
expect_close(moving_average(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 2), [1.5, 2.5, 3.5, 4.5],
             "moving_average([1, 2, 3, 4, 5], 2)")
print("✅ Câu 5: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    rng = np.random.default_rng(505)
    x = rng.normal(size=37)
    expect_close(moving_average(x, 1), x, "moving_average(x, 1) (cửa sổ dài 1 là chính x)")
    expect_close(moving_average(x, 37), [x.mean()], "moving_average(x, N) (một cửa sổ duy nhất)")
    want = np.array([x[i:i + 5].mean() for i in range(33)])
    expect_close(moving_average(x, 5), want, "moving_average(x, 5) với x ngẫu nhiên dài 37")
    expect_close(moving_average(np.array([1, 2, 3, 4]), 3), [2.0, 3.0],
                 "moving_average với x kiểu số nguyên")
    expect_no_loops(moving_average)
    expect_not_using(moving_average)

_hidden()
### END HIDDEN TESTS
