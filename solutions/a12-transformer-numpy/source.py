# %% md
# # Bài tập 12 — Transformer bằng NumPy: tự chú ý nhân quả, chuẩn hóa tầng và BPE
#
# **Phần 9 · Chương 25: Transformer**
#
# Mục tiêu: tự cài đặt bằng NumPy ba mảnh của một mô hình Transformer dạng bộ giải mã (decoder):
# tự chú ý (self-attention) có **mặt nạ nhân quả** với softmax ổn định số, lan truyền ngược của
# **chuẩn hóa tầng** (layer normalization), và **một bước gộp** của thuật toán tách từ BPE
# (byte-pair encoding).
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `causal_self_attention` | 3 |
# | 2 | `layer_norm_backward` | 3 |
# | 3 | `bpe_merge_step` | 3 |
# | | **Tổng** | **9** |
#
# **Quy định của bài** (kiểm tra khi chấm, vi phạm thì câu đó được 0 điểm):
#
# - chỉ dùng NumPy và thư viện chuẩn của Python; **không** dùng `dlbook` (kể cả `dlbook.scratch`,
#   nơi có lời giải tham khảo của sách), `torch`, `scipy`, `sklearn`;
# - câu 1 và 2 không dùng vòng lặp Python (kể cả comprehension, `np.vectorize`); câu 3 được dùng
#   vòng lặp.
#
# Các câu độc lập với nhau: mỗi hàm tự viết phần softmax / chuẩn hóa nó cần.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (3 điểm) — Tự chú ý nhân quả (causal self-attention)
#
# Đầu vào là một lô chuỗi `x` kích thước (N, T, D): N chuỗi, mỗi chuỗi T vị trí (token), mỗi vị
# trí một vectơ D chiều. Ba ma trận chiếu (không có bias): `Wq`, `Wk` kích thước (D, d) và `Wv`
# kích thước (D, dv). Với mỗi chuỗi:
#
# $$Q = x W_q,\quad K = x W_k,\quad V = x W_v,\qquad
# S_{ij} = \frac{q_i \cdot k_j}{\sqrt{d}}.$$
#
# Trong bộ giải mã, vị trí $i$ **không được nhìn tương lai**: chỉ các vị trí $j \le i$ được tham
# gia. Mặt nạ nhân quả đặt $S_{ij} = -\infty$ khi $j > i$, rồi
#
# $$A_{ij} = \frac{e^{S_{ij}}}{\sum_{j' \le i} e^{S_{ij'}}}, \qquad
# \text{out}_i = \sum_{j \le i} A_{ij}\, v_j .$$
#
# Viết `causal_self_attention(x, Wq, Wk, Wv)` trả về `out` kích thước (N, T, dv). Hàm cũng phải
# nhận một chuỗi đơn `x` kích thước (T, D) và khi đó trả về (T, dv).
#
# - Chia cho $\sqrt{d}$ với $d$ là số cột của `Wq` (chiều của truy vấn/khóa), **không** phải D.
# - Softmax **ổn định số**: trừ giá trị lớn nhất của mỗi hàng trước khi lấy mũ
#   ($e^{S - m} / \sum e^{S - m}$ không đổi giá trị nhưng không tràn số). Điểm có thể rất lớn.
# - Vị trí bị che phải có trọng số **đúng bằng 0** và mỗi hàng của $A$ có tổng 1 (che *trước*
#   softmax, không phải nhân mặt nạ *sau* softmax).
# - Gợi ý: `np.tril(np.ones((T, T), dtype=bool))`, `np.where(mask, S, -np.inf)`, `@` hoặc
#   `np.einsum`, `np.swapaxes(K, -1, -2)`. Không dùng vòng lặp Python.

# %% solution id=causal_self_attention_code
def causal_self_attention(x, Wq, Wk, Wv):
    """Single-head causal self-attention: (N, T, D) -> (N, T, dv), or (T, D) -> (T, dv)."""
    ### BEGIN SOLUTION
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    T = x.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(Wq.shape[-1])
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    return (e / e.sum(axis=-1, keepdims=True)) @ v
    ### END SOLUTION

