# %% md
# # Bài tập 3 — Hồi quy logistic và các độ đo phân loại
#
# **Phần 2 · Chương 5: Hồi quy logistic**
#
# Mục tiêu: cài đặt hàm sigmoid và hàm mất mát binary cross-entropy **ổn định số**, gradient của
# chúng, các độ đo của bài toán phân loại nhị phân (ma trận nhầm lẫn, precision, recall, F1, AUC) và
# hàm mất mát softmax cross-entropy cho nhiều lớp.
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `sigmoid` | 1 |
# | 2 | `bce_loss_and_grad` | 2 |
# | 3 | `confusion_matrix_binary` | 1 |
# | 4 | `precision_recall_f1` | 2 |
# | 5 | `roc_auc` | 2 |
# | 6 | `softmax_cross_entropy` | 2 |
# | | **Tổng** | **10** |
#
# Các câu độc lập: mỗi hàm tự viết công thức nó cần. Không dùng scikit-learn, SciPy, PyTorch hay
# `dlbook` trong bài làm; chỉ NumPy.

# %% setup
import numpy as np

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (1 điểm) — Sigmoid ổn định số
#
# $\sigma(z) = \dfrac{1}{1 + e^{-z}}$. Với $z = -1000$, `np.exp(1000)` tràn số (numpy báo
# `overflow`). Viết `sigmoid(z)` cho mảng `z` bất kỳ kích thước, trả về mảng cùng kích thước, **không
# gây cảnh báo tràn số** với mọi $z$. Gợi ý: với $z < 0$ dùng dạng tương đương
# $\sigma(z) = \dfrac{e^{z}}{1 + e^{z}}$, hoặc tính theo $e^{-|z|}$ rồi dùng `np.where`.
# Không dùng vòng lặp.

# %% solution id=sigmoid_code
def sigmoid(z):
    """Numerically stable logistic function, element-wise."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION

# %% test id=sigmoid points=1
expect_close(sigmoid(np.array([0.0, 2.0, -2.0])), [0.5, 0.88079708, 0.11920292],
             "sigmoid([0, 2, -2])")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using, expect_stable

    z = np.array([[-1000.0, -40.0], [40.0, 1000.0]])
    out = expect_stable(sigmoid, z, what="sigmoid([[-1000, -40], [40, 1000]])")
    expect_shape(out, (2, 2), "kích thước của sigmoid(z) với z 2×2")
    expect_close(out, [[0.0, 4.248354255291589e-18], [1.0, 1.0]],
                 "sigmoid([[-1000, -40], [40, 1000]])", rtol=1e-9, atol=0)
    rng = np.random.default_rng(11)
    z = rng.normal(0, 5, size=100)
    expect_close(sigmoid(z), 1 / (1 + np.exp(-z)), "sigmoid với z ngẫu nhiên", rtol=1e-12)
    expect_close(sigmoid(z) + sigmoid(-z), np.ones(100), "σ(z) + σ(−z) (phải bằng 1)")
    expect_no_loops(sigmoid)
    expect_not_using(sigmoid)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (2 điểm) — Binary cross-entropy và gradient
#
# Với $z = Xw$, $p = \sigma(z)$ và nhãn $y_i \in \{0, 1\}$:
#
# $$L = \frac{1}{N} \sum_i \big[-y_i \log p_i - (1 - y_i) \log(1 - p_i)\big], \qquad
# \nabla_w L = \frac{1}{N} X^\top (p - y).$$
#
# Viết `bce_loss_and_grad(X, y, w)` trả về tuple `(loss, grad)`. Khi $|z|$ rất lớn, $p$ làm tròn
# thành đúng 0 hoặc 1 và $\log 0 = -\infty$: hãy tính loss **trực tiếp từ $z$**, dùng đẳng thức
# $-y \log \sigma(z) - (1-y)\log(1-\sigma(z)) = \log(1 + e^{z}) - y z$ và
# `np.logaddexp(0, z)` $= \log(1 + e^{z})$ (ổn định). Không dùng vòng lặp.

# %% solution id=bce_loss_and_grad_code
def bce_loss_and_grad(X, y, w):
    """Mean binary cross-entropy of sigmoid(Xw) against y, and its gradient w.r.t. w."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    z = X @ np.asarray(w, dtype=np.float64).reshape(-1)
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(loss), X.T @ (p - y) / X.shape[0]
    ### END SOLUTION

