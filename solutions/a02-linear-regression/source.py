# %% md
# # Bài tập 2 — Hồi quy tuyến tính: gradient descent và phương trình chuẩn
#
# **Phần 2 · Chương 4: Hồi quy tuyến tính**
#
# Mục tiêu: tự cài đặt mô hình $\hat y = Xw$ (với cột hệ số tự do), hàm mất mát MSE và gradient của
# nó, thuật toán gradient descent, nghiệm đóng bằng phương trình chuẩn, chỉ số $R^2$ và chuẩn hóa dữ
# liệu đúng cách (chỉ "học" trung bình và độ lệch chuẩn trên tập huấn luyện).
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `add_bias_column` | 1 |
# | 2 | `mse_loss_and_grad` | 2 |
# | 3 | `gradient_descent` | 2 |
# | 4 | `normal_equation` | 2 |
# | 5 | `r2_score` | 1 |
# | 6 | `standardize_train_test` | 1 |
# | | **Tổng** | **9** |
#
# Các câu độc lập: trong mỗi hàm, hãy tự viết công thức cần dùng thay vì gọi hàm của câu khác
# (nếu câu kia sai, câu này vẫn được chấm đúng). Không dùng scikit-learn hay `dlbook` trong bài làm.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# A small data set: price (tỷ đồng) of a flat from its area (10 m²) and number of rooms.
rng = np.random.default_rng(0)
X_demo = np.column_stack([rng.uniform(3, 12, 50), rng.integers(1, 5, 50)])
y_demo = 0.8 + 0.45 * X_demo[:, 0] + 0.3 * X_demo[:, 1] + rng.normal(0, 0.2, 50)

# %% md
# ## Câu 1 (1 điểm) — Thêm cột hệ số tự do
#
# Viết `add_bias_column(X)`: nhận `X` kích thước (N, D), trả về ma trận (N, D + 1) có **cột đầu
# tiên toàn số 1**, các cột sau là `X`. Khi đó $\hat y = Xw$ với $w_0$ là hệ số tự do (bias).
# Không dùng vòng lặp, không sửa `X`.

# %% solution id=add_bias_column_code
def add_bias_column(X):
    """Prepend a column of ones to X (N, D) -> (N, D + 1)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([np.ones((X.shape[0], 1)), X])
    ### END SOLUTION

# %% test id=add_bias_column points=1
expect_close(add_bias_column(np.array([[2.0, 3.0], [4.0, 5.0]])), [[1, 2, 3], [1, 4, 5]],
             "add_bias_column([[2, 3], [4, 5]])")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    X = np.arange(12.0).reshape(6, 2)
    Xb = add_bias_column(X)
    expect_shape(Xb, (6, 3), "add_bias_column với X 6×2")
    expect_close(Xb[:, 0], np.ones(6), "cột đầu tiên (toàn số 1)")
    expect_close(Xb[:, 1:], X, "các cột còn lại (chính là X)")
    expect_shape(X, (6, 2), "X đầu vào (không được sửa X)")
    expect_shape(add_bias_column(np.zeros((1, 5))), (1, 6), "add_bias_column với một mẫu 1×5")
    expect_no_loops(add_bias_column)
    expect_not_using(add_bias_column)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (2 điểm) — Hàm mất mát MSE và gradient
#
# Với $N$ mẫu, ma trận $X$ (N, D) (đã có cột số 1 nếu cần), nhãn $y$ (N,) và trọng số $w$ (D,), dùng
# quy ước có hệ số ½:
#
# $$L(w) = \frac{1}{2N} \lVert Xw - y \rVert^2, \qquad \nabla_w L = \frac{1}{N} X^\top (Xw - y).$$
#
# Viết `mse_loss_and_grad(X, y, w)` trả về **tuple** `(loss, grad)`: `loss` là một số thực,
# `grad` là mảng (D,). Không dùng vòng lặp.
#
# Chú ý kích thước: nếu lỡ biến `y` thành cột (N, 1) trong khi `X @ w` là (N,), phép trừ sẽ
# broadcasting thành ma trận (N, N), một lỗi rất hay gặp.

# %% solution id=mse_loss_and_grad_code
def mse_loss_and_grad(X, y, w):
    """Loss ||Xw - y||^2 / (2N) and its gradient X^T (Xw - y) / N."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    residual = X @ w - y
    n = X.shape[0]
    return float(residual @ residual / (2 * n)), X.T @ residual / n
    ### END SOLUTION

