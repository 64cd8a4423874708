# %% md
# # Bài tập 9 — Mạng nơ-ron hồi quy (RNN) và lan truyền ngược theo thời gian (BPTT)
#
# **Phần 7 · Chương 18: RNN**
#
# Mục tiêu: cài đặt một RNN đơn giản bằng NumPy, chiều tiến qua cả chuỗi và chiều ngược bằng BPTT,
# rồi đo hiện tượng **gradient biến mất** và cài đặt kỹ thuật **cắt gradient** (gradient clipping)
# chống gradient bùng nổ.
#
# Mô hình (giống trong sách): $s_t = \tanh(U x_t + W s_{t-1} + b)$. Khi xử lý một lô N chuỗi, mỗi
# **hàng** là một mẫu nên ta viết $s_t = \tanh(x_t U^\top + s_{t-1} W^\top + b)$ với:
#
# - `X` kích thước (N, T, D): N chuỗi, T bước thời gian, D đặc trưng; `X[:, t]` là $x_t$ (N, D);
# - `U` (H, D), `W` (H, H), `b` (H,), trạng thái ẩn ban đầu `s0` (N, H);
# - các trạng thái ẩn `S` (N, T, H), với `S[:, t]` là $s_t$ (đếm từ 0).
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `rnn_step` | 1 |
# | 2 | `rnn_forward` | 2 |
# | 3 | `rnn_backward` | 3 |
# | 4 | `jacobian_norms` | 2 |
# | 5 | `clip_gradients` | 1 |
# | | **Tổng** | **9** |
#
# Chỉ dùng NumPy. Được lặp qua các bước thời gian, nhưng bên trong mỗi bước phải vector hóa theo lô.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (1 điểm) — Một bước của RNN
#
# Viết `rnn_step(x_t, s_prev, U, W, b)` với `x_t` (N, D), `s_prev` (N, H), trả về
# $s_t = \tanh(x_t U^\top + s_{t-1} W^\top + b)$ kích thước (N, H). Không dùng vòng lặp.

# %% solution id=rnn_step_code
def rnn_step(x_t, s_prev, U, W, b):
    """One RNN step for a batch: tanh(x_t U^T + s_prev W^T + b)."""
    ### BEGIN SOLUTION
    return np.tanh(x_t @ U.T + s_prev @ W.T + b)
    ### END SOLUTION

# %% test id=rnn_step points=1
expect_close(rnn_step(np.array([[1.0, 2.0]]), np.array([[0.5]]), np.array([[0.1, 0.2]]),
                      np.array([[2.0]]), np.array([-1.5])),
             [[np.tanh(0.0)]], "rnn_step với x = [1, 2], s_prev = 0.5, U = [0.1, 0.2], W = 2, b = −1.5")
expect_close(rnn_step(np.zeros((1, 2)), np.array([[1.0, -1.0]]), np.zeros((2, 2)),
                      np.array([[0.0, 1.0], [0.0, 0.0]]), np.zeros(2)),
             [[np.tanh(-1.0), 0.0]], "rnn_step kiểm tra chiều của W (s_prev Wᵀ)")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    rng = np.random.default_rng(91)
    x, s = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    U, W, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), rng.normal(size=4)
    want = np.array([np.tanh(U @ x[i] + W @ s[i] + b) for i in range(5)])
    expect_close(rnn_step(x, s, U, W, b), want, "rnn_step với lô 5 mẫu, D = 3, H = 4")
    expect_no_loops(rnn_step)
    expect_not_using(rnn_step)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (2 điểm) — Chạy RNN qua cả chuỗi
#
# Viết `rnn_forward(X, s0, U, W, b)` trả về `S` kích thước (N, T, H) chứa $s_1, \dots, s_T$ (không
# gồm `s0`): bắt đầu từ $s_0$ = `s0`, lần lượt tính $s_t$ từ `X[:, t]` và $s_{t-1}$. Cùng bộ trọng
# số `U, W, b` được dùng ở mọi bước (chia sẻ trọng số theo thời gian).

