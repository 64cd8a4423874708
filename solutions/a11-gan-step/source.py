# %% md
# # Bài tập 11 — GAN: hàm mất mát và một bước huấn luyện
#
# **Phần 8 · Chương 23: GAN**
#
# Mục tiêu: viết hàm mất mát của bộ phân biệt (discriminator) và của bộ sinh (generator) từ logit,
# ổn định số; thấy vì sao dạng minimax gốc làm gradient của bộ sinh **bão hòa** khi bộ phân biệt
# quá giỏi; và viết một bước huấn luyện GAN đúng thứ tự trong PyTorch.
#
# Ký hiệu: $D(x) = \sigma(\ell(x))$ là xác suất "ảnh thật" mà bộ phân biệt gán cho $x$, với
# $\ell$ là **logit** (đầu ra của mạng trước sigmoid). `real_logits` là logit của một lô dữ liệu
# thật, `fake_logits` là logit của một lô dữ liệu do bộ sinh tạo ra.
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `discriminator_loss` | 2 |
# | 2 | `generator_loss` | 1 |
# | 3 | `generator_grads` | 2 |
# | 4 | `gan_train_step` (PyTorch) | 3 |
# | | **Tổng** | **8** |
#
# Câu 1–3 chỉ dùng NumPy; câu 4 dùng PyTorch. Các câu độc lập.

# %% setup
import numpy as np
import torch
from torch import nn

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true

np.set_printoptions(precision=4, suppress=True)

# %% md
# ## Câu 1 (2 điểm) — Hàm mất mát của bộ phân biệt
#
# Bộ phân biệt muốn $D(x) \to 1$ với ảnh thật và $D(G(z)) \to 0$ với ảnh giả, tức tối thiểu hóa
# binary cross-entropy trên hai lô:
#
# $$L_D = -\frac{1}{n_r}\sum_i \log \sigma(r_i) \;-\; \frac{1}{n_f}\sum_j \log\big(1 - \sigma(f_j)\big).$$
#
# Viết `discriminator_loss(real_logits, fake_logits)` trả về một số thực. Tính **từ logit** cho ổn
# định: $-\log \sigma(x) = \log(1 + e^{-x})$ = `np.logaddexp(0, -x)` và
# $-\log(1 - \sigma(x)) = \log(1 + e^{x})$ = `np.logaddexp(0, x)`. Không dùng vòng lặp.

# %% solution id=discriminator_loss_code
def discriminator_loss(real_logits, fake_logits):
    """Mean BCE of the discriminator: real labelled 1, fake labelled 0 (from logits)."""
    ### BEGIN SOLUTION
    real = np.asarray(real_logits, dtype=np.float64)
    fake = np.asarray(fake_logits, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, -real)) + np.mean(np.logaddexp(0.0, fake)))
    ### END SOLUTION

# %% test id=discriminator_loss points=2
expect_close(discriminator_loss(np.zeros(3), np.zeros(2)), 2 * np.log(2),
             "discriminator_loss khi mọi logit bằng 0 (D = 0.5 ở mọi nơi)")
expect_close(discriminator_loss(np.array([2.0]), np.array([-1.0])),
             np.log(1 + np.exp(-2.0)) + np.log(1 + np.exp(-1.0)), "discriminator_loss([2], [−1])")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_finite, expect_no_loops, expect_not_using, expect_stable

    rng = np.random.default_rng(111)
    r, f = rng.normal(size=40), rng.normal(size=25)
    sig = lambda x: 1 / (1 + np.exp(-x))
    expect_close(discriminator_loss(r, f), -np.mean(np.log(sig(r))) - np.mean(np.log(1 - sig(f))),
                 "discriminator_loss với 40 logit thật, 25 logit giả (hai lô khác cỡ)")
    out = expect_stable(discriminator_loss, np.array([-800.0, 30.0]), np.array([900.0]),
                        what="discriminator_loss với logit rất lớn")
    expect_finite(out, "discriminator_loss với logit rất lớn")
    expect_close(out, 400.0 + np.log1p(np.exp(-30.0)) / 2 + 900.0, "discriminator_loss([−800, 30], [900])")
    expect_no_loops(discriminator_loss)
    expect_not_using(discriminator_loss)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (1 điểm) — Hàm mất mát của bộ sinh (dạng không bão hòa)
