# %% md
# # Bài tập 4 — Mạng nơ-ron nhiều lớp: lan truyền tiến, lan truyền ngược và kiểm tra gradient
#
# **Phần 3 · Chương 7–8: Mạng nơ-ron nhân tạo, Lan truyền ngược**
#
# Mục tiêu: viết lan truyền tiến và lan truyền ngược ở dạng ma trận cho mạng nơ-ron nhiều lớp (MLP),
# và tự kiểm tra gradient giải tích bằng gradient số (sai phân trung tâm).
#
# Quy ước (giống trong sách): mỗi **hàng** của `X` là một mẫu, lớp fully connected tính
# $Z = XW + b$ với `W` kích thước (số đầu vào, số đầu ra) và `b` kích thước (số đầu ra,).
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `dense_backward` | 2 |
# | 2 | `mlp_forward` | 1 |
# | 3 | `mlp_loss_and_grads` | 3 |
# | 4 | `numerical_gradient` | 2 |
# | 5 | `sigmoid_net_step` | 2 |
# | | **Tổng** | **10** |
#
# Các câu độc lập: mỗi hàm tự viết công thức nó cần. Chỉ dùng NumPy (không PyTorch, không `dlbook`).

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (2 điểm) — Lan truyền ngược qua lớp fully connected
#
# Lớp fully connected tính $Y = XW + b$ với `X` (N, D), `W` (D, M), `b` (M,). Cho gradient của hàm
# mất mát theo đầu ra, `dout` $= \partial J / \partial Y$ kích thước (N, M), hãy viết
# `dense_backward(dout, X, W)` trả về tuple `(dX, dW, db)`:
#
# $$\frac{\partial J}{\partial X} = \text{dout}\, W^\top, \qquad \frac{\partial J}{\partial W} =
# X^\top \text{dout}, \qquad \frac{\partial J}{\partial b} = \sum_{i} \text{dout}_{i,:}.$$
#
# Mỗi gradient có cùng kích thước với biến của nó. Không dùng vòng lặp.

# %% solution id=dense_backward_code
def dense_backward(dout, X, W):
    """Gradients (dX, dW, db) of Y = XW + b given dout = dJ/dY."""
    ### BEGIN SOLUTION
    dout = np.asarray(dout, dtype=np.float64)
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)
    ### END SOLUTION

# %% test id=dense_backward points=2
_dX, _dW, _db = dense_backward(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0, 5.0]]),
                               np.arange(6.0).reshape(3, 2))