# %% test id=bce_loss_and_grad points=2
_loss, _grad = bce_loss_and_grad(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 1.0]),
                                 np.array([0.0, 0.0]))
expect_close(_loss, np.log(2), "loss với w = 0 (mọi p = 0.5)")
expect_close(_grad, [0.0, -0.25], "gradient với w = 0")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import (expect_finite, expect_gradient, expect_no_loops,
                                      expect_not_using)

    rng = np.random.default_rng(22)
    X = rng.normal(size=(40, 3))
    y = (rng.random(40) < 0.5).astype(float)
    w = rng.normal(size=3)
    loss, grad = bce_loss_and_grad(X, y, w)
    p = 1 / (1 + np.exp(-X @ w))
    expect_close(loss, np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)),
                 "loss với dữ liệu ngẫu nhiên 40×3", rtol=1e-9)
    expect_gradient(lambda v: bce_loss_and_grad(X, y, v)[0], w, grad, "gradient của BCE")
    Xb = np.array([[1000.0], [-1000.0], [800.0]])
    loss, grad = bce_loss_and_grad(Xb, np.array([0.0, 1.0, 1.0]), np.array([1.0]))
    expect_finite(loss, "loss khi |z| = 1000 (dự đoán sai rất tự tin)")
    expect_close(loss, 2000 / 3, "loss với z = [1000, −1000, 800], y = [0, 1, 1]", rtol=1e-9)
    expect_close(grad, [2000 / 3], "gradient với z = [1000, −1000, 800], y = [0, 1, 1]")
    expect_no_loops(bce_loss_and_grad)
    expect_not_using(bce_loss_and_grad)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (1 điểm) — Ma trận nhầm lẫn
#
# Viết `confusion_matrix_binary(y_true, y_pred)` với hai mảng nhãn 0/1 cùng độ dài, trả về ma trận
# **số nguyên** 2×2 theo quy ước hàng = nhãn thật, cột = nhãn dự đoán:
#
# $$\begin{bmatrix} TN & FP \\ FN & TP \end{bmatrix}.$$
#
# Không dùng vòng lặp (gợi ý: `np.sum` của các mảng bool, hoặc `np.bincount(2 * y_true + y_pred)`).

# %% solution id=confusion_matrix_binary_code
def confusion_matrix_binary(y_true, y_pred):
    """[[TN, FP], [FN, TP]] of binary labels (rows: truth, columns: prediction)."""
    ### BEGIN SOLUTION
    y_true = np.asarray(y_true).astype(np.int64).reshape(-1)
    y_pred = np.asarray(y_pred).astype(np.int64).reshape(-1)
    return np.bincount(2 * y_true + y_pred, minlength=4).reshape(2, 2)
    ### END SOLUTION

# %% test id=confusion_matrix_binary points=1
expect_equal(confusion_matrix_binary(np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 1, 0])),
             np.array([[1, 1], [1, 2]]), "confusion_matrix_binary([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using

    expect_equal(confusion_matrix_binary(np.array([1, 1]), np.array([1, 1])),
                 np.array([[0, 0], [0, 2]]), "confusion_matrix_binary khi chỉ có lớp 1")
    expect_equal(confusion_matrix_binary(np.array([0, 0, 0]), np.array([0, 0, 0])),
                 np.array([[3, 0], [0, 0]]), "confusion_matrix_binary khi chỉ có lớp 0")
    rng = np.random.default_rng(33)
    t, p = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    want = np.array([[np.sum((t == 0) & (p == 0)), np.sum((t == 0) & (p == 1))],
                     [np.sum((t == 1) & (p == 0)), np.sum((t == 1) & (p == 1))]])
    expect_equal(confusion_matrix_binary(t, p), want, "confusion_matrix_binary với 200 nhãn ngẫu nhiên")
    expect_no_loops(confusion_matrix_binary)
    expect_not_using(confusion_matrix_binary)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (2 điểm) — Precision, recall, F1
