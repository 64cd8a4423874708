# %% md
# # Bài tập 6 — Thuật toán tối ưu, dropout và batch normalization
#
# **Phần 5 · Chương 15: Các kỹ thuật cơ bản**
#
# Mục tiêu: cài đặt một bước cập nhật của SGD với momentum và của Adam, dropout dạng "inverted"
# (khác nhau giữa lúc huấn luyện và lúc dự đoán), và batch normalization cả chiều tiến lẫn chiều
# ngược.
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `momentum_step` | 1 |
# | 2 | `adam_step` | 2 |
# | 3 | `dropout_forward` | 1 |
# | 4 | `batchnorm_forward` | 2 |
# | 5 | `batchnorm_backward` | 3 |
# | | **Tổng** | **9** |
#
# Chỉ dùng NumPy. Không sửa các mảng đầu vào tại chỗ: hãy trả về mảng mới. Không dùng vòng lặp.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (1 điểm) — SGD với momentum
#
# Dạng dùng trong PyTorch (và trong sách): vận tốc tích lũy gradient, tham số đi ngược vận tốc,
#
# $$v \leftarrow \beta v + g, \qquad w \leftarrow w - \eta\, v.$$
#
# Viết `momentum_step(w, grad, v, lr, beta)` trả về tuple `(w_new, v_new)`.

# %% solution id=momentum_step_code
def momentum_step(w, grad, v, lr, beta):
    """One SGD-with-momentum update; returns (w_new, v_new)."""
    ### BEGIN SOLUTION
    v_new = beta * v + grad
    return w - lr * v_new, v_new
    ### END SOLUTION

# %% test id=momentum_step points=1
_w, _v = momentum_step(np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([1.0, 1.0]),
                       lr=0.1, beta=0.9)
expect_close(_v, [1.4, -0.1], "v mới với v = [1, 1], grad = [0.5, −1], beta = 0.9")
expect_close(_w, [0.86, 2.01], "w mới trong cùng ví dụ (lr = 0.1)")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    rng = np.random.default_rng(61)
    w, g, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), np.zeros((3, 4))
    w0, v0 = w.copy(), v.copy()
    w1, v1 = momentum_step(w, g, v, lr=0.05, beta=0.9)
    expect_close(v1, g, "v sau bước đầu tiên (v = 0 nên v mới = grad)")
    expect_close(w1, w0 - 0.05 * g, "w sau bước đầu tiên")
    expect_close(w, w0, "w đầu vào (không được sửa tại chỗ)")
    expect_close(v, v0, "v đầu vào (không được sửa tại chỗ)")
    w2, v2 = momentum_step(w1, g, v1, lr=0.05, beta=0.9)
    expect_close(v2, 1.9 * g, "v sau hai bước với cùng một gradient")
    expect_no_loops(momentum_step)
    expect_not_using(momentum_step)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (2 điểm) — Adam
#
# Adam giữ trung bình động của gradient ($m$) và của bình phương gradient ($v$), rồi **hiệu chỉnh độ
# lệch** (bias correction) vì $m, v$ khởi tạo bằng 0. Ở bước thứ $t$ ($t = 1, 2, \dots$):
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2,$$
# $$\hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
# w \leftarrow w - \eta \frac{\hat m}{\sqrt{\hat v} + \varepsilon}.$$
#
# Viết `adam_step(w, grad, m, v, t, lr, beta1, beta2, eps)` trả về tuple `(w_new, m_new, v_new)`
# (`m_new`, `v_new` là các trung bình động **chưa** hiệu chỉnh). Giá trị mặc định thường dùng:
# $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\varepsilon = 10^{-8}$.

# %% solution id=adam_step_code
def adam_step(w, grad, m, v, t, lr, beta1, beta2, eps):
    """One Adam update at step t (t >= 1); returns (w_new, m_new, v_new)."""
    ### BEGIN SOLUTION
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad**2
    m_hat = m_new / (1 - beta1**t)
    v_hat = v_new / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
    ### END SOLUTION

# %% test id=adam_step points=2
_w, _m, _v = adam_step(np.array([1.0]), np.array([2.0]), np.zeros(1), np.zeros(1), t=1, lr=0.1,
                       beta1=0.9, beta2=0.999, eps=1e-8)