# %% test id=mse_loss_and_grad points=2
_X = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
_loss, _grad = mse_loss_and_grad(_X, np.array([1.0, 2.0, 4.0]), np.array([0.0, 1.0]))
expect_close(_loss, 1 / 6, "loss với X = [[1, 1], [1, 2], [1, 3]], y = [1, 2, 4], w = [0, 1]")
expect_close(_grad, [-1 / 3, -1.0], "gradient trong cùng ví dụ")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_no_loops, expect_not_using

    rng = np.random.default_rng(21)
    X = rng.normal(size=(30, 4))
    y = rng.normal(size=30)
    w = rng.normal(size=4)
    loss, grad = mse_loss_and_grad(X, y, w)
    expect_close(loss, np.sum((X @ w - y) ** 2) / 60, "loss với dữ liệu ngẫu nhiên 30×4 (chia 2N)")
    expect_shape(grad, (4,), "kích thước gradient (D,)")
    expect_gradient(lambda v: mse_loss_and_grad(X, y, v)[0], w, grad, "gradient của MSE")
    loss0, grad0 = mse_loss_and_grad(X, X @ w, w)
    expect_close(loss0, 0.0, "loss khi dự đoán đúng hoàn toàn", atol=1e-12)
    expect_close(grad0, np.zeros(4), "gradient khi dự đoán đúng hoàn toàn", atol=1e-12)
    expect_no_loops(mse_loss_and_grad)
    expect_not_using(mse_loss_and_grad)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (2 điểm) — Gradient descent
#
# Viết `gradient_descent(X, y, w0, lr, n_epochs, tol)` cài đặt gradient descent trên toàn bộ dữ
# liệu (batch) với hàm mất mát của câu 2. Bắt đầu từ `w = w0` (đừng sửa `w0`), lặp tối đa
# `n_epochs` lần; ở mỗi lần lặp:
#
# 1. tính `loss` và `grad` tại `w` hiện tại và ghi `loss` vào danh sách `history`;
# 2. nếu $\lVert \nabla_w L \rVert_2 <$ `tol` thì **dừng** (không cập nhật nữa);
# 3. cập nhật $w \leftarrow w - \text{lr} \cdot \nabla_w L$.
#
# Trả về tuple `(w, history)` với `history` là mảng numpy các giá trị loss (độ dài ≤ `n_epochs`).
# Chỉ được dùng một vòng lặp qua các epoch; bên trong phải vector hóa.