#
# $$\text{precision} = \frac{TP}{TP + FP}, \quad \text{recall} = \frac{TP}{TP + FN}, \quad
# F_1 = \frac{2 \cdot \text{precision} \cdot \text{recall}}{\text{precision} + \text{recall}}.$$
#
# Viết `precision_recall_f1(y_true, y_pred)` trả về tuple ba số thực `(precision, recall, f1)`.
# Khi một mẫu số bằng 0 (không có dự đoán dương nào, không có mẫu dương nào, hoặc precision =
# recall = 0) thì đại lượng đó bằng `0.0`, **không** được ra `nan` hay báo lỗi chia cho 0.

# %% solution id=precision_recall_f1_code
def precision_recall_f1(y_true, y_pred):
    """Precision, recall and F1 of the positive class; 0.0 where a denominator is 0."""
    ### BEGIN SOLUTION
    y_true = np.asarray(y_true).reshape(-1) == 1
    y_pred = np.asarray(y_pred).reshape(-1) == 1
    tp = float(np.sum(y_true & y_pred))
    fp = float(np.sum(~y_true & y_pred))
    fn = float(np.sum(y_true & ~y_pred))
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1
    ### END SOLUTION

# %% test id=precision_recall_f1 points=2
expect_close(precision_recall_f1(np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 1, 0])),
             [2 / 3, 2 / 3, 2 / 3], "precision_recall_f1([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])")
expect_close(precision_recall_f1(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0])),
             [1.0, 0.5, 2 / 3], "precision_recall_f1([1, 1, 0, 0], [1, 0, 0, 0])")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using, expect_stable

    out = expect_stable(precision_recall_f1, np.array([1, 0, 1]), np.array([0, 0, 0]),
                        what="precision_recall_f1 khi không có dự đoán dương nào")
    expect_close(out, [0.0, 0.0, 0.0], "precision_recall_f1([1, 0, 1], [0, 0, 0])")
    out = expect_stable(precision_recall_f1, np.array([0, 0]), np.array([1, 0]),
                        what="precision_recall_f1 khi không có mẫu dương nào")
    expect_close(out, [0.0, 0.0, 0.0], "precision_recall_f1([0, 0], [1, 0])")
    rng = np.random.default_rng(44)
    t, p = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    tp, fp, fn = np.sum(t & p), np.sum((1 - t) & p), np.sum(t & (1 - p))
    pr, rc = tp / (tp + fp), tp / (tp + fn)
    expect_close(precision_recall_f1(t, p), [pr, rc, 2 * pr * rc / (pr + rc)],
                 "precision_recall_f1 với 300 nhãn ngẫu nhiên")
    expect_not_using(precision_recall_f1)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 5 (2 điểm) — Diện tích dưới đường ROC (AUC)
#
# AUC bằng xác suất một mẫu dương chọn ngẫu nhiên có điểm (`scores`) **cao hơn** một mẫu âm chọn
# ngẫu nhiên; nếu hai điểm bằng nhau thì tính ½:
#
# $$\text{AUC} = \frac{1}{n_+ n_-} \sum_{i: y_i = 1} \sum_{j: y_j = 0}
# \Big( [s_i > s_j] + \tfrac12 [s_i = s_j] \Big).$$
#
# Viết `roc_auc(y_true, scores)` trả về một số thực, **không dùng vòng lặp** (gợi ý: so sánh bằng
# broadcasting giữa điểm của các mẫu dương và các mẫu âm). Nếu `y_true` chỉ có một lớp thì AUC không
# xác định: `raise ValueError`.

# %% solution id=roc_auc_code
def roc_auc(y_true, scores):
    """Area under the ROC curve; ties count one half."""
    ### BEGIN SOLUTION
    y_true = np.asarray(y_true).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    if pos.size == 0 or neg.size == 0:
        raise ValueError("AUC cần cả mẫu dương lẫn mẫu âm.")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)
    ### END SOLUTION

# %% test id=roc_auc points=2
expect_close(roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])), 0.75,
             "roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])")