#
# Thay vì tối thiểu hóa $\log(1 - D(G(z)))$ (dạng minimax gốc), người ta cho bộ sinh **tối đa
# hóa** $\log D(G(z))$, tức tối thiểu hóa
#
# $$L_G = -\frac{1}{n}\sum_j \log \sigma(f_j).$$
#
# Viết `generator_loss(fake_logits)` trả về một số thực, ổn định số với logit rất lớn hay rất nhỏ.

# %% solution id=generator_loss_code
def generator_loss(fake_logits):
    """Non-saturating generator loss -mean(log sigmoid(f)) from logits."""
    ### BEGIN SOLUTION
    return float(np.mean(np.logaddexp(0.0, -np.asarray(fake_logits, dtype=np.float64))))
    ### END SOLUTION

# %% test id=generator_loss points=1
expect_close(generator_loss(np.zeros(4)), np.log(2), "generator_loss khi mọi logit bằng 0")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_no_loops, expect_not_using, expect_stable

    out = expect_stable(generator_loss, np.array([-1000.0, 1000.0]), what="generator_loss([−1000, 1000])")
    expect_close(out, 500.0, "generator_loss([−1000, 1000])")
    rng = np.random.default_rng(112)
    f = rng.normal(size=30) * 3
    expect_close(generator_loss(f), np.mean(np.log1p(np.exp(-f))), "generator_loss với 30 logit ngẫu nhiên")
    expect_no_loops(generator_loss)
    expect_not_using(generator_loss)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 3 (2 điểm) — Vì sao dạng minimax bão hòa: gradient theo logit
#
# Với $n$ logit giả $f_j$, so sánh gradient theo $f_j$ của hai hàm mất mát của bộ sinh:
#
# - minimax: $L_{mm} = \frac{1}{n}\sum_j \log\big(1 - \sigma(f_j)\big)$, có
#   $\dfrac{\partial L_{mm}}{\partial f_j} = -\dfrac{\sigma(f_j)}{n}$;
# - không bão hòa: $L_{ns} = -\frac{1}{n}\sum_j \log \sigma(f_j)$, có
#   $\dfrac{\partial L_{ns}}{\partial f_j} = -\dfrac{1 - \sigma(f_j)}{n}$.
#
# Viết `generator_grads(fake_logits)` trả về tuple `(grad_minimax, grad_nonsaturating)`, hai mảng
# cùng kích thước với `fake_logits`. Dùng sigmoid ổn định số (không cảnh báo tràn số với $|f|$
# lớn). Đầu quá trình huấn luyện, bộ phân biệt dễ dàng nhận ra ảnh giả ($f \ll 0$): gradient minimax
# gần 0 (bộ sinh không học được), còn gradient không bão hòa gần $-1/n$.