expect_close(_m, [0.2], "m sau bước 1 (grad = 2)")
expect_close(_v, [0.004], "v sau bước 1 (grad = 2)")
expect_close(_w, [0.9], "w sau bước 1: bước đầu tiên của Adam dài đúng lr", rtol=1e-6)
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    rng = np.random.default_rng(62)
    w = rng.normal(size=5)
    m, v = np.zeros(5), np.zeros(5)
    ws, ms, vs = w.copy(), m.copy(), v.copy()
    for t in range(1, 6):
        g = rng.normal(size=5) * 10.0 ** rng.integers(-3, 3, size=5)
        w, m, v = adam_step(w, g, m, v, t=t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
        ms = 0.9 * ms + 0.1 * g
        vs = 0.999 * vs + 0.001 * g * g
        ws = ws - 0.01 * (ms / (1 - 0.9**t)) / (np.sqrt(vs / (1 - 0.999**t)) + 1e-8)
    expect_close(m, ms, "m sau 5 bước")
    expect_close(v, vs, "v sau 5 bước")
    expect_close(w, ws, "w sau 5 bước (có hiệu chỉnh độ lệch ở mỗi bước)")
    w0 = np.zeros(2)
    w1, _, _ = adam_step(w0, np.zeros(2), np.zeros(2), np.zeros(2), t=1, lr=0.1, beta1=0.9,
                         beta2=0.999, eps=1e-8)
    expect_close(w1, [0.0, 0.0], "adam_step khi gradient bằng 0 (không được chia 0/0)")
    expect_no_loops(adam_step)
    expect_not_using(adam_step)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (1 điểm) — Inverted dropout
#
# Khi huấn luyện, dropout giữ mỗi phần tử với xác suất $1 - p$ và **chia cho $1 - p$** các phần tử
# được giữ, để kỳ vọng của đầu ra bằng đầu vào; khi dự đoán, dropout không làm gì.
#
# Để kết quả tái lập được, độ ngẫu nhiên được cho sẵn: `u` là mảng cùng kích thước với `x`, gồm các số
# ngẫu nhiên đều trong $[0, 1)$; phần tử `x[i]` được **giữ khi `u[i] >= p`**.
#
# Viết `dropout_forward(x, p, u, train)`:
# - `train` là `False`: trả về `x` (bản sao hoặc chính nó);
# - `train` là `True`: trả về `x * mask / (1 - p)` với `mask = (u >= p)`; riêng `p = 1` thì trả về
#   mảng toàn số 0 (không được chia cho 0).

# %% solution id=dropout_forward_code
def dropout_forward(x, p, u, train):
    """Inverted dropout: keep x where u >= p and scale by 1/(1-p) in training; identity otherwise."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    if not train:
        return x.copy()
    if p >= 1.0:
        return np.zeros_like(x)
    return x * (u >= p) / (1.0 - p)
    ### END SOLUTION

# %% test id=dropout_forward points=1
_x = np.array([[1.0, 2.0], [3.0, 4.0]])
_u = np.array([[0.1, 0.7], [0.5, 0.3]])
expect_close(dropout_forward(_x, 0.5, _u, train=True), [[0.0, 4.0], [6.0, 0.0]],
             "dropout_forward khi huấn luyện, p = 0.5")
expect_close(dropout_forward(_x, 0.5, _u, train=False), _x, "dropout_forward khi dự đoán")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using, expect_stable

    rng = np.random.default_rng(63)
    x = rng.normal(size=(200, 50))
    u = rng.random((200, 50))
    out = dropout_forward(x, 0.2, u, train=True)
    expect_close(out, np.where(u >= 0.2, x / 0.8, 0.0), "dropout_forward với p = 0.2")
    ones = dropout_forward(np.ones((400, 500)), 0.3, rng.random((400, 500)), train=True)
    expect_true(abs(ones.mean() - 1.0) < 0.01, "trung bình đầu ra với x toàn số 1, p = 0.3",
                f"mong đợi ≈ 1 (inverted dropout giữ kỳ vọng), nhận được {ones.mean():.4f}")
    expect_close(dropout_forward(x, 0.0, u, train=True), x, "dropout_forward với p = 0 (giữ tất cả)")
    zero = expect_stable(dropout_forward, x, 1.0, u, train=True, what="dropout_forward với p = 1")
    expect_close(zero, np.zeros_like(x), "dropout_forward với p = 1 (bỏ tất cả)")
    expect_close(dropout_forward(x, 0.9, u, train=False), x, "dropout_forward khi dự đoán, p = 0.9")
    expect_no_loops(dropout_forward)
    expect_not_using(dropout_forward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (2 điểm) — Batch normalization: lan truyền tiến (lúc huấn luyện)
#
# Với `x` kích thước (N, D), mỗi cột (đặc trưng) được chuẩn hóa bằng trung bình và phương sai **của
# mini-batch** (phương sai chia cho N), rồi co giãn và dịch:
#
# $$\mu = \frac1N \sum_i x_i, \quad \sigma^2 = \frac1N \sum_i (x_i - \mu)^2, \quad
# \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \quad y_i = \gamma \hat x_i + \beta.$$
#
# Viết `batchnorm_forward(x, gamma, beta, eps)` trả về `y` (N, D). `gamma`, `beta` có kích thước (D,).

# %% solution id=batchnorm_forward_code
def batchnorm_forward(x, gamma, beta, eps):
    """Training-mode batch normalization of x (N, D) over the batch axis."""
    ### BEGIN SOLUTION
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta
    ### END SOLUTION

# %% test id=batchnorm_forward points=2
expect_close(batchnorm_forward(np.array([[1.0, 10.0], [3.0, 30.0]]), np.ones(2), np.zeros(2), 0.0),
             [[-1.0, -1.0], [1.0, 1.0]], "batchnorm_forward với eps = 0, gamma = 1, beta = 0")
expect_close(batchnorm_forward(np.array([[1.0], [3.0]]), np.array([2.0]), np.array([5.0]), 0.0),
             [[3.0], [7.0]], "batchnorm_forward với gamma = 2, beta = 5")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_no_loops, expect_not_using

    rng = np.random.default_rng(64)
    x = rng.normal(4.0, 3.0, size=(32, 6))
    g, b = rng.normal(size=6), rng.normal(size=6)
    y = batchnorm_forward(x, np.ones(6), np.zeros(6), 1e-5)
    expect_close(y.mean(axis=0), np.zeros(6), "trung bình mỗi cột sau batchnorm", atol=1e-9)
    expect_close(y.var(axis=0), np.full(6, 1.0), "phương sai mỗi cột sau batchnorm (chia N)", rtol=1e-5)
    want = g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) + b
    expect_close(batchnorm_forward(x, g, b, 1e-5), want, "batchnorm_forward với gamma, beta ngẫu nhiên")
    const = batchnorm_forward(np.ones((4, 2)), np.ones(2), np.zeros(2), 1e-5)
    expect_finite(const, "batchnorm_forward khi một cột là hằng số (eps tránh chia cho 0)")
    expect_no_loops(batchnorm_forward)
    expect_not_using(batchnorm_forward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 5 (3 điểm) — Batch normalization: lan truyền ngược
#
# Cho `dout` $= \partial J / \partial y$ (N, D), viết `batchnorm_backward(dout, x, gamma, eps)`
# trả về tuple `(dx, dgamma, dbeta)` cho phép biến đổi của câu 4 (tự tính lại $\mu$, $\sigma^2$,
# $\hat x$ từ `x`). Chú ý rằng $\mu$ và $\sigma^2$ **phụ thuộc vào mọi** $x_i$, nên $dx$ không chỉ là
# $\gamma\, \text{dout} / \sqrt{\sigma^2 + \varepsilon}$. Dạng gọn:
#
# $$d\hat x = \text{dout} \cdot \gamma, \qquad dx = \frac{1}{N\sqrt{\sigma^2 + \varepsilon}}
# \Big(N\, d\hat x - \sum_i d\hat x_i - \hat x \sum_i d\hat x_i \hat x_i\Big),$$
# $$d\gamma = \sum_i \text{dout}_i\, \hat x_i, \qquad d\beta = \sum_i \text{dout}_i.$$

# %% solution id=batchnorm_backward_code
def batchnorm_backward(dout, x, gamma, eps):
    """Gradients (dx, dgamma, dbeta) of training-mode batch normalization."""
    ### BEGIN SOLUTION
    n = x.shape[0]
    mu = x.mean(axis=0)
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) * inv_std
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    ### END SOLUTION

# %% test id=batchnorm_backward points=3
_dx, _dg, _db = batchnorm_backward(np.array([[1.0], [1.0]]), np.array([[1.0], [3.0]]),
                                   np.array([2.0]), 0.0)
expect_close(_dx, [[0.0], [0.0]], "dx khi dout giống nhau ở mọi mẫu (dịch đều không đổi ŷ)")
expect_close(_dg, [0.0], "dgamma trong cùng ví dụ")
expect_close(_db, [2.0], "dbeta trong cùng ví dụ")
print("✅ Câu 5: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_no_loops, expect_not_using

    def fwd(x, g, b, eps):
        return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b

    rng = np.random.default_rng(65)
    for n, d in [(5, 3), (16, 4), (2, 1)]:
        x = rng.normal(2.0, 3.0, size=(n, d))
        g, b = rng.normal(size=d), rng.normal(size=d)
        G = rng.normal(size=(n, d))
        dx, dg, db = batchnorm_backward(G, x, g, 1e-5)
        expect_gradient(lambda v: np.sum(G * fwd(v, g, b, 1e-5)), x, dx, f"dx với x {n}×{d}", tol=1e-5)
        expect_gradient(lambda v: np.sum(G * fwd(x, v, b, 1e-5)), g, dg, f"dgamma với x {n}×{d}")
        expect_gradient(lambda v: np.sum(G * fwd(x, g, v, 1e-5)), b, db, f"dbeta với x {n}×{d}")
    expect_no_loops(batchnorm_backward)
    expect_not_using(batchnorm_backward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Thử nghiệm thêm (không chấm điểm)
#
# Dùng `momentum_step` và `adam_step` để tối thiểu hóa hàm $f(w) = 10 w_0^2 + w_1^2$ từ
# $w = (1, 1)$ và vẽ quỹ đạo của hai thuật toán. Vì sao SGD thường dao động theo trục $w_0$?

# %% code
# Viết thử nghiệm của bạn ở đây (ô này không được chấm điểm).