expect_close(_dX, [[2.0, 8.0, 14.0]], "dX với dout = [[1, 2]], X = [[3, 4, 5]], W = [[0, 1], [2, 3], [4, 5]]")
expect_close(_dW, [[3.0, 6.0], [4.0, 8.0], [5.0, 10.0]], "dW trong cùng ví dụ")
expect_close(_db, [1.0, 2.0], "db trong cùng ví dụ")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_no_loops, expect_not_using

    rng = np.random.default_rng(14)
    X, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    C = rng.normal(size=(6, 3))          # J = sum(C * (XW + b)) so dJ/dY = C
    dX, dW, db = dense_backward(C, X, W)
    expect_shape(dX, (6, 4), "kích thước dX")
    expect_shape(dW, (4, 3), "kích thước dW")
    expect_shape(db, (3,), "kích thước db")
    expect_gradient(lambda V: np.sum(C * (V @ W + b)), X, dX, "dX (kiểm tra bằng gradient số)")
    expect_gradient(lambda V: np.sum(C * (X @ V + b)), W, dW, "dW (kiểm tra bằng gradient số)")
    expect_gradient(lambda V: np.sum(C * (X @ W + V)), b, db, "db (kiểm tra bằng gradient số)")
    expect_no_loops(dense_backward)
    expect_not_using(dense_backward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (1 điểm) — Lan truyền tiến của MLP hai lớp
#
# Mạng: lớp ẩn ReLU rồi lớp ra softmax,
#
# $$H = \mathrm{ReLU}(X W_1 + b_1), \qquad P = \mathrm{softmax}(H W_2 + b_2) \text{ (theo hàng)}.$$
#
# Viết `mlp_forward(X, W1, b1, W2, b2)` trả về `P` kích thước (N, C), mỗi hàng là một phân phối
# xác suất. Softmax phải ổn định số (trừ giá trị lớn nhất của từng hàng). Không dùng vòng lặp.

# %% solution id=mlp_forward_code
def mlp_forward(X, W1, b1, W2, b2):
    """Class probabilities of a ReLU MLP with one hidden layer and a softmax output."""
    ### BEGIN SOLUTION
    H = np.maximum(0.0, X @ W1 + b1)
    Z = H @ W2 + b2
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
    ### END SOLUTION

# %% test id=mlp_forward points=1
_P = mlp_forward(np.array([[1.0, -1.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2),
                 np.array([[0.0, np.log(3.0)], [5.0, 5.0]]), np.zeros(2))
expect_close(_P, [[0.25, 0.75]], "mlp_forward với X = [[1, −1]] (ReLU chặn giá trị −1)")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_no_loops, expect_not_using

    rng = np.random.default_rng(24)
    X = rng.normal(size=(9, 5))
    W1, b1 = rng.normal(size=(5, 7)), rng.normal(size=7)
    W2, b2 = rng.normal(size=(7, 4)), rng.normal(size=4)
    P = mlp_forward(X, W1, b1, W2, b2)
    Z = np.maximum(X @ W1 + b1, 0) @ W2 + b2
    expect_close(P, np.exp(Z) / np.exp(Z).sum(1, keepdims=True), "mlp_forward với dữ liệu ngẫu nhiên")
    P = mlp_forward(X * 1000, W1, b1, W2, b2)
    expect_finite(P, "mlp_forward với đầu vào rất lớn (logit cỡ 10⁴)")
    expect_close(P.sum(axis=1), np.ones(9), "tổng xác suất mỗi hàng với đầu vào rất lớn")
    expect_no_loops(mlp_forward)
    expect_not_using(mlp_forward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (3 điểm) — Hàm mất mát và toàn bộ gradient của MLP
#
# Với mạng của câu 2 và nhãn nguyên `y` (N,), hàm mất mát là cross-entropy trung bình
# $J = -\frac1N \sum_i \log P_{i, y_i}$. Viết `mlp_loss_and_grads(X, y, W1, b1, W2, b2)` trả về
# tuple `(loss, grads)` với `grads` là **dict** có các khóa `"W1"`, `"b1"`, `"W2"`, `"b2"`.
#
# Các bước lan truyền ngược (δ là gradient theo đầu vào của hàm kích hoạt):
#
# 1. $\delta_2 = \partial J / \partial Z_2 = (P - \mathrm{onehot}(y)) / N$;
# 2. $\partial J/\partial W_2 = H^\top \delta_2$, $\partial J/\partial b_2 = \sum_i \delta_{2,i}$;
# 3. $\delta_1 = (\delta_2 W_2^\top) \odot \mathbb{1}[Z_1 > 0]$ (nhân từng phần tử với đạo hàm ReLU);
# 4. $\partial J/\partial W_1 = X^\top \delta_1$, $\partial J/\partial b_1 = \sum_i \delta_{1,i}$.
#
# Tính loss bằng log-sum-exp ổn định. Không dùng vòng lặp.

# %% solution id=mlp_loss_and_grads_code
def mlp_loss_and_grads(X, y, W1, b1, W2, b2):
    """Mean cross-entropy of the ReLU/softmax MLP and the gradients of all parameters."""
    ### BEGIN SOLUTION
    y = np.asarray(y).astype(np.int64)
    n = X.shape[0]
    Z1 = X @ W1 + b1
    H = np.maximum(0.0, Z1)
    Z2 = H @ W2 + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    d2 = np.exp(log_p)
    d2[np.arange(n), y] -= 1.0
    d2 /= n
    d1 = (d2 @ W2.T) * (Z1 > 0)
    grads = {"W1": X.T @ d1, "b1": d1.sum(axis=0), "W2": H.T @ d2, "b2": d2.sum(axis=0)}
    return float(loss), grads
    ### END SOLUTION

# %% test id=mlp_loss_and_grads points=3 probe=_probe_mlp_loss_and_grads
_loss, _g = mlp_loss_and_grads(np.array([[1.0, 2.0]]), np.array([0]), np.eye(2), np.zeros(2),
                               np.zeros((2, 2)), np.zeros(2))
expect_close(_loss, np.log(2), "loss khi W2 = 0 (hai lớp đều có xác suất 0.5)")
expect_close(_g["b2"], [-0.5, 0.5], "grads['b2'] trong cùng ví dụ")
expect_close(_g["W2"], [[-0.5, 0.5], [-1.0, 1.0]], "grads['W2'] trong cùng ví dụ")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_no_loops, expect_not_using

    rng = np.random.default_rng(34)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 4, 8)
    params = {"W1": rng.normal(size=(3, 6)), "b1": rng.normal(size=6) * 0.1,
              "W2": rng.normal(size=(6, 4)), "b2": rng.normal(size=4)}
    loss, grads = mlp_loss_and_grads(X, y, **params)
    expect_true(set(grads) == {"W1", "b1", "W2", "b2"}, "các khóa của dict grads",
                f"mong đợi {{'W1', 'b1', 'W2', 'b2'}}, nhận được {sorted(grads)}")
    for name, value in params.items():
        def f(v, name=name):
            return mlp_loss_and_grads(X, y, **{**params, name: v})[0]
        expect_gradient(f, value, grads[name], f"grads['{name}'] (kiểm tra bằng gradient số)",
                        tol=1e-5)
    big = dict(params, W2=params["W2"] * 500)
    loss_big, _ = mlp_loss_and_grads(X, y, **big)
    expect_true(np.isfinite(loss_big), "loss với logit rất lớn", "mong đợi loss hữu hạn (dùng log-sum-exp)")
    expect_no_loops(mlp_loss_and_grads)
    expect_not_using(mlp_loss_and_grads)

_hidden()
def _flat(result):
    loss, grads = result
    return {"loss": loss, **{k: grads[k] for k in ("W1", "b1", "W2", "b2")}}
def _probe_mlp_loss_and_grads(**kw):
    return _flat(mlp_loss_and_grads(**kw))
### END HIDDEN TESTS

# %% md
# ## Câu 4 (2 điểm) — Gradient số bằng sai phân trung tâm
#
# Viết `numerical_gradient(f, x, h=1e-5)`: `f` nhận một mảng có kích thước như `x` và trả về một số
# thực; hàm trả về mảng `grad` cùng kích thước với `x`, với
#
# $$\text{grad}_i \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}.$$
#
# - Dùng **sai phân trung tâm** (chính xác tới $O(h^2)$), không dùng sai phân tiến $\frac{f(x + h e_i)
#   - f(x)}{h}$ (chỉ chính xác tới $O(h)$).
# - `x` có thể có nhiều chiều (ví dụ ma trận trọng số): duyệt mọi phần tử (ở đây được dùng vòng lặp,
#   ví dụ `np.nditer` hoặc duyệt `x.reshape(-1)`).
# - Sau khi hàm chạy xong, `x` phải **giữ nguyên giá trị ban đầu**.

# %% solution id=numerical_gradient_code
def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at x (x is left unchanged)."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = f(x)
        flat_x[i] = old - h
        f_minus = f(x)
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2 * h)
    return grad
    ### END SOLUTION

# %% test id=numerical_gradient points=2 probe=_probe_numerical_gradient
_x = np.array([1.0, 2.0])
expect_close(numerical_gradient(lambda v: np.sum(v ** 2), _x), [2.0, 4.0],
             "numerical_gradient của f(v) = Σ v² tại [1, 2]", rtol=1e-6)
expect_close(_x, [1.0, 2.0], "x sau khi gọi numerical_gradient (phải giữ nguyên)")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    rng = np.random.default_rng(44)
    x = rng.normal(size=(3, 4))
    x_before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    expect_shape(g, (3, 4), "kích thước gradient với x 3×4")
    expect_close(x, x_before, "x sau khi gọi numerical_gradient (phải giữ nguyên)")
    expect_close(g, 3 * x ** 2, "gradient của Σ x³ với x 3×4 (sai phân trung tâm)", rtol=1e-7, atol=1e-8)
    g = numerical_gradient(lambda v: float(np.exp(v[0])), np.array([0.0]), h=1e-3)
    expect_close(g, [1.0000001666666], "gradient của e^x tại 0 với h = 1e-3 (sai phân trung tâm)",
                 rtol=1e-10)

_hidden()
def _probe_numerical_gradient(x, a):
    return numerical_gradient(lambda v: float(np.sum(a * np.sin(v) + v ** 3)), x)
### END HIDDEN TESTS

# %% md
# ## Câu 5 (2 điểm) — Một bước huấn luyện mạng sigmoid (ví dụ tính tay trong sách)
#
# Mạng có một lớp ẩn sigmoid và một nơ-ron ra sigmoid: $A_1 = \sigma(XW_1 + b_1)$,
# $\hat y = \sigma(A_1 W_2 + b_2)$ với `W2` kích thước (H, 1), `b2` kích thước (1,), nhãn `y` (N,)
# trong $[0, 1]$, hàm mất mát binary cross-entropy trung bình trên N mẫu.
#
# Viết `sigmoid_net_step(X, y, W1, b1, W2, b2, lr)` thực hiện **một bước gradient descent** và trả về
# dict các tham số mới với khóa `"W1"`, `"b1"`, `"W2"`, `"b2"` (không sửa các mảng đầu vào).
# Gợi ý: với sigmoid + BCE, $\partial J/\partial z^{(2)} = (\hat y - y)/N$; đạo hàm của sigmoid là
# $\sigma(z)(1 - \sigma(z)) = a(1 - a)$.
#
# Ví dụ trong sách (mạng 1-2-1): $x = 0.5$, $y = 0.5$, $W_1 = [0.5, 1]$, $b_1 = 0$,
# $W_2 = [1, 0.5]^\top$, $b_2 = 1$ cho $a_1 \approx 0.562$, $a_2 \approx 0.622$, $\hat y \approx 0.867$ và
# $\partial J / \partial b_2 = \hat y - y \approx 0.367$.

# %% solution id=sigmoid_net_step_code
def sigmoid_net_step(X, y, W1, b1, W2, b2, lr):
    """One gradient-descent step of a sigmoid/sigmoid network with mean BCE loss."""
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    n = X.shape[0]
    A1 = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))
    y_hat = 1.0 / (1.0 + np.exp(-(A1 @ W2 + b2)))
    d2 = (y_hat - y) / n
    d1 = (d2 @ W2.T) * A1 * (1.0 - A1)
    return {"W1": W1 - lr * X.T @ d1, "b1": b1 - lr * d1.sum(axis=0),
            "W2": W2 - lr * A1.T @ d2, "b2": b2 - lr * d2.sum(axis=0)}
    ### END SOLUTION