# %% test id=causal_self_attention points=3
_x = np.array([[[1.0, 0.0], [0.0, 1.0]]])
_I = np.eye(2)
_out = causal_self_attention(_x, _I, _I, _I)
_p = 1.0 / (1.0 + np.exp(1.0 / np.sqrt(2)))   # hàng 2: điểm (0, 1/√2) với hai vị trí đầu
expect_shape(_out, (1, 2, 2), "kích thước đầu ra với x (1, 2, 2)")
expect_close(_out[0, 0], [1.0, 0.0], "vị trí đầu tiên (chỉ nhìn được chính nó)")
expect_close(_out[0, 1], [_p, 1 - _p], "vị trí thứ hai với x = I, mọi W = I (chia √2)")
expect_shape(causal_self_attention(_x[0], _I, _I, _I[:, :1]), (2, 1), "kích thước đầu ra với x (T, D) = (2, 2) và Wv (2, 1)")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_no_loops, expect_not_using, expect_stable

    def slow(x, Wq, Wk, Wv):   # one query position at a time, only the keys j <= i
        q, k, v = x @ Wq, x @ Wk, x @ Wv
        out = np.zeros(x.shape[:-1] + (Wv.shape[1],))
        for i in range(x.shape[-2]):
            s = np.einsum("...d,...jd->...j", q[..., i, :], k[..., : i + 1, :]) / np.sqrt(Wq.shape[1])
            a = np.exp(s - s.max(-1, keepdims=True))
            out[..., i, :] = np.einsum("...j,...jd->...d", a / a.sum(-1, keepdims=True), v[..., : i + 1, :])
        return out

    rng = np.random.default_rng(121)
    N, T, D, d, dv = 3, 6, 5, 4, 3
    x = rng.normal(size=(N, T, D))
    Wq, Wk, Wv = rng.normal(size=(D, d)), rng.normal(size=(D, d)), rng.normal(size=(D, dv))
    out = causal_self_attention(x, Wq, Wk, Wv)
    expect_shape(out, (N, T, dv), "kích thước đầu ra với x (3, 6, 5), Wq (5, 4), Wv (5, 3)")
    expect_close(out, slow(x, Wq, Wk, Wv), "đầu ra với dữ liệu ngẫu nhiên (chia √d với d = 4 cột của Wq)")
    later = x.copy()
    later[:, 3:] = rng.normal(size=(N, T - 3, D))
    expect_close(causal_self_attention(later, Wq, Wk, Wv)[:, :3], out[:, :3],
                 "ba vị trí đầu khi đổi các token từ vị trí 4 trở đi (không được nhìn tương lai)")
    expect_close(causal_self_attention(x[1], Wq, Wk, Wv), out[1], "một chuỗi đơn x (T, D)")
    big = expect_stable(causal_self_attention, x * 40, Wq, Wk, Wv,
                        what="causal_self_attention với điểm rất lớn (x nhân 40)")
    expect_finite(big, "causal_self_attention với điểm rất lớn")
    expect_close(big, slow(x * 40, Wq, Wk, Wv), "đầu ra với điểm rất lớn (softmax ổn định số)")
    expect_no_loops(causal_self_attention)
    expect_not_using(causal_self_attention)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (3 điểm) — Chuẩn hóa tầng: lan truyền ngược
#
# Chuẩn hóa tầng chuẩn hóa **từng vị trí** (từng hàng) theo **trục cuối** (D đặc trưng), không phụ
# thuộc vào các mẫu khác trong lô (khác chuẩn hóa theo batch, vốn lấy thống kê theo trục 0). Với
# một hàng $x \in \mathbb{R}^D$:
#
# $$\mu = \frac1D \sum_k x_k,\qquad \sigma^2 = \frac1D \sum_k (x_k - \mu)^2,\qquad
# \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}},\qquad y = \gamma \odot \hat x + \beta,$$
#
# với $\gamma, \beta$ kích thước (D,) dùng chung cho mọi hàng (phương sai chia cho D, như
# `torch.nn.LayerNorm`). Đầu vào `x` có kích thước (..., D): (N, D) hoặc (N, T, D).
#
# Cho `dout` $= \partial J / \partial y$ (cùng kích thước với `x`), viết
# `layer_norm_backward(dout, x, gamma, eps)` trả về tuple `(dx, dgamma, dbeta)` (tự tính lại
# $\mu$, $\sigma^2$, $\hat x$ từ `x`). Vì $\mu$ và $\sigma^2$ của một hàng phụ thuộc vào **mọi**
# $x_k$ của hàng đó, $dx$ không chỉ là $\gamma\,\text{dout}/\sqrt{\sigma^2+\varepsilon}$. Với
# $d\hat x = \gamma \odot \text{dout}$ và các tổng theo trục cuối (trong cùng một hàng):
#
# $$dx = \frac{1}{D\sqrt{\sigma^2 + \varepsilon}}\Big(D\, d\hat x - \sum_k d\hat x_k
# - \hat x \sum_k d\hat x_k\, \hat x_k\Big),$$
#
# còn $d\gamma$ và $d\beta$ cộng qua **mọi hàng** (mọi trục trừ trục cuối), kích thước (D,):
#
# $$d\gamma = \sum_{\text{hàng}} \text{dout} \odot \hat x, \qquad d\beta = \sum_{\text{hàng}} \text{dout}.$$
#
# Gợi ý: `keepdims=True` cho các tổng theo trục cuối; `axis=tuple(range(x.ndim - 1))` cho
# $d\gamma$, $d\beta$. Không dùng vòng lặp Python.