# %% solution id=gradient_descent_code
def gradient_descent(X, y, w0, lr, n_epochs, tol):
    """Batch gradient descent on ||Xw - y||^2 / (2N); returns (w, history of losses)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = np.array(w0, dtype=np.float64).reshape(-1)
    n = X.shape[0]
    history = []
    for _ in range(int(n_epochs)):
        residual = X @ w - y
        history.append(residual @ residual / (2 * n))
        grad = X.T @ residual / n
        if np.linalg.norm(grad) < tol:
            break
        w = w - lr * grad
    return w, np.array(history)
    ### END SOLUTION

# %% test id=gradient_descent points=2
_X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
_w, _hist = gradient_descent(_X, np.array([1.0, 3.0, 5.0]), np.zeros(2), lr=0.1, n_epochs=2, tol=0.0)
expect_close(_hist, [35 / 6, 3.387037037], "history sau 2 epoch (y = 1 + 2x, w0 = 0, lr = 0.1)")
expect_close(_w, [0.526666667, 0.764444444], "w sau 2 epoch")
_w, _hist = gradient_descent(np.column_stack([np.ones(50), X_demo]), y_demo, np.zeros(3),
                             lr=0.01, n_epochs=3000, tol=1e-8)
expect_true(_hist[-1] < 0.02, "gradient_descent trên dữ liệu giá nhà (3000 epoch, lr = 0.01)",
            f"loss cuối phải < 0.02, nhận được {_hist[-1]:.4g}")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    rng = np.random.default_rng(31)
    X = np.column_stack([np.ones(40), rng.normal(size=(40, 2))])
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.1, 40)
    w0 = rng.normal(size=3)
    w0_copy = w0.copy()
    w, hist = gradient_descent(X, y, w0, lr=0.2, n_epochs=25, tol=0.0)
    ref_w, ref_hist = w0.copy(), []
    for _ in range(25):
        r = X @ ref_w - y
        ref_hist.append(r @ r / 80)
        ref_w = ref_w - 0.2 * X.T @ r / 40
    expect_close(hist, ref_hist, "history với 25 epoch, lr = 0.2", rtol=1e-8)
    expect_close(w, ref_w, "w sau 25 epoch, lr = 0.2", rtol=1e-8)
    expect_close(w0, w0_copy, "w0 (không được sửa w0 tại chỗ)")
    w, hist = gradient_descent(X, y, w0, lr=0.2, n_epochs=1000, tol=1e-3)
    expect_true(len(hist) < 1000, "gradient_descent với tol = 1e-3",
                "mong đợi dừng sớm khi ‖grad‖ < tol, nhưng đã chạy hết 1000 epoch")
    r = X @ w - y
    expect_true(np.linalg.norm(X.T @ r / 40) < 1e-3, "gradient tại w trả về khi dừng sớm",
                "mong đợi ‖grad‖ < tol tại w trả về")
    w, hist = gradient_descent(X, y, w0, lr=0.2, n_epochs=0, tol=0.0)
    expect_close(w, w0_copy, "gradient_descent với n_epochs = 0 (w phải là w0)")
    expect_shape(hist, (0,), "history với n_epochs = 0")
    expect_not_using(gradient_descent)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (2 điểm) — Phương trình chuẩn
#
# Nghiệm cực tiểu của MSE thỏa $X^\top X\, w = X^\top y$, tức $w = (X^\top X)^{-1} X^\top y$ khi
# $X^\top X$ khả nghịch. Viết `normal_equation(X, y)` trả về `w` (D,).
#
# - Đừng tính nghịch đảo tường minh khi không cần: `np.linalg.solve` chính xác và nhanh hơn.
# - Khi $X^\top X$ **suy biến** (ví dụ hai cột giống hệt nhau), hệ có vô số nghiệm: hãy trả về
#   nghiệm có chuẩn nhỏ nhất, cho bởi giả nghịch đảo (pseudo-inverse) `np.linalg.pinv`.
# - Không dùng `np.linalg.lstsq` hay scikit-learn.

# %% solution id=normal_equation_code
def normal_equation(X, y):
    """Least-squares weights (minimum-norm when X^T X is singular)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    A = X.T @ X
    if np.linalg.matrix_rank(A) == A.shape[0]:
        return np.linalg.solve(A, X.T @ y)
    return np.linalg.pinv(X) @ y
    ### END SOLUTION

# %% test id=normal_equation points=2
_X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
expect_close(normal_equation(_X, np.array([1.0, 3.0, 5.0])), [1.0, 2.0],
             "normal_equation với y = 1 + 2x đúng tuyệt đối")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_not_using

    rng = np.random.default_rng(41)
    X = np.column_stack([np.ones(60), rng.normal(size=(60, 3))])
    y = rng.normal(size=60)
    w = normal_equation(X, y)
    expect_close(X.T @ (X @ w - y), np.zeros(4), "Xᵀ(Xw − y) tại nghiệm (phải bằng 0)", atol=1e-9)
    D = np.column_stack([np.ones(20), rng.normal(size=20)])
    D = np.column_stack([D, D[:, 1]])            # duplicate column: XᵀX is singular
    yd = 2.0 + 3.0 * D[:, 1]
    wd = normal_equation(D, yd)
    expect_finite(wd, "normal_equation khi XᵀX suy biến (hai cột giống nhau)")
    expect_close(wd, [2.0, 1.5, 1.5], "nghiệm chuẩn nhỏ nhất khi hai cột giống nhau", atol=1e-8)
    expect_not_using(normal_equation, names=("lstsq",))

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 5 (1 điểm) — Hệ số xác định $R^2$
#
# $$R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}.$$
#
# Viết `r2_score(y, y_pred)` trả về một số thực. Lưu ý:
#
# - $R^2$ **có thể âm** (mô hình tệ hơn cả việc luôn đoán giá trị trung bình, hay gặp trên tập
#   kiểm tra): đừng cắt về 0.
# - Nếu mọi $y_i$ bằng nhau (mẫu số bằng 0): trả về `1.0` khi dự đoán đúng hoàn toàn, ngược lại `0.0`.