# %% solution id=generator_grads_code
def generator_grads(fake_logits):
    """Gradients w.r.t. the fake logits of the minimax and the non-saturating generator losses."""
    ### BEGIN SOLUTION
    f = np.asarray(fake_logits, dtype=np.float64)
    e = np.exp(-np.abs(f))
    sig = np.where(f >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    one_minus = np.where(f >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
    n = f.size
    return -sig / n, -one_minus / n
    ### END SOLUTION

# %% test id=generator_grads points=2
_mm, _ns = generator_grads(np.array([0.0, np.log(3.0)]))
expect_close(_mm, [-0.25, -0.375], "grad_minimax với logit [0, ln 3] (σ = 0.5, 0.75; n = 2)")
expect_close(_ns, [-0.25, -0.125], "grad_nonsaturating với logit [0, ln 3]")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_gradient, expect_no_loops, expect_not_using, expect_stable

    rng = np.random.default_rng(113)
    f = rng.normal(size=(4, 3)) * 2
    mm, ns = generator_grads(f)
    expect_shape(mm, (4, 3), "kích thước grad_minimax với logit 4×3")
    expect_gradient(lambda v: np.mean(np.log(1 - 1 / (1 + np.exp(-v)))), f, mm, "grad_minimax (kiểm tra bằng gradient số)")
    expect_gradient(lambda v: -np.mean(np.log(1 / (1 + np.exp(-v)))), f, ns, "grad_nonsaturating (kiểm tra bằng gradient số)")
    mm, ns = expect_stable(generator_grads, np.array([-1000.0, -30.0, 1000.0]), what="generator_grads với |f| lớn")
    expect_close(mm, [0.0, -np.exp(-30.0) / 3, -1 / 3], "grad_minimax với f = [−1000, −30, 1000] (bão hòa khi f ≪ 0)",
                 rtol=1e-6, atol=1e-300)
    expect_close(ns, [-1 / 3, -1 / 3, 0.0], "grad_nonsaturating với f = [−1000, −30, 1000]", atol=1e-12)
    expect_no_loops(generator_grads)
    expect_not_using(generator_grads)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (3 điểm) — Một bước huấn luyện GAN trong PyTorch
#
# `G` là bộ sinh (nhận nhiễu `z`, trả về mẫu giả), `D` là bộ phân biệt (nhận mẫu, trả về logit kích
# thước (N, 1)), `opt_G`, `opt_D` là hai optimizer riêng. Viết `gan_train_step(G, D, opt_G, opt_D,
# real, z)` làm **đúng thứ tự** sau và trả về tuple `(d_loss, g_loss)` (hai số thực Python):
#
# 1. **Cập nhật D**: `opt_D.zero_grad()`; tạo `fake = G(z).detach()` (không để gradient của bước này
#    chảy vào G); `d_loss` = BCE-with-logits của `D(real)` với nhãn 1 **cộng** BCE-with-logits của
#    `D(fake)` với nhãn 0 (mỗi số hạng là trung bình trên lô, dùng
#    `nn.functional.binary_cross_entropy_with_logits`); `d_loss.backward()`; `opt_D.step()`.
# 2. **Cập nhật G** (dùng D vừa cập nhật): `opt_G.zero_grad()`; `g_loss` = BCE-with-logits của
#    `D(G(z))` với nhãn **1** (dạng không bão hòa); `g_loss.backward()`; `opt_G.step()`.
#
# Chú ý: bước 2 cũng tính gradient cho các tham số của D; chúng phải được xóa trước lần cập nhật D
# kế tiếp (đó là lý do `opt_D.zero_grad()` đứng đầu bước 1).

# %% solution id=gan_train_step_code
def gan_train_step(G, D, opt_G, opt_D, real, z):
    """One discriminator update then one (non-saturating) generator update; returns the losses."""
    ### BEGIN SOLUTION
    bce = nn.functional.binary_cross_entropy_with_logits
    opt_D.zero_grad()
    fake = G(z).detach()
    real_logits, fake_logits = D(real), D(fake)
    d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))
    d_loss.backward()
    opt_D.step()
    opt_G.zero_grad()
    gen_logits = D(G(z))
    g_loss = bce(gen_logits, torch.ones_like(gen_logits))
    g_loss.backward()
    opt_G.step()
    return d_loss.item(), g_loss.item()
    ### END SOLUTION

# %% test id=gan_train_step points=3 probe=_probe_gan
torch.manual_seed(0)
_G, _D = nn.Linear(1, 1), nn.Linear(1, 1)
with torch.no_grad():
    for _p in list(_G.parameters()) + list(_D.parameters()):
        _p.zero_()
_d, _g = gan_train_step(_G, _D, torch.optim.SGD(_G.parameters(), lr=0.1), torch.optim.SGD(_D.parameters(), lr=0.1),
                        torch.ones(4, 1), torch.randn(4, 1))