# %% solution id=layer_norm_backward_code
def layer_norm_backward(dout, x, gamma, eps):
    """Gradients (dx, dgamma, dbeta) of layer normalisation over the last axis."""
    ### BEGIN SOLUTION
    D = x.shape[-1]
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred ** 2).mean(axis=-1, keepdims=True) + eps)
    x_hat = centred * inv_std
    dx_hat = dout * gamma
    dx = inv_std / D * (D * dx_hat - dx_hat.sum(axis=-1, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=-1, keepdims=True))
    rows = tuple(range(x.ndim - 1))
    return dx, (dout * x_hat).sum(axis=rows), dout.sum(axis=rows)
    ### END SOLUTION

# %% test id=layer_norm_backward points=3
_x = np.array([[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0]])     # σ² = 1 ở cả hai hàng, x̂ = (−1, −1, 1, 1)
_dx, _dg, _db = layer_norm_backward(np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]]), _x,
                                    np.array([2.0, 1.0, 1.0, 1.0]), 0.0)
expect_close(_dx, [[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, -1.0, 1.0]], "dx với x = [[0, 0, 2, 2], [1, 1, 3, 3]], γ = (2, 1, 1, 1), ε = 0")
expect_close(_dg, [-1.0, 0.0, 0.0, 2.0], "dgamma (cộng dout · x̂ qua hai hàng)")
expect_close(_db, [1.0, 0.0, 0.0, 2.0], "dbeta (cộng dout qua hai hàng)")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_gradient, expect_no_loops, expect_not_using

    def fwd(x, g, b, eps):
        mu = x.mean(-1, keepdims=True)
        return g * (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps) + b

    rng = np.random.default_rng(122)
    x = np.array([[2.0, 2.0, 2.0], [0.0, 1.0, 5.0]])      # hàng đầu hằng số: σ² = 0
    G = rng.normal(size=x.shape)
    dx, dg, db = layer_norm_backward(G, x, np.ones(3), 1e-3)
    expect_finite(dx, "dx khi một hàng là hằng số (σ² = 0: nhớ cộng ε)")
    expect_gradient(lambda v: np.sum(G * fwd(v, np.ones(3), np.zeros(3), 1e-3)), x, dx,
                    "dx khi một hàng là hằng số, ε = 1e-3", tol=1e-5)
    for shape in [(4, 5), (2, 3, 4), (1, 6), (5, 1, 3)]:
        d = shape[-1]
        x = rng.normal(1.0, 2.0, size=shape)
        g, b = rng.normal(size=d), rng.normal(size=d)
        G = rng.normal(size=shape)
        dx, dg, db = layer_norm_backward(G, x, g, 1e-5)
        name = "×".join(map(str, shape))
        expect_shape(dg, (d,), f"kích thước dgamma với x {name} (cộng qua mọi trục trừ trục cuối)")
        expect_shape(db, (d,), f"kích thước dbeta với x {name}")
        expect_gradient(lambda v: np.sum(G * fwd(v, g, b, 1e-5)), x, dx, f"dx với x {name}", tol=1e-5)
        expect_gradient(lambda v: np.sum(G * fwd(x, v, b, 1e-5)), g, dg, f"dgamma với x {name}")
        expect_gradient(lambda v: np.sum(G * fwd(x, g, v, 1e-5)), b, db, f"dbeta với x {name}")
    expect_no_loops(layer_norm_backward)
    expect_not_using(layer_norm_backward)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (3 điểm) — Một bước gộp của BPE
