# %% md
# # Bài tập 13 — Mô hình khuếch tán (DDPM) trong PyTorch
#
# **Phần 9 · Chương 27: VAE và mô hình khuếch tán**
#
# Mục tiêu: tự viết bằng PyTorch các mảnh của một mô hình khuếch tán khử nhiễu DDPM (Ho và cộng
# sự, 2020): lịch nhiễu tuyến tính, quá trình thêm nhiễu dạng đóng $q(x_t \mid x_0)$, hàm mất mát
# dự đoán nhiễu $\varepsilon$ và một bước lấy mẫu ngược $x_t \to x_{t-1}$.
#
# | Câu | Hàm | Điểm |
# |---|---|---|
# | 1 | `linear_noise_schedule` | 2 |
# | 2 | `q_sample` | 2 |
# | 3 | `ddpm_loss` | 2 |
# | 4 | `p_sample_step` | 3 |
# | | **Tổng** | **9** |
#
# **Quy ước chỉ số**: các bước được đánh số từ 0, $t \in \{0, 1, \dots, T-1\}$ (bước $t$ trong code
# là bước $t + 1$ trong bài báo). `betas[t]` là $\beta_t$, `alphas[t]` là $\alpha_t = 1 - \beta_t$
# và `alpha_bars[t]` là $\bar\alpha_t = \prod_{s=0}^{t} \alpha_s$ (tích **gồm cả** $\alpha_t$).
# Mọi tensor số thực trong bài là `torch.float64`.
#
# **Quy định của bài** (kiểm tra khi chấm, vi phạm thì câu đó được 0 điểm): dùng PyTorch, nhưng
# **không** dùng `dlbook` (kể cả `dlbook.nn.ddpm`, nơi có lời giải tham khảo của sách) hay thư viện
# khuếch tán có sẵn (`diffusers`, …). Các câu độc lập với nhau.

# %% setup
import numpy as np
import torch
from torch import nn

from dlbook.course.checks import expect_close, expect_equal, expect_shape, expect_true


class TinyEpsModel(nn.Module):
    """A tiny noise-prediction network: eps(x, t) = tanh(x @ W + emb[t]), x (N, D), t long (N,)."""

    def __init__(self, W, emb):
        super().__init__()
        self.W = nn.Parameter(torch.as_tensor(W, dtype=torch.float64).clone())
        self.emb = nn.Parameter(torch.as_tensor(emb, dtype=torch.float64).clone())

    def forward(self, x, t):
        return torch.tanh(x @ self.W + self.emb[torch.as_tensor(t, dtype=torch.long)])

# %% md
# ## Câu 1 (2 điểm) — Lịch nhiễu tuyến tính
#
# Quá trình thuận thêm nhiễu Gauss từng chút một: $q(x_t \mid x_{t-1}) =
# \mathcal{N}\big(\sqrt{1 - \beta_t}\, x_{t-1}, \beta_t I\big)$. Lịch tuyến tính của DDPM cho
# $\beta_t$ tăng **đều** từ `beta_start` (ở $t = 0$) đến `beta_end` (ở $t = T - 1$, tính cả hai
# đầu mút):
#
# $$\beta_t = \beta_{\text{start}} + \frac{t}{T - 1}\,(\beta_{\text{end}} - \beta_{\text{start}}),
# \qquad \alpha_t = 1 - \beta_t, \qquad \bar\alpha_t = \prod_{s=0}^{t} \alpha_s .$$
#
# Viết `linear_noise_schedule(T, beta_start=1e-4, beta_end=0.02)` trả về tuple
# `(betas, alphas, alpha_bars)`, ba tensor kích thước (T,) kiểu `torch.float64`
# (khi T = 1 thì `betas = [beta_start]`). Gợi ý: `torch.linspace(..., dtype=torch.float64)`,
# `torch.cumprod`. Vì sao float64? Tích của 1.000 số gần 1 tính bằng float32 tích lũy sai số làm
# tròn ở mỗi phép nhân.

# %% solution id=linear_noise_schedule_code
def linear_noise_schedule(T, beta_start=1e-4, beta_end=0.02):
    """Linear DDPM schedule: (betas, alphas, alpha_bars), three float64 tensors of shape (T,)."""
    ### BEGIN SOLUTION
    betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    alphas = 1.0 - betas
    return betas, alphas, torch.cumprod(alphas, dim=0)
    ### END SOLUTION

