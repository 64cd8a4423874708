# %% md
# # Bài tập 10 — Cơ chế attention: từ scaled dot-product đến multi-head self-attention
#
# **Phần 7 · Chương 22: Seq2seq và attention**
#
# Mục tiêu: cài đặt attention bằng NumPy: điểm (score) giữa truy vấn (query) và khóa (key), trọng số
# softmax, tổng có trọng số của các giá trị (value), mặt nạ (mask) nhân quả, điểm cộng (additive,
# Bahdanau) và multi-head self-attention của Transformer.
#
# Quy ước kích thước: `Q` (B, Tq, d), `K` (B, Tk, d), `V` (B, Tk, dv) với B là số chuỗi trong lô.
# Mặt nạ là mảng **bool**, `True` nghĩa là "được phép nhìn" (giống
# `torch.nn.functional.scaled_dot_product_attention`).
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `scaled_dot_product_attention` | 3 |
# | 2 | `causal_mask` | 1 |
# | 3 | `additive_scores` | 2 |
# | 4 | `multi_head_self_attention` | 3 |
# | | **Tổng** | **9** |
#
# Chỉ dùng NumPy, không vòng lặp Python (trừ khi đề bài cho phép). Các câu độc lập: mỗi hàm tự
# viết phần softmax / attention nó cần.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (3 điểm) — Scaled dot-product attention
#
# $$\text{scores} = \frac{Q K^\top}{\sqrt{d}}, \qquad A = \mathrm{softmax}(\text{scores})
# \text{ theo trục cuối}, \qquad \text{context} = A V.$$
#
# Viết `scaled_dot_product_attention(Q, K, V, mask=None)` trả về tuple `(context, weights)` với
# `context` (B, Tq, dv) và `weights` = $A$ (B, Tq, Tk).
#
# - `mask` (nếu có) là mảng bool broadcast được về (B, Tq, Tk); chỗ `False` phải có trọng số
#   **đúng bằng 0** (gán điểm bằng `-np.inf` trước softmax, hoặc nhân với mặt nạ sau khi lấy mũ).
#   Mỗi hàng có ít nhất một chỗ `True`.
# - Softmax ổn định số (trừ giá trị lớn nhất của mỗi hàng): điểm có thể rất lớn.
# - Dùng `np.matmul` / `@` hoặc `np.einsum` cho cả lô; `K.transpose(0, 2, 1)` hoặc
#   `np.swapaxes(K, -1, -2)` để chuyển vị hai trục cuối.