# %% solution id=rnn_forward_code
def rnn_forward(X, s0, U, W, b):
    """Hidden states (N, T, H) of the RNN over the sequences X (N, T, D) from s0 (N, H)."""
    ### BEGIN SOLUTION
    N, T, _ = X.shape
    S = np.empty((N, T, W.shape[0]))
    s = s0
    for t in range(T):
        s = np.tanh(X[:, t] @ U.T + s @ W.T + b)
        S[:, t] = s
    return S
    ### END SOLUTION

# %% test id=rnn_forward points=2
_S = rnn_forward(np.array([[[1.0], [0.0], [0.0]]]), np.zeros((1, 1)), np.array([[1.0]]), np.array([[1.0]]), np.zeros(1))
expect_close(_S, [[[np.tanh(1.0)], [np.tanh(np.tanh(1.0))], [np.tanh(np.tanh(np.tanh(1.0)))]]],
             "rnn_forward với một xung ở bước đầu, U = W = 1")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    rng = np.random.default_rng(92)
    X, s0 = rng.normal(size=(3, 6, 2)), rng.normal(size=(3, 5))
    U, W, b = rng.normal(size=(5, 2)), rng.normal(size=(5, 5)) * 0.5, rng.normal(size=5)
    S = rnn_forward(X, s0, U, W, b)
    expect_shape(S, (3, 6, 5), "kích thước S với N = 3, T = 6, H = 5")
    s, want = s0, []
    for t in range(6):
        s = np.tanh(X[:, t] @ U.T + s @ W.T + b)
        want.append(s)
    expect_close(S, np.stack(want, axis=1), "rnn_forward với dữ liệu ngẫu nhiên (s0 ≠ 0)")
    expect_shape(rnn_forward(X[:, :1], s0, U, W, b), (3, 1, 5), "rnn_forward với chuỗi dài 1")
    expect_not_using(rnn_forward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (3 điểm) — Lan truyền ngược theo thời gian (BPTT)
#
# Giả sử hàm mất mát $J$ phụ thuộc vào mọi trạng thái ẩn, và `dS` $= \partial J / \partial S$
# (N, T, H) là gradient "từ phía trên" (từ lớp đầu ra) tại mỗi bước. Viết
# `rnn_backward(dS, X, S, s0, U, W)` trả về tuple `(dX, ds0, dU, dW, db)` có kích thước như
# `X`, `s0`, `U`, `W` và `(H,)`.
#
# Đi ngược thời gian từ $t = T-1$ về $0$, giữ `ds_next` là gradient chảy về $s_t$ **từ bước
# $t+1$** (ban đầu bằng 0):
#
# 1. gradient tổng tại $s_t$: `ds = dS[:, t] + ds_next`;
# 2. qua tanh: `dz = ds * (1 − s_t²)`;
# 3. cộng dồn `dU += dzᵀ x_t`, `dW += dzᵀ s_{t−1}`, `db += Σ dz`; ghi `dX[:, t] = dz U`;
# 4. `ds_next = dz W` (gradient về $s_{t-1}$; ở bước $t = 0$ đó chính là `ds0`).

# %% solution id=rnn_backward_code
def rnn_backward(dS, X, S, s0, U, W):
    """BPTT: gradients (dX, ds0, dU, dW, db) given dJ/dS for every hidden state."""
    ### BEGIN SOLUTION
    N, T, H = dS.shape
    dX = np.zeros_like(X, dtype=np.float64)
    dU, dW, db = np.zeros_like(U, dtype=np.float64), np.zeros_like(W, dtype=np.float64), np.zeros(H)
    ds_next = np.zeros((N, H))
    for t in reversed(range(T)):
        s_prev = S[:, t - 1] if t > 0 else s0
        dz = (dS[:, t] + ds_next) * (1.0 - S[:, t] ** 2)
        dU += dz.T @ X[:, t]
        dW += dz.T @ s_prev
        db += dz.sum(axis=0)
        dX[:, t] = dz @ U
        ds_next = dz @ W
    return dX, ds_next, dU, dW, db
    ### END SOLUTION

# %% test id=rnn_backward points=3
_X = np.array([[[1.0], [0.0]]])
_S = np.array([[[np.tanh(1.0)], [np.tanh(np.tanh(1.0))]]])   # states for U = W = 1, b = 0, s0 = 0
_dX, _ds0, _dU, _dW, _db = rnn_backward(np.array([[[0.0], [1.0]]]), _X, _S, np.zeros((1, 1)),
                                        np.array([[1.0]]), np.array([[1.0]]))
_g1 = 1 - _S[0, 1, 0] ** 2           # ∂s_2/∂z_2
_g0 = _g1 * 1.0 * (1 - _S[0, 0, 0] ** 2)   # through W = 1 and tanh at step 1
expect_close(_db, [_g1 + _g0], "db khi chỉ loss ở bước cuối phụ thuộc s (gradient đi qua 2 bước)")
expect_close(_dX, [[[_g0], [_g1]]], "dX trong cùng ví dụ")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_not_using

    def fwd(X, s0, U, W, b):
        s, out = s0, []
        for t in range(X.shape[1]):
            s = np.tanh(X[:, t] @ U.T + s @ W.T + b)
            out.append(s)
        return np.stack(out, axis=1)

    rng = np.random.default_rng(93)
    X, s0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4)) * 0.5
    U, W, b = rng.normal(size=(4, 3)) * 0.7, rng.normal(size=(4, 4)) * 0.7, rng.normal(size=4) * 0.3
    G = rng.normal(size=(2, 5, 4))           # J = sum(G * S)
    S = fwd(X, s0, U, W, b)
    dX, ds0, dU, dW, db = rnn_backward(G, X, S, s0, U, W)
    args = dict(X=X, s0=s0, U=U, W=W, b=b)
    for name, grad in [("X", dX), ("s0", ds0), ("U", dU), ("W", dW), ("b", db)]:
        expect_gradient(lambda v, name=name: np.sum(G * fwd(**{**args, name: v})), args[name], grad,
                        f"d{name} (kiểm tra bằng gradient số)", tol=1e-6)
    expect_not_using(rnn_backward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (2 điểm) — Gradient biến mất: chuẩn của tích các Jacobian
#
# Với một chuỗi, $\dfrac{\partial s_t}{\partial s_{t-1}} = J_t = \mathrm{diag}(1 - s_t^2)\, W$
# (ma trận H × H). Gradient từ bước cuối $T$ chảy về $k$ bước trước phải nhân qua
# $\dfrac{\partial s_T}{\partial s_{T-k}} = J_T J_{T-1} \cdots J_{T-k+1}$.
#
# Viết `jacobian_norms(states, W)` với `states` kích thước (T, H) là $s_1, \dots, s_T$ của **một**
# chuỗi, trả về mảng độ dài T: phần tử thứ $k - 1$ là chuẩn phổ (`np.linalg.norm(M, 2)`) của
# $J_T J_{T-1} \cdots J_{T-k+1}$, với $k = 1, \dots, T$. Với $W$ nhỏ hoặc tanh bão hòa, dãy này giảm
# theo cấp số nhân: đó là gradient biến mất.

# %% solution id=jacobian_norms_code
def jacobian_norms(states, W):
    """Spectral norms of d s_T / d s_{T-k}, k = 1..T, for one sequence of states (T, H)."""
    ### BEGIN SOLUTION
    product = np.eye(W.shape[0])
    norms = []
    for t in range(states.shape[0] - 1, -1, -1):
        product = product @ ((1.0 - states[t] ** 2)[:, None] * W)
        norms.append(np.linalg.norm(product, 2))
    return np.array(norms)
    ### END SOLUTION

# %% test id=jacobian_norms points=2
expect_close(jacobian_norms(np.zeros((3, 2)), 0.5 * np.eye(2)), [0.5, 0.25, 0.125],
             "jacobian_norms với s = 0 (tanh tuyến tính) và W = 0.5·I")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    rng = np.random.default_rng(94)
    S, W = np.tanh(rng.normal(size=(6, 3))), rng.normal(size=(3, 3))
    P, want = np.eye(3), []
    for t in range(5, -1, -1):
        P = P @ np.diag(1 - S[t] ** 2) @ W
        want.append(np.linalg.svd(P, compute_uv=False)[0])
    expect_close(jacobian_norms(S, W), want, "jacobian_norms với 6 trạng thái ngẫu nhiên (thứ tự nhân J_T J_{T−1} ⋯)")
    W_ns = np.array([[0.0, 2.0], [0.5, 0.0]])            # not symmetric: the order of the product matters
    S2 = np.array([[0.3, 0.0], [0.0, 0.8]])
    want2 = [np.linalg.norm(np.diag(1 - S2[1] ** 2) @ W_ns, 2),
             np.linalg.norm(np.diag(1 - S2[1] ** 2) @ W_ns @ np.diag(1 - S2[0] ** 2) @ W_ns, 2)]
    expect_close(jacobian_norms(S2, W_ns), want2, "jacobian_norms với W không đối xứng")
    expect_not_using(jacobian_norms)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 5 (1 điểm) — Cắt gradient theo chuẩn toàn cục
#
# Khi gradient bùng nổ, ta co tất cả gradient lại theo cùng một tỉ lệ: gọi
# $\lVert g \rVert = \sqrt{\sum_{\text{mọi tham số}} \sum g^2}$ là chuẩn toàn cục; nếu
# $\lVert g \rVert >$ `max_norm` thì nhân **mọi** gradient với `max_norm / ‖g‖`, ngược lại giữ nguyên.
#
# Viết `clip_gradients(grads, max_norm)` với `grads` là dict tên → mảng, trả về **dict mới** cùng
# khóa (không sửa dict hay các mảng đầu vào). Không dùng vòng lặp `for` tường minh thì tốt, nhưng
# được phép duyệt qua các khóa của dict.

# %% solution id=clip_gradients_code
def clip_gradients(grads, max_norm):
    """Scale every gradient by max_norm / global_norm when the global norm exceeds max_norm."""
    ### BEGIN SOLUTION
    total = np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values()))
    scale = max_norm / total if total > max_norm else 1.0
    return {k: np.asarray(g, dtype=np.float64) * scale for k, g in grads.items()}
    ### END SOLUTION