# %% test id=sigmoid_net_step points=2
_new = sigmoid_net_step(np.array([[0.5]]), np.array([0.5]), np.array([[0.5, 1.0]]), np.zeros(2),
                        np.array([[1.0], [0.5]]), np.array([1.0]), lr=0.1)
expect_close(_new["b2"], [1.0 - 0.1 * 0.3668], "b2 mới trong ví dụ 1-2-1 của sách", atol=1e-4)
expect_close(_new["W2"], [[1.0 - 0.1 * 0.2063], [0.5 - 0.1 * 0.2281]], "W2 mới trong ví dụ 1-2-1",
             atol=1e-4)
expect_close(_new["b1"], [-0.1 * 0.0903, -0.1 * 0.0431], "b1 mới trong ví dụ 1-2-1", atol=1e-4)
print("✅ Câu 5: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_no_loops, expect_not_using

    rng = np.random.default_rng(54)
    X, y = rng.normal(size=(10, 3)), rng.random(10)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=(4, 1)), "b2": rng.normal(size=1)}
    before = {k: v.copy() for k, v in params.items()}
    new = sigmoid_net_step(X, y, **params, lr=1.0)
    for k in params:
        expect_close(params[k], before[k], f"{k} đầu vào (không được sửa tại chỗ)")

    def loss(p):
        a1 = 1 / (1 + np.exp(-(X @ p["W1"] + p["b1"])))
        yh = (1 / (1 + np.exp(-(a1 @ p["W2"] + p["b2"])))).ravel()
        return np.mean(-y * np.log(yh) - (1 - y) * np.log(1 - yh))

    for k in params:
        grad = params[k] - new[k]            # lr = 1: the step is the gradient
        expect_gradient(lambda v, k=k: loss({**params, k: v}), params[k], grad,
                        f"bước cập nhật của {k} (so với gradient số)", tol=1e-5)
    expect_no_loops(sigmoid_net_step)
    expect_not_using(sigmoid_net_step)

_hidden()
### END HIDDEN TESTS