# %% solution id=r2_score_code
def r2_score(y, y_pred):
    """Coefficient of determination; may be negative."""
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    ss_res = np.sum((y - y_pred) ** 2)
    ss_tot = np.sum((y - y.mean()) ** 2)
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    return float(1.0 - ss_res / ss_tot)
    ### END SOLUTION

# %% test id=r2_score points=1
expect_close(r2_score(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])), 1.0, "R² khi đoán đúng")
expect_close(r2_score(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])), 0.0,
             "R² khi luôn đoán trung bình")
print("✅ Câu 5: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    expect_close(r2_score(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])), -3.0,
                 "r2_score([1, 2, 3], [3, 2, 1]) (R² âm)")
    expect_close(r2_score(np.array([5.0, 5.0]), np.array([5.0, 5.0])), 1.0,
                 "r2_score khi y hằng số và đoán đúng")
    expect_close(r2_score(np.array([5.0, 5.0]), np.array([4.0, 6.0])), 0.0,
                 "r2_score khi y hằng số và đoán sai")
    rng = np.random.default_rng(51)
    y, p = rng.normal(size=25), rng.normal(size=25)
    expect_close(r2_score(y, p), 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2),
                 "r2_score với dữ liệu ngẫu nhiên")
    expect_no_loops(r2_score)
    expect_not_using(r2_score)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 6 (1 điểm) — Chuẩn hóa: chỉ học trên tập huấn luyện
#
# Viết `standardize_train_test(X_train, X_test)` trả về tuple `(X_train_s, X_test_s)`: cả hai được
# chuẩn hóa z-score bằng **trung bình và độ lệch chuẩn (ddof=0) tính trên `X_train`**. Dùng thống
# kê của tập kiểm tra là rò rỉ dữ liệu (data leakage). Cột có độ lệch chuẩn 0 trên tập huấn luyện
# thì chia cho 1 (không tạo ra `nan`).

# %% solution id=standardize_train_test_code
def standardize_train_test(X_train, X_test):
    """Z-score both sets with the mean and std of X_train."""
    ### BEGIN SOLUTION
    X_train = np.asarray(X_train, dtype=np.float64)
    X_test = np.asarray(X_test, dtype=np.float64)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std
    ### END SOLUTION

# %% test id=standardize_train_test points=1
_tr, _te = standardize_train_test(np.array([[0.0], [2.0]]), np.array([[4.0]]))
expect_close(_tr, [[-1.0], [1.0]], "X_train đã chuẩn hóa với X_train = [[0], [2]]")
expect_close(_te, [[3.0]], "X_test = [[4]] chuẩn hóa bằng thống kê của X_train")
print("✅ Câu 6: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_no_loops, expect_not_using

    rng = np.random.default_rng(61)
    A = rng.normal(3, 2, size=(30, 3))
    B = rng.normal(-5, 7, size=(10, 3))
    tr, te = standardize_train_test(A, B)
    mu, sd = A.mean(axis=0), A.std(axis=0)
    expect_close(tr, (A - mu) / sd, "X_train đã chuẩn hóa (dữ liệu ngẫu nhiên)")
    expect_close(te, (B - mu) / sd, "X_test đã chuẩn hóa bằng thống kê của X_train")
    C = np.column_stack([np.ones(4), np.arange(4.0)])
    tr, te = standardize_train_test(C, C[:2] + 1)
    expect_finite(tr, "X_train có một cột hằng số")
    expect_finite(te, "X_test khi X_train có một cột hằng số")
    expect_no_loops(standardize_train_test)
    expect_not_using(standardize_train_test)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Thử nghiệm thêm (không chấm điểm)
#
# Chạy `gradient_descent` trên `X_demo`, `y_demo` (đã thêm cột số 1) với ba tốc độ học 0.001,
# 0.01 và 0.05 rồi vẽ `history` của từng lần chạy: tốc độ học quá nhỏ hội tụ chậm, quá lớn thì
# loss tăng vọt. Sau đó chuẩn hóa `X_demo` và thử lại: vì sao tốc độ học lớn hơn lại dùng được?

# %% code
# Viết thử nghiệm của bạn ở đây (ô này không được chấm điểm).