# %% test id=clip_gradients points=1 probe=_probe_clip_gradients
_c = clip_gradients({"U": np.array([3.0]), "W": np.array([[4.0]])}, 1.0)
expect_close(_c["U"], [0.6], "U sau khi cắt (chuẩn toàn cục 5 → 1)")
expect_close(_c["W"], [[0.8]], "W sau khi cắt")
print("✅ Câu 5: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    g = {"U": np.array([0.3, 0.4]), "b": np.array([0.0])}
    out = clip_gradients(g, 1.0)
    expect_close(out["U"], [0.3, 0.4], "gradient có chuẩn 0.5 < 1 (giữ nguyên)")
    rng = np.random.default_rng(95)
    big = {"U": rng.normal(size=(4, 3)) * 100, "W": rng.normal(size=(4, 4)) * 100, "b": rng.normal(size=4)}
    before = {k: v.copy() for k, v in big.items()}
    out = clip_gradients(big, 5.0)
    total = np.sqrt(sum(np.sum(v**2) for v in out.values()))
    expect_close(total, 5.0, "chuẩn toàn cục sau khi cắt")
    expect_close(out["b"] / before["b"], np.full(4, out["U"][0, 0] / before["U"][0, 0]),
                 "tỉ lệ co của các tham số (phải giống nhau: chuẩn toàn cục, không cắt từng mảng)")
    for k in big:
        expect_close(big[k], before[k], f"grads['{k}'] đầu vào (không được sửa tại chỗ)")
    expect_not_using(clip_gradients)

_hidden()
def _probe_clip_gradients(dU, dW, db, max_norm):
    return clip_gradients({"U": dU, "W": dW, "b": db}, max_norm)
### END HIDDEN TESTS

# %% md
# ## Thử nghiệm thêm (không chấm điểm)
#
# Khởi tạo `W = a · I` với `a` ∈ {0.5, 1, 1.5}, chạy `rnn_forward` trên một chuỗi dài 30 và vẽ
# `jacobian_norms` theo k (trục y logarit). Khi nào gradient biến mất, khi nào nó có thể bùng nổ?

# %% code
# Viết thử nghiệm của bạn ở đây (ô này không được chấm điểm).