expect_close(_d, 2 * np.log(2), "d_loss khi mọi trọng số bằng 0 (D = 0.5)", rtol=1e-6)
expect_close(_D.weight.item(), 0.05, "trọng số của D sau bước 1 (thật = 1, giả = 0)", rtol=1e-5)
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _probe_gan(real, z, G_W, G_b, D_W, D_b, lr):
    G = nn.Linear(G_W.shape[1], G_W.shape[0]).double()
    D = nn.Linear(D_W.shape[1], 1).double()
    with torch.no_grad():
        G.weight.copy_(torch.as_tensor(G_W))
        G.bias.copy_(torch.as_tensor(G_b))
        D.weight.copy_(torch.as_tensor(D_W))
        D.bias.copy_(torch.as_tensor(D_b))
    opt_G = torch.optim.SGD(G.parameters(), lr=lr)
    opt_D = torch.optim.SGD(D.parameters(), lr=lr)
    real, z = torch.as_tensor(real), torch.as_tensor(z)
    d1, g1 = gan_train_step(G, D, opt_G, opt_D, real, z)
    d2, g2 = gan_train_step(G, D, opt_G, opt_D, real, z)
    params = [p.detach().numpy().copy() for p in (G.weight, G.bias, D.weight, D.bias)]
    return (float(d1), float(g1), float(d2), float(g2), *params)

def _hidden():
    rng = np.random.default_rng(114)
    real, z = rng.normal(2.0, 0.5, size=(8, 2)), rng.normal(size=(8, 3))
    G_W, G_b, D_W, D_b = rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=(1, 2)), rng.normal(size=1)
    got = _probe_gan(real, z, G_W, G_b, D_W, D_b, 0.3)
    Gw, Gb, Dw, Db = (torch.tensor(a, requires_grad=True) for a in (G_W, G_b, D_W, D_b))
    R, Z = torch.tensor(real), torch.tensor(z)
    bce = nn.functional.binary_cross_entropy_with_logits
    want = []
    for _ in range(2):
        fake = (Z @ Gw.T + Gb).detach()
        rl, fl = R @ Dw.T + Db, fake @ Dw.T + Db
        d = bce(rl, torch.ones_like(rl)) + bce(fl, torch.zeros_like(fl))
        gDw, gDb = torch.autograd.grad(d, (Dw, Db))
        with torch.no_grad():
            Dw -= 0.3 * gDw
            Db -= 0.3 * gDb
        gl = (Z @ Gw.T + Gb) @ Dw.T + Db
        g = bce(gl, torch.ones_like(gl))
        gGw, gGb = torch.autograd.grad(g, (Gw, Gb))
        with torch.no_grad():
            Gw -= 0.3 * gGw
            Gb -= 0.3 * gGb
        want += [d.item(), g.item()]
    expect_close(got[:4], want, "(d_loss, g_loss) của hai bước liên tiếp", rtol=1e-7)
    expect_close(got[4], Gw.detach().numpy(), "trọng số của G sau hai bước (G phải được cập nhật bằng D(G(z)) với nhãn 1)", rtol=1e-7)
    expect_close(got[6], Dw.detach().numpy(), "trọng số của D sau hai bước (nhớ zero_grad trước khi cập nhật D)", rtol=1e-7)
    expect_close(got[7], Db.detach().numpy(), "bias của D sau hai bước", rtol=1e-7)

_hidden()
### END HIDDEN TESTS

# %% md
# ## Thử nghiệm thêm (không chấm điểm)
#
# Dùng `gan_train_step` để huấn luyện một GAN nhỏ sinh dữ liệu 1 chiều theo phân phối chuẩn
# $\mathcal{N}(4, 1)$: `G` và `D` là MLP nhỏ, `z` ~ $\mathcal{N}(0, 1)$. Vẽ histogram của mẫu sinh
# ra sau 0, 500, 2000 bước. Thử đổi sang hàm mất mát minimax cho bộ sinh: điều gì xảy ra lúc đầu?

# %% code
# Viết thử nghiệm của bạn ở đây (ô này không được chấm điểm).