# %% solution id=scaled_dot_product_attention_code
def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q K^T / sqrt(d)) V with an optional boolean mask (True = may attend)."""
    ### BEGIN SOLUTION
    d = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ V, weights
    ### END SOLUTION

# %% test id=scaled_dot_product_attention points=3
_Q = np.array([[[1.0, 0.0]]])
_K = np.array([[[1.0, 0.0], [0.0, 1.0]]])
_V = np.array([[[10.0], [20.0]]])
_ctx, _w = scaled_dot_product_attention(_Q, _K, _V)
_e = np.exp(1 / np.sqrt(2))
expect_close(_w, [[[_e / (_e + 1), 1 / (_e + 1)]]], "weights với Q = [1, 0], K = I (chia √2)")
expect_close(_ctx, [[[10 * _e / (_e + 1) + 20 / (_e + 1)]]], "context trong cùng ví dụ")
_ctx, _w = scaled_dot_product_attention(_Q, _K, _V, mask=np.array([[[False, True]]]))
expect_close(_w, [[[0.0, 1.0]]], "weights khi che khóa đầu tiên")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using, expect_stable

    rng = np.random.default_rng(101)
    Q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 6))
    ctx, w = scaled_dot_product_attention(Q, K, V)
    s = np.einsum("bqd,bkd->bqk", Q, K) / 2.0
    want = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
    expect_shape(ctx, (2, 3, 6), "kích thước context")
    expect_close(w, want, "weights với dữ liệu ngẫu nhiên (chia √d = 2)")
    expect_close(ctx, want @ V, "context với dữ liệu ngẫu nhiên")
    mask = rng.random((2, 3, 5)) < 0.6
    mask[:, :, 0] = True
    ctx, w = scaled_dot_product_attention(Q, K, V, mask=mask)
    expect_close(w[~mask], np.zeros(int((~mask).sum())), "trọng số ở các vị trí bị che (phải đúng bằng 0)")
    expect_close(w.sum(-1), np.ones((2, 3)), "tổng trọng số mỗi hàng khi có mặt nạ")
    ctx, w = scaled_dot_product_attention(Q, K, V, mask=np.array([True, False, True, True, False]))
    expect_close(w[..., [1, 4]], np.zeros((2, 3, 2)), "mặt nạ (Tk,) broadcast cho mọi truy vấn")
    big = expect_stable(scaled_dot_product_attention, Q * 300, K * 300, V,
                        what="scaled_dot_product_attention với điểm rất lớn")
    expect_true(np.all(np.isfinite(big[1])), "weights với điểm rất lớn", "mong đợi không có NaN/inf")
    expect_no_loops(scaled_dot_product_attention)
    expect_not_using(scaled_dot_product_attention)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (1 điểm) — Mặt nạ nhân quả
#
# Trong bộ giải mã (decoder), vị trí $i$ chỉ được nhìn các vị trí $j \le i$ (không nhìn "tương
# lai"). Viết `causal_mask(T)` trả về mảng **bool** (T, T) với phần tử `[i, j]` là `True` khi
# $j \le i$. Không dùng vòng lặp (gợi ý: `np.tril`).

# %% solution id=causal_mask_code
def causal_mask(T):
    """Boolean (T, T) mask, True where key j <= query i."""
    ### BEGIN SOLUTION
    return np.tril(np.ones((T, T), dtype=bool))
    ### END SOLUTION

# %% test id=causal_mask points=1
expect_equal(causal_mask(3), np.array([[True, False, False], [True, True, False], [True, True, True]]),
             "causal_mask(3)")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    m = causal_mask(1)
    expect_equal(m, np.array([[True]]), "causal_mask(1)")
    m = causal_mask(7)
    expect_true(m.dtype == bool, "kiểu dữ liệu của causal_mask(7)", f"mong đợi bool, nhận được {m.dtype}")
    expect_equal(m.sum(axis=1), np.arange(1, 8), "số vị trí được nhìn ở mỗi hàng của causal_mask(7)")
    expect_no_loops(causal_mask)
    expect_not_using(causal_mask)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (2 điểm) — Điểm cộng (additive attention, Bahdanau)
#
# Mỗi chuỗi trong lô có **một** truy vấn $q$ (ví dụ trạng thái ẩn của bộ giải mã) và $T_k$ khóa
# $k_j$ (trạng thái của bộ mã hóa). Điểm cộng là
#
# $$a_j = v^\top \tanh(W_1 q + W_2 k_j).$$
#
# Viết `additive_scores(q, K, W1, W2, v)` với `q` (B, dq), `K` (B, Tk, dk), `W1` (da, dq),
# `W2` (da, dk), `v` (da,), trả về điểm (B, Tk) (chưa qua softmax). Không dùng vòng lặp: tính
# $W_1 q$ cho cả lô (B, da), $W_2 k_j$ cho mọi khóa (B, Tk, da), rồi cộng bằng broadcasting.

# %% solution id=additive_scores_code
def additive_scores(q, K, W1, W2, v):
    """Bahdanau scores v^T tanh(W1 q + W2 k_j) for one query per sequence -> (B, Tk)."""
    ### BEGIN SOLUTION
    hidden = np.tanh((q @ W1.T)[:, None, :] + K @ W2.T)
    return hidden @ v
    ### END SOLUTION

# %% test id=additive_scores points=2
expect_close(additive_scores(np.array([[1.0]]), np.array([[[0.0], [2.0]]]), np.array([[1.0]]),
                             np.array([[-1.0]]), np.array([2.0])),
             [[2 * np.tanh(1.0), 2 * np.tanh(-1.0)]], "additive_scores với q = 1, hai khóa 0 và 2")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    rng = np.random.default_rng(103)
    q, K = rng.normal(size=(3, 4)), rng.normal(size=(3, 6, 5))
    W1, W2, v = rng.normal(size=(7, 4)), rng.normal(size=(7, 5)), rng.normal(size=7)
    want = np.array([[v @ np.tanh(W1 @ q[b] + W2 @ K[b, j]) for j in range(6)] for b in range(3)])
    out = additive_scores(q, K, W1, W2, v)
    expect_shape(out, (3, 6), "kích thước điểm (B, Tk)")
    expect_close(out, want, "additive_scores với dữ liệu ngẫu nhiên (W1, W2 không vuông)")
    expect_no_loops(additive_scores)
    expect_not_using(additive_scores)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (3 điểm) — Multi-head self-attention
#
# Với đầu vào `X` (B, T, D) và `h` đầu (head), D chia hết cho h, $d_h = D / h$:
#
# 1. chiếu: $Q = X W_q$, $K = X W_k$, $V = X W_v$ (các ma trận (D, D), không có bias);
# 2. tách đầu: đầu thứ $i$ dùng các cột $i \cdot d_h, \dots, (i+1) d_h - 1$ của $Q, K, V$
#    (gợi ý: `reshape(B, T, h, d_h)` rồi `transpose(0, 2, 1, 3)` thành (B, h, T, d_h));
# 3. mỗi đầu: scaled dot-product attention với $\sqrt{d_h}$ (không mặt nạ);
# 4. ghép các đầu theo thứ tự về (B, T, D) rồi nhân $W_o$ (D, D).
#
# Viết `multi_head_self_attention(X, Wq, Wk, Wv, Wo, num_heads)` trả về (B, T, D). Không dùng vòng
# lặp (cả qua các đầu).

# %% solution id=multi_head_self_attention_code
def multi_head_self_attention(X, Wq, Wk, Wv, Wo, num_heads):
    """Multi-head self-attention without mask or biases: (B, T, D) -> (B, T, D)."""
    ### BEGIN SOLUTION
    B, T, D = X.shape
    dh = D // num_heads

    def split(M):
        return M.reshape(B, T, num_heads, dh).transpose(0, 2, 1, 3)

    Q, K, V = split(X @ Wq), split(X @ Wk), split(X @ Wv)
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(dh)
    scores = scores - scores.max(axis=-1, keepdims=True)
    A = np.exp(scores)
    A = A / A.sum(axis=-1, keepdims=True)
    heads = (A @ V).transpose(0, 2, 1, 3).reshape(B, T, D)
    return heads @ Wo
    ### END SOLUTION

# %% test id=multi_head_self_attention points=3
_X = np.array([[[1.0, 0.0], [0.0, 1.0]]])
_I = np.eye(2)
_out = multi_head_self_attention(_X, _I, _I, _I, _I, num_heads=2)
_p = np.exp(1.0) / (np.exp(1.0) + 1.0)     # head i only sees coordinate i: scores (1, 0) or (0, 0)
expect_close(_out, [[[_p, 0.5], [0.5, _p]]], "multi_head_self_attention với X = I, mọi W = I, 2 đầu")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    rng = np.random.default_rng(104)
    B, T, D, h = 2, 5, 6, 3
    X = rng.normal(size=(B, T, D))
    Wq, Wk, Wv, Wo = (rng.normal(size=(D, D)) / np.sqrt(D) for _ in range(4))
    heads = []
    for i in range(h):
        cols = slice(2 * i, 2 * i + 2)
        q, k, v = (X @ Wq)[..., cols], (X @ Wk)[..., cols], (X @ Wv)[..., cols]
        s = np.einsum("btd,bsd->bts", q, k) / np.sqrt(2)
        a = np.exp(s - s.max(-1, keepdims=True))
        heads.append((a / a.sum(-1, keepdims=True)) @ v)
    want = np.concatenate(heads, axis=-1) @ Wo
    out = multi_head_self_attention(X, Wq, Wk, Wv, Wo, num_heads=h)
    expect_shape(out, (B, T, D), "kích thước đầu ra")
    expect_close(out, want, "multi_head_self_attention với 3 đầu (đầu i dùng các cột 2i, 2i+1)")
    one = multi_head_self_attention(X, Wq, Wk, Wv, Wo, num_heads=1)
    s = (X @ Wq) @ np.swapaxes(X @ Wk, -1, -2) / np.sqrt(D)
    a = np.exp(s - s.max(-1, keepdims=True))
    expect_close(one, (a / a.sum(-1, keepdims=True)) @ (X @ Wv) @ Wo, "multi_head_self_attention với 1 đầu")
    expect_no_loops(multi_head_self_attention)
    expect_not_using(multi_head_self_attention)

_hidden()
### END HIDDEN TESTS