print("✅ Câu 5: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using, expect_raises

    expect_close(roc_auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])), 0.5,
                 "roc_auc khi mọi điểm bằng nhau")
    expect_close(roc_auc(np.array([1, 0, 1]), np.array([0.3, 0.3, 0.9])), 0.75,
                 "roc_auc([1, 0, 1], [0.3, 0.3, 0.9]) (có điểm bằng nhau)")
    expect_close(roc_auc(np.array([1, 1, 0]), np.array([0.1, 0.2, 0.9])), 0.0,
                 "roc_auc khi mọi mẫu âm có điểm cao hơn")
    rng = np.random.default_rng(55)
    y = rng.integers(0, 2, 120)
    s = np.round(rng.random(120) + 0.3 * y, 1)
    pos, neg = s[y == 1], s[y == 0]
    want = np.mean([(a > b) + 0.5 * (a == b) for a in pos for b in neg])
    expect_close(roc_auc(y, s), want, "roc_auc với 120 mẫu ngẫu nhiên (nhiều điểm trùng)")
    expect_raises(ValueError, roc_auc, np.array([1, 1]), np.array([0.2, 0.4]),
                  what="roc_auc khi chỉ có mẫu dương")
    expect_no_loops(roc_auc)
    expect_not_using(roc_auc)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 6 (2 điểm) — Softmax cross-entropy cho nhiều lớp
#
# Với logit $Z$ kích thước (N, C) và nhãn nguyên $y$ (N,), $P = \mathrm{softmax}(Z)$ theo hàng:
#
# $$L = -\frac{1}{N} \sum_i \log P_{i, y_i}, \qquad \frac{\partial L}{\partial Z} =
# \frac{1}{N}\big(P - \mathrm{onehot}(y)\big).$$
#
# Viết `softmax_cross_entropy(Z, y)` trả về tuple `(loss, dZ)`. Tính $\log P$ bằng log-sum-exp
# ổn định: $\log P_{ik} = Z_{ik} - m_i - \log \sum_j e^{Z_{ij} - m_i}$ với $m_i = \max_j Z_{ij}$.
# Không dùng vòng lặp.

# %% solution id=softmax_cross_entropy_code
def softmax_cross_entropy(Z, y):
    """Mean cross-entropy of softmax(Z) against integer labels y, and its gradient w.r.t. Z."""
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=np.float64)
    y = np.asarray(y).astype(np.int64).reshape(-1)
    n = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    dZ = np.exp(log_p)
    dZ[np.arange(n), y] -= 1.0
    return float(loss), dZ / n
    ### END SOLUTION

# %% test id=softmax_cross_entropy points=2
_loss, _dZ = softmax_cross_entropy(np.zeros((2, 4)), np.array([1, 3]))
expect_close(_loss, np.log(4), "loss khi mọi logit bằng 0 (4 lớp)")
expect_close(_dZ, [[0.125, -0.375, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]],
             "dZ khi mọi logit bằng 0")
print("✅ Câu 6: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import (expect_finite, expect_gradient, expect_no_loops,
                                      expect_not_using)

    rng = np.random.default_rng(66)
    Z = rng.normal(size=(7, 5))
    y = rng.integers(0, 5, 7)
    loss, dZ = softmax_cross_entropy(Z, y)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expect_close(loss, -np.mean(np.log(P[np.arange(7), y])), "loss với Z ngẫu nhiên 7×5")
    expect_gradient(lambda V: softmax_cross_entropy(V, y)[0], Z, dZ, "gradient theo Z")
    loss, dZ = softmax_cross_entropy(np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))
    expect_finite(loss, "loss với logit [1000, 0, −1000] và nhãn 2")
    expect_close(loss, 2000.0, "loss với logit [1000, 0, −1000] và nhãn 2")
    expect_close(dZ, [[1.0, 0.0, -1.0]], "dZ với logit [1000, 0, −1000] và nhãn 2")
    expect_no_loops(softmax_cross_entropy)
    expect_not_using(softmax_cross_entropy)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Thử nghiệm thêm (không chấm điểm)
#
# Huấn luyện hồi quy logistic bằng gradient descent (dùng `bce_loss_and_grad`) trên dữ liệu XOR
# `X = [[0, 0], [0, 1], [1, 0], [1, 1]]`, `y = [0, 1, 1, 0]` (nhớ thêm cột số 1). Độ chính xác tốt
# nhất bạn đạt được là bao nhiêu? Vì sao một đường thẳng không tách được hai lớp này?

# %% code
# Viết thử nghiệm của bạn ở đây (ô này không được chấm điểm).