#
# BPE (byte-pair encoding) xây bộ từ vựng con-của-từ (subword) bằng cách lặp lại **một bước gộp**:
# đếm mọi cặp ký hiệu liền kề trong kho văn bản, chọn cặp xuất hiện nhiều nhất và gộp nó thành một
# ký hiệu mới ở mọi nơi. Kho văn bản được cho dưới dạng `word_freqs`: một `dict` ánh xạ mỗi từ
# (một **tuple các ký hiệu**, mỗi ký hiệu là một chuỗi) sang số lần từ đó xuất hiện, ví dụ
#
# ```python
# {("t", "i", "ế", "n", "g", "</w>"): 5, ("t", "i", "ế", "n", "</w>"): 2, ("v", "i", "ệ", "t", "</w>"): 3}
# ```
#
# (`"</w>"` đánh dấu cuối từ; sau vài bước gộp, ký hiệu có thể dài hơn một ký tự, như `"iế"`).
# Viết `bpe_merge_step(word_freqs)` trả về tuple `(pair, new_word_freqs)`:
#
# 1. **Đếm**: tần suất của cặp $(a, b)$ là $\sum_w \text{freq}(w) \cdot n_w(a, b)$ với
#    $n_w(a, b)$ là số vị trí $i$ mà `w[i] == a` và `w[i + 1] == b` (mỗi lần xuất hiện liền kề đều
#    được đếm, kể cả chồng lên nhau như hai cặp `("a", "a")` trong `("a", "a", "a")`).
# 2. **Chọn** `pair` = cặp có tần suất lớn nhất. **Quy tắc khi hòa**: nếu nhiều cặp cùng tần suất
#    lớn nhất, chọn cặp **nhỏ nhất theo thứ tự từ điển** của tuple `(a, b)` (phép so sánh `<` của
#    Python trên tuple chuỗi, ví dụ `("e", "s") < ("s", "t")`). Kết quả không được phụ thuộc vào
#    thứ tự các từ trong `dict`.
# 3. **Gộp**: trong mỗi từ, duyệt từ trái sang phải; mỗi khi gặp `a` ngay trước `b` thì thay hai
#    ký hiệu đó bằng **một** ký hiệu `a + b` rồi đi tiếp sau nó (không gộp chồng lên nhau:
#    `("a", "a", "a")` với cặp `("a", "a")` thành `("aa", "a")`). Chỉ gộp các ký hiệu **nguyên
#    vẹn**: với cặp `("a", "b")`, từ `("xa", "b")` không đổi.
#
# `new_word_freqs` là một `dict` mới (giữ nguyên tần suất của từng từ; nếu hai từ trở nên giống
# nhau thì cộng tần suất của chúng); không sửa `word_freqs`.
# Luôn có ít nhất một từ có từ hai ký hiệu trở lên. Được dùng vòng lặp và `collections`.

# %% solution id=bpe_merge_step_code
def bpe_merge_step(word_freqs):
    """Count adjacent pairs, pick the most frequent (ties: smallest pair), merge it everywhere."""
    ### BEGIN SOLUTION
    counts = {}
    for word, freq in word_freqs.items():
        for pair in zip(word[:-1], word[1:]):
            counts[pair] = counts.get(pair, 0) + freq
    best = min(counts, key=lambda p: (-counts[p], p))
    merged = {}
    for word, freq in word_freqs.items():
        out, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                out.append(word[i] + word[i + 1])
                i += 2
            else:
                out.append(word[i])
                i += 1
        merged[tuple(out)] = merged.get(tuple(out), 0) + freq
    return best, merged
    ### END SOLUTION

# %% test id=bpe_merge_step points=3 probe=_probe_bpe
_corpus = {("l", "o", "w", "</w>"): 5, ("l", "o", "w", "e", "r", "</w>"): 2,
           ("n", "e", "w", "e", "s", "t", "</w>"): 6, ("w", "i", "d", "e", "s", "t", "</w>"): 3}
_pair, _merged = bpe_merge_step(_corpus)
expect_equal(tuple(_pair), ("e", "s"), "cặp được chọn (('e','s'), ('s','t'), ('t','</w>') cùng xuất hiện 9 lần)")
expect_true(_merged.get(("n", "e", "w", "es", "t", "</w>")) == 6, "từ 'newest' sau khi gộp",
            f"mong đợi ('n', 'e', 'w', 'es', 't', '</w>') với tần suất 6, nhận được các từ {sorted(_merged)}")
expect_true(_merged.get(("l", "o", "w", "</w>")) == 5, "từ 'low' (không có cặp được gộp)",
            f"mong đợi giữ nguyên với tần suất 5, nhận được các từ {sorted(_merged)}")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _bpe_decode(words, freqs):
    # codes: code points of a symbol, -1 after each symbol, -2 after each word
    result, word, symbol = {}, [], []
    for code in np.asarray(words).tolist():
        if code == -1:
            word.append("".join(symbol))
            symbol = []
        elif code == -2:
            result[tuple(word)] = None
            word = []
        else:
            symbol.append(chr(code))
    return dict(zip(result, (int(f) for f in np.asarray(freqs).tolist())))