# %% test id=linear_noise_schedule points=2
_b, _a, _ab = linear_noise_schedule(3, 0.1, 0.3)
expect_close(_b, [0.1, 0.2, 0.3], "betas với T = 3, beta_start = 0.1, beta_end = 0.3")
expect_close(_a, [0.9, 0.8, 0.7], "alphas trong cùng ví dụ")
expect_close(_ab, [0.9, 0.72, 0.504], "alpha_bars trong cùng ví dụ (ᾱ_0 = α_0, ᾱ_1 = α_0·α_1, …)")
print("✅ Câu 1: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    b, a, ab = linear_noise_schedule(1000)
    for name, v in (("betas", b), ("alphas", a), ("alpha_bars", ab)):
        expect_true(isinstance(v, torch.Tensor) and v.dtype == torch.float64, f"{name} với T = 1000",
                    f"mong đợi torch.Tensor kiểu torch.float64, nhận được {type(v).__name__} {getattr(v, 'dtype', '')}")
        expect_shape(v, (1000,), f"kích thước {name} với T = 1000")
    want_b = 1e-4 + np.arange(1000) / 999 * (0.02 - 1e-4)
    expect_close(b, want_b, "betas với T = 1000 (giá trị mặc định, gồm cả beta_end ở t = 999)", rtol=1e-10)
    expect_close(a, 1 - want_b, "alphas với T = 1000", rtol=1e-12)
    expect_close(ab, np.cumprod(1 - want_b), "alpha_bars với T = 1000", rtol=1e-9, atol=0)
    b, a, ab = linear_noise_schedule(1, 0.05, 0.2)
    expect_close(ab, [0.95], "alpha_bars với T = 1 (chỉ một bước: ᾱ_0 = α_0)")
    expect_not_using(linear_noise_schedule, modules=("dlbook", "diffusers"))

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 2 (2 điểm) — Thêm nhiễu dạng đóng: `q_sample`
#
# Ghép $t + 1$ bước thêm nhiễu liên tiếp, $x_t$ vẫn là một biến Gauss có dạng đóng:
#
# $$q(x_t \mid x_0) = \mathcal{N}\big(\sqrt{\bar\alpha_t}\, x_0,\ (1 - \bar\alpha_t) I\big)
# \quad\Longleftrightarrow\quad x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\,
# \varepsilon, \quad \varepsilon \sim \mathcal{N}(0, I).$$
#
# Viết `q_sample(x0, t, noise, alpha_bars)` trả về `x_t` (cùng kích thước với `x0`). `x0` và
# `noise` có kích thước (N, …) bất kỳ (ví dụ (N, D) hay ảnh (N, C, H, W)); `t` là tensor số
# nguyên `torch.long` kích thước (N,): **mỗi mẫu một bước riêng**; `alpha_bars` là tensor (T,).
# Lấy $\bar\alpha_{t_i}$ cho từng mẫu rồi đổi kích thước thành (N, 1, …, 1) để broadcasting nhân
# đúng theo mẫu (gợi ý: `ab.reshape(-1, *([1] * (x0.ndim - 1)))`), **không** để nó broadcast theo
# trục cuối.

# %% solution id=q_sample_code
def q_sample(x0, t, noise, alpha_bars):
    """x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise, one step t per sample."""
    ### BEGIN SOLUTION
    ab = alpha_bars[t].reshape(-1, *([1] * (x0.ndim - 1)))
    return ab.sqrt() * x0 + (1.0 - ab).sqrt() * noise
    ### END SOLUTION

# %% test id=q_sample points=2 probe=_probe_q_sample
_ab = torch.tensor([0.81, 0.36], dtype=torch.float64)
_xt = q_sample(torch.ones(2, 3, dtype=torch.float64), torch.tensor([0, 1]), torch.zeros(2, 3, dtype=torch.float64), _ab)
expect_close(_xt, [[0.9] * 3, [0.6] * 3], "q_sample với x0 = 1, noise = 0, t = (0, 1), ᾱ = (0.81, 0.36)")
_xt = q_sample(torch.zeros(1, 2, dtype=torch.float64), torch.tensor([1]), torch.ones(1, 2, dtype=torch.float64), _ab)
expect_close(_xt, [[0.8, 0.8]], "q_sample với x0 = 0, noise = 1, t = 1 (√(1 − 0.36) = 0.8)")
print("✅ Câu 2: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _hidden():
    from dlbook.course.checks import expect_not_using

    g = torch.Generator().manual_seed(132)
    ab = torch.cumprod(1 - torch.linspace(0.01, 0.3, 7, dtype=torch.float64), 0)
    for shape in [(3, 3), (4, 2, 3, 3), (5,)]:
        x0 = torch.randn(shape, generator=g, dtype=torch.float64)
        noise = torch.randn(shape, generator=g, dtype=torch.float64)
        t = torch.randint(0, 7, (shape[0],), generator=g)
        want = torch.stack([ab[t[i]].sqrt() * x0[i] + (1 - ab[t[i]]).sqrt() * noise[i] for i in range(shape[0])])
        got = q_sample(x0, t, noise, ab)
        name = "×".join(map(str, shape))
        expect_shape(got, shape, f"kích thước x_t với x0 {name}")
        expect_close(got, want, f"q_sample với x0 {name}, t = {t.tolist()} (ᾱ của từng mẫu, không lệch chỉ số)")
    expect_not_using(q_sample, modules=("dlbook", "diffusers"))

_hidden()
def _probe_q_sample(x0, t, noise, alpha_bars):
    return q_sample(torch.as_tensor(x0), torch.as_tensor(t), torch.as_tensor(noise),
                    torch.as_tensor(alpha_bars))
### END HIDDEN TESTS

# %% md
# ## Câu 3 (2 điểm) — Hàm mất mát dự đoán nhiễu
#
# Mạng $\varepsilon_\theta(x_t, t)$ học **đoán lại nhiễu** đã thêm vào. Ho và cộng sự rút gọn cận
# dưới của log-likelihood (ELBO) thành một hàm mất mát bình phương đơn giản:
#
# $$L(\theta) = \mathbb{E}_{x_0, t, \varepsilon}\Big[\big\|\varepsilon - \varepsilon_\theta\big(
# \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon,\ t\big)\big\|^2\Big].$$
#
# Khi huấn luyện, $t$ và $\varepsilon$ được rút ngẫu nhiên; ở đây chúng được **cho sẵn** để kết
# quả xác định. Viết `ddpm_loss(model, x0, t, noise, alpha_bars)` trả về một **tensor vô hướng
# còn gắn với đồ thị tính toán** (để gọi được `loss.backward()`): trung bình bình phương sai số
# trên mọi phần tử (như `nn.functional.mse_loss` mặc định) giữa `model(x_t, t)` và `noise`, với
# `x_t` tạo từ `x0` theo công thức của câu 2 (tự viết lại trong hàm này). `model(x, t)` nhận `x`
# (N, D) và `t` long (N,), trả về nhiễu dự đoán (N, D). Không gọi `.item()`, không `detach()`.

# %% solution id=ddpm_loss_code
def ddpm_loss(model, x0, t, noise, alpha_bars):
    """Mean squared error between the predicted and the true noise at the given steps t."""
    ### BEGIN SOLUTION
    ab = alpha_bars[t].reshape(-1, *([1] * (x0.ndim - 1)))
    x_t = ab.sqrt() * x0 + (1.0 - ab).sqrt() * noise
    return nn.functional.mse_loss(model(x_t, t), noise)
    ### END SOLUTION

# %% test id=ddpm_loss points=2 probe=_probe_loss
_model = TinyEpsModel(torch.zeros(2, 2), torch.zeros(3, 2))       # ε_θ = tanh(0) = 0
_noise = torch.tensor([[1.0, -2.0], [0.0, 3.0]], dtype=torch.float64)
_loss = ddpm_loss(_model, torch.ones(2, 2, dtype=torch.float64), torch.tensor([0, 2]), _noise,
                  torch.tensor([0.9, 0.5, 0.1], dtype=torch.float64))
expect_true(isinstance(_loss, torch.Tensor) and _loss.ndim == 0, "ddpm_loss(...)",
            f"mong đợi một tensor vô hướng, nhận được {type(_loss).__name__}")
expect_true(_loss.requires_grad, "ddpm_loss(...)",
            "mong đợi loss còn gắn với đồ thị tính toán (requires_grad=True) để gọi được loss.backward(): "
            "không dùng .item(), detach() hay torch.tensor(...)")
expect_close(_loss.item(), (1 + 4 + 0 + 9) / 4, "ddpm_loss khi mạng luôn đoán ε = 0 (trung bình của noise²)")
print("✅ Câu 3: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _probe_loss(W, emb, x0, t, noise, alpha_bars):
    model = TinyEpsModel(W, emb)
    loss = ddpm_loss(model, torch.as_tensor(x0), torch.as_tensor(t), torch.as_tensor(noise), torch.as_tensor(alpha_bars))
    loss.backward()
    return float(loss.item()), model.W.grad, model.emb.grad

def _hidden():
    from dlbook.course.checks import expect_not_using

    g = torch.Generator().manual_seed(133)
    N, D, T = 6, 3, 10
    W, emb = torch.randn(D, D, generator=g, dtype=torch.float64), torch.randn(T, D, generator=g, dtype=torch.float64)
    x0, noise = torch.randn(N, D, generator=g, dtype=torch.float64), torch.randn(N, D, generator=g, dtype=torch.float64)
    t = torch.randint(0, T, (N,), generator=g)
    ab = torch.cumprod(1 - torch.linspace(0.02, 0.4, T, dtype=torch.float64), 0)
    Wt, et = W.clone().requires_grad_(), emb.clone().requires_grad_()
    x_t = ab[t].sqrt()[:, None] * x0 + (1 - ab[t]).sqrt()[:, None] * noise
    want = ((torch.tanh(x_t @ Wt + et[t]) - noise) ** 2).mean()
    want.backward()
    loss, gW, gemb = _probe_loss(W, emb, x0, t, noise, ab)
    expect_close(loss, want.item(), "ddpm_loss với mạng TinyEpsModel ngẫu nhiên (so ε_θ(x_t, t) với noise, trung bình trên mọi phần tử)")
    expect_true(gW is not None, "gradient của mạng sau loss.backward()", "mong đợi có gradient (loss phải còn gắn với đồ thị tính toán)")
    expect_close(gW, Wt.grad, "gradient theo W sau loss.backward()")
    expect_close(gemb, et.grad, "gradient theo emb sau loss.backward() (mạng phải nhận đúng t của từng mẫu)")
    expect_not_using(ddpm_loss, modules=("dlbook", "diffusers"))

_hidden()
### END HIDDEN TESTS

# %% md
# ## Câu 4 (3 điểm) — Một bước lấy mẫu ngược: `p_sample_step`
#
# Để sinh dữ liệu, DDPM bắt đầu từ nhiễu thuần $x_{T-1} \sim \mathcal{N}(0, I)$ và đi ngược từng
# bước $t = T-1, \dots, 1, 0$. Một bước dùng nhiễu dự đoán $\hat\varepsilon = \varepsilon_\theta(x_t,
# t)$ để ước lượng trung bình của $q(x_{t-1} \mid x_t, x_0)$ rồi thêm một chút nhiễu mới $z$:
#
# $$x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,
# \hat\varepsilon\Big) + \sigma_t z, \qquad \sigma_t = \sqrt{\beta_t},$$
#
# **trừ bước cuối** $t = 0$: khi đó trả về đúng phần trung bình, **không** thêm nhiễu (kết quả là
# mẫu sinh ra, không còn gì để khử).
#
# Viết `p_sample_step(model, x_t, t, betas, alphas, alpha_bars, noise)` trả về $x_{t-1}$ (cùng
# kích thước với `x_t`, (N, D)). `t` là một **số nguyên Python**; gọi mạng bằng
# `model(x_t, torch.full((N,), t, dtype=torch.long))`. `noise` là $z$ (cùng kích thước với `x_t`),
# được cho sẵn để kết quả xác định; nó bị bỏ qua khi $t = 0$. Không cần gradient ở bước này
# (gợi ý: `with torch.no_grad():`).

# %% solution id=p_sample_step_code
def p_sample_step(model, x_t, t, betas, alphas, alpha_bars, noise):
    """One reverse DDPM step x_t -> x_{t-1} with sigma_t^2 = beta_t (no noise at t = 0)."""
    ### BEGIN SOLUTION
    with torch.no_grad():
        eps = model(x_t, torch.full((x_t.shape[0],), t, dtype=torch.long))
        mean = (x_t - betas[t] / torch.sqrt(1.0 - alpha_bars[t]) * eps) / torch.sqrt(alphas[t])
        if t == 0:
            return mean
        return mean + torch.sqrt(betas[t]) * noise
    ### END SOLUTION

# %% test id=p_sample_step points=3 probe=_probe_step
_model = TinyEpsModel(torch.zeros(2, 2), torch.zeros(2, 2))       # ε_θ = 0
_betas = torch.tensor([0.19, 0.36], dtype=torch.float64)
_alphas = 1 - _betas
_abars = torch.cumprod(_alphas, 0)
_x = torch.tensor([[0.9, -1.8]], dtype=torch.float64)
_out = p_sample_step(_model, _x, 1, _betas, _alphas, _abars, torch.ones(1, 2, dtype=torch.float64))
expect_close(_out, [[0.9 / 0.8 + 0.6, -1.8 / 0.8 + 0.6]], "p_sample_step ở t = 1 khi ε_θ = 0 (x_t / √α_1 + √β_1 · z)")
print("✅ Câu 4: qua các kiểm tra hiển thị.")
### BEGIN HIDDEN TESTS
def _probe_step(W, emb, x_t, t, betas, alphas, alpha_bars, noise):
    model = TinyEpsModel(W, emb)
    out = p_sample_step(model, torch.as_tensor(x_t), int(t), torch.as_tensor(betas), torch.as_tensor(alphas),
                        torch.as_tensor(alpha_bars), torch.as_tensor(noise))
    return torch.as_tensor(out).detach()

def _hidden():
    from dlbook.course.checks import expect_not_using

    g = torch.Generator().manual_seed(134)
    N, D, T = 5, 3, 8
    W, emb = torch.randn(D, D, generator=g, dtype=torch.float64), torch.randn(T, D, generator=g, dtype=torch.float64)
    x_t, z = torch.randn(N, D, generator=g, dtype=torch.float64), torch.randn(N, D, generator=g, dtype=torch.float64)
    betas = torch.linspace(0.05, 0.3, T, dtype=torch.float64)
    alphas = 1 - betas
    abars = torch.cumprod(alphas, 0)
    for t in (5, T - 1, 0):
        eps = torch.tanh(x_t @ W + emb[t])
        mean = (x_t - betas[t] / (1 - abars[t]).sqrt() * eps) / alphas[t].sqrt()
        want = mean if t == 0 else mean + betas[t].sqrt() * z
        got = _probe_step(W, emb, x_t, t, betas, alphas, abars, z)
        expect_shape(got, (N, D), f"kích thước x_(t−1) ở t = {t}")
        what = "t = 0 (bước cuối: không thêm nhiễu)" if t == 0 else f"t = {t} (σ_t = √β_t, mạng nhận đúng t)"
        expect_close(got, want, f"p_sample_step ở {what}")
    expect_not_using(p_sample_step, modules=("dlbook", "diffusers"))

_hidden()
### END HIDDEN TESTS

# %% md
# ## Thử nghiệm thêm (không chấm điểm)
#
# Với `linear_noise_schedule(1000)`, vẽ $\sqrt{\bar\alpha_t}$ và $\sqrt{1 - \bar\alpha_t}$ theo $t$:
# ở bước nào tín hiệu và nhiễu có cùng độ lớn? Dùng `q_sample` để thêm nhiễu vào một điểm 2-D ở các
# bước 0, 100, 500, 999. Ghép `p_sample_step` thành vòng lặp lấy mẫu từ $t = T - 1$ về 0 với một
# `TinyEpsModel` ngẫu nhiên (chưa huấn luyện): mẫu sinh ra trông thế nào?

# %% code
# Viết thử nghiệm của bạn ở đây (ô này không được chấm điểm).