def _bpe_encode(pair, word_freqs):
    def symbols(word):
        codes = []
        for sym in word:
            codes.extend(ord(c) for c in sym)
            codes.append(-1)
        return codes
    items = sorted((tuple(w), int(f)) for w, f in word_freqs.items())
    codes = []
    for word, _ in items:
        codes.extend(symbols(word))
        codes.append(-2)
    return (np.array(symbols(tuple(pair)), dtype=np.int64), np.array(codes, dtype=np.int64),
            np.array([f for _, f in items], dtype=np.int64))

def _probe_bpe(words, freqs):
    word_freqs = _bpe_decode(words, freqs)
    pair, merged = bpe_merge_step(word_freqs)
    return _bpe_encode(pair, merged)

def _hidden():
    from dlbook.course.checks import expect_not_using

    corpus = {("b", "a"): 3, ("a", "b"): 3}
    expect_equal(tuple(bpe_merge_step(corpus)[0]), ("a", "b"),
                 "cặp được chọn khi ('b', 'a') và ('a', 'b') cùng xuất hiện 3 lần (quy tắc khi hòa)")
    expect_equal(tuple(bpe_merge_step(dict(reversed(list(corpus.items()))))[0]), ("a", "b"),
                 "cặp được chọn khi đảo thứ tự các từ trong dict")
    expect_equal(tuple(bpe_merge_step({("a", "b"): 1, ("a", "b", "c"): 1, ("x", "y"): 5})[0]), ("x", "y"),
                 "cặp được chọn khi ('a', 'b') có trong hai từ nhưng ('x', 'y') có tần suất 5 (nhân với tần suất của từ)")
    words = {("t", "i", "ế", "n", "g", "</w>"): 5, ("t", "i", "ế", "n", "</w>"): 2, ("v", "i", "ệ", "t", "</w>"): 3,
             ("n", "g", "h", "i", "ệ", "p", "</w>"): 1}
    before = dict(words)
    pair, merged = bpe_merge_step(words)
    expect_equal(tuple(pair), ("i", "ế"), "cặp được chọn trong ví dụ tiếng Việt (đếm theo tần suất của từ)")
    expect_true(words == before, "word_freqs sau khi gọi hàm", "mong đợi không bị sửa (trả về dict mới)")
    expect_true(merged == {("t", "iế", "n", "g", "</w>"): 5, ("t", "iế", "n", "</w>"): 2,
                           ("v", "i", "ệ", "t", "</w>"): 3, ("n", "g", "h", "i", "ệ", "p", "</w>"): 1},
                "các từ sau khi gộp ('i', 'ế')", f"nhận được {merged}")
    pair, merged = bpe_merge_step({("a", "a", "a", "</w>"): 4, ("a", "a", "a", "a", "</w>"): 1})
    expect_equal(tuple(pair), ("a", "a"), "cặp được chọn với các từ 'aaa', 'aaaa'")
    expect_true(merged == {("aa", "a", "</w>"): 4, ("aa", "aa", "</w>"): 1},
                "gộp ('a', 'a') từ trái sang phải, không chồng nhau", f"nhận được {merged}")
    pair, merged = bpe_merge_step({("xa", "b"): 1, ("a", "b"): 5})
    expect_true(merged == {("xa", "b"): 1, ("ab",): 5},
                "gộp ('a', 'b') chỉ trên ký hiệu nguyên vẹn (từ ('xa', 'b') không đổi)", f"nhận được {merged}")
    expect_not_using(bpe_merge_step)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Thử nghiệm thêm (không chấm điểm)
#
# Lặp `bpe_merge_step` 30 lần trên các từ của một đoạn văn tiếng Việt (tách mỗi từ thành các ký tự
# và thêm `"</w>"`) và in các cặp được gộp theo thứ tự. Các âm tiết hay gặp ("ng", "nh", "ươ")
# xuất hiện sau bao nhiêu bước? Dùng `causal_self_attention` với `x` ngẫu nhiên và vẽ ma trận
# trọng số $A$ (sửa hàm để trả thêm $A$): vì sao nửa trên đường chéo bằng 0?

# %% code
# Viết thử nghiệm của bạn ở đây (ô này không được chấm điểm).
