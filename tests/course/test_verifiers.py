"""The trusted verifiers (solutions/<name>/verify.py) against the solutions, through the probe.

The solution notebook is executed in-process, in a folder where ``.probe/in/<task>/`` holds the
inputs of fresh cases from ``verify.py``, exactly as the trusted grader prepares them; the probe
calls in the hidden tests write ``.probe/out``; the outputs must match ``reference`` for every
case. Careless solutions must be caught by the hidden tests (kernel side) and, where the mistake
changes the outputs, by the verifier (trusted side) as well.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import textwrap

import nbformat
import numpy as np
import pytest

from course_support import (
    ASSIGNMENTS,
    SOLUTION_REGION,
    SOLUTIONS,
    exec_notebook,
    nbgrader_meta,
    read_source,
    tasks_of,
)
from dlbook.course.verify_api import (
    Task,
    call_inputs,
    flatten_result,
    outputs_match,
    run_task,
    to_python_scalar,
)


def load_tasks(name: str) -> dict:
    spec = importlib.util.spec_from_file_location(f"verify_{name.replace('-', '_')}",
                                                  SOLUTIONS / name / "verify.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TASKS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_task_has_a_verifier_and_nothing_else(assignment):
    tasks = load_tasks(assignment)
    assert all(isinstance(t, Task) for t in tasks.values())
    assert set(tasks) == {t.grade_id for t in tasks_of(read_source(assignment))}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_verifier_cases_are_plain_numeric_arrays_and_scalars(assignment):
    for grade_id, task in load_tasks(assignment).items():
        cases = task.make_cases(np.random.default_rng(7))
        assert cases, grade_id
        for case in cases:
            for key, value in call_inputs(case).items():
                arr = np.asarray(value)
                assert arr.dtype.kind in "biuf", (grade_id, key, arr.dtype)


def _write_probe_inputs(root, tasks, seed):
    rng = np.random.default_rng(seed)
    all_cases = {}
    for grade_id, task in tasks.items():
        cases = task.make_cases(rng)
        folder = root / ".probe" / "in" / grade_id
        folder.mkdir(parents=True)
        for i, case in enumerate(cases):
            np.savez(folder / f"{i}.npz", **call_inputs(case))
        all_cases[grade_id] = cases
    return all_cases


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_its_verifier_through_the_probe(assignment, tmp_path):
    tasks = load_tasks(assignment)
    all_cases = _write_probe_inputs(tmp_path, tasks, seed=20240 + ASSIGNMENTS.index(assignment))
    exec_notebook(read_source(assignment), tmp_path, assignment)
    for grade_id, cases in all_cases.items():
        task = tasks[grade_id]
        out_dir = tmp_path / ".probe" / "out" / grade_id
        for i, case in enumerate(cases):
            err = out_dir / f"{i}.err"
            assert not err.exists(), f"{grade_id} case {i}: {err.read_text('utf-8')}"
            with np.load(out_dir / f"{i}.npz", allow_pickle=False) as data:
                student = {k: data[k] for k in data.files}
            inputs = {k: to_python_scalar(v) for k, v in call_inputs(case).items()}
            reference = flatten_result(task.reference(**inputs))
            ok, reason = outputs_match(task, student, reference, case)
            assert ok, f"{grade_id} case {i}: {reason}"


# ---------------------------------------------------------------------------------------------
# Careless solutions: (assignment, task) -> source of a plausible but wrong answer cell.

CARELESS = {
    ("a01-numpy", "standardize_columns"): """
        def standardize_columns(X):
            return (X - X.mean(axis=0)) / X.std(axis=0)
    """,
    ("a01-numpy", "pairwise_sq_distances"): """
        def pairwise_sq_distances(A, B):
            return (A**2).sum(1)[:, None] - 2 * A @ B.T + (B**2).sum(1)[None, :]
    """,
    ("a01-numpy", "softmax_rows"): """
        def softmax_rows(Z):
            e = np.exp(Z - Z.max())
            return e / e.sum(axis=1, keepdims=True)
    """,
    ("a01-numpy", "one_hot"): """
        def one_hot(y, num_classes):
            return np.eye(num_classes)[y]
    """,
    ("a01-numpy", "moving_average"): """
        def moving_average(x, k):
            return np.array([np.mean(x[i:i + k]) for i in range(len(x) - k + 1)])
    """,
    ("a02-linear-regression", "mse_loss_and_grad"): """
        def mse_loss_and_grad(X, y, w):
            r = X @ w - y
            return r @ r / 2, X.T @ r
    """,
    ("a02-linear-regression", "gradient_descent"): """
        def gradient_descent(X, y, w0, lr, n_epochs, tol):
            w, history = w0, []
            for _ in range(n_epochs):
                r = X @ w - y
                history.append(r @ r / (2 * len(y)))
                grad = X.T @ r / len(y)
                if np.linalg.norm(grad) < tol:
                    break
                w -= lr * grad
            return w, np.array(history)
    """,
    ("a02-linear-regression", "normal_equation"): """
        def normal_equation(X, y):
            return np.linalg.inv(X.T @ X) @ X.T @ y
    """,
    ("a02-linear-regression", "r2_score"): """
        def r2_score(y, y_pred):
            return max(0.0, 1 - np.sum((y - y_pred) ** 2) / np.sum((y - y.mean()) ** 2))
    """,
    ("a02-linear-regression", "standardize_train_test"): """
        def standardize_train_test(X_train, X_test):
            def z(A):
                return (A - A.mean(axis=0)) / A.std(axis=0)
            return z(X_train), z(X_test)
    """,
    ("a03-logistic-metrics", "sigmoid"): """
        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
    """,
    ("a03-logistic-metrics", "bce_loss_and_grad"): """
        def bce_loss_and_grad(X, y, w):
            p = 1 / (1 + np.exp(-X @ w))
            loss = np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))
            return loss, X.T @ (p - y) / len(y)
    """,
    ("a03-logistic-metrics", "precision_recall_f1"): """
        def precision_recall_f1(y_true, y_pred):
            tp = np.sum((y_true == 1) & (y_pred == 1))
            p = tp / np.sum(y_pred == 1)
            r = tp / np.sum(y_true == 1)
            return p, r, 2 * p * r / (p + r)
    """,
    ("a03-logistic-metrics", "roc_auc"): """
        def roc_auc(y_true, scores):
            pos, neg = scores[y_true == 1], scores[y_true == 0]
            return float((pos[:, None] > neg[None, :]).mean())
    """,
    ("a03-logistic-metrics", "softmax_cross_entropy"): """
        def softmax_cross_entropy(Z, y):
            P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
            n = len(y)
            dZ = P.copy()
            dZ[np.arange(n), y] -= 1
            return -np.mean(np.log(P[np.arange(n), y])), dZ / n
    """,
    ("a04-mlp-backprop", "dense_backward"): """
        def dense_backward(dout, X, W):
            return dout @ W.T, X.T @ dout, dout.mean(axis=0)
    """,
    ("a04-mlp-backprop", "mlp_forward"): """
        def mlp_forward(X, W1, b1, W2, b2):
            E = np.exp(np.maximum(0, X @ W1 + b1) @ W2 + b2)
            return E / E.sum(axis=1, keepdims=True)
    """,
    ("a04-mlp-backprop", "mlp_loss_and_grads"): """
        def mlp_loss_and_grads(X, y, W1, b1, W2, b2):
            n = len(y)
            Z1 = X @ W1 + b1
            H = np.maximum(0, Z1)
            Z2 = H @ W2 + b2
            Z2 = Z2 - Z2.max(axis=1, keepdims=True)
            P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(P[np.arange(n), y]))
            d2 = P.copy()
            d2[np.arange(n), y] -= 1          # forgot to divide by N
            d1 = (d2 @ W2.T) * (Z1 > 0)
            return loss, {"W1": X.T @ d1, "b1": d1.sum(0), "W2": H.T @ d2, "b2": d2.sum(0)}
    """,
    ("a04-mlp-backprop", "numerical_gradient"): """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros_like(x)
            fx = f(x)
            for i in np.ndindex(x.shape):
                old = x[i]
                x[i] = old + h
                grad[i] = (f(x) - fx) / h
                x[i] = old
            return grad
    """,
    ("a04-mlp-backprop", "sigmoid_net_step"): """
        def sigmoid_net_step(X, y, W1, b1, W2, b2, lr):
            y = y.reshape(-1, 1)
            A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
            yh = 1 / (1 + np.exp(-(A1 @ W2 + b2)))
            d2 = (yh - y) / len(y)
            d1 = (d2 @ W2.T) * A1 * (1 - A1)
            W1 -= lr * X.T @ d1
            b1 -= lr * d1.sum(0)
            W2 -= lr * A1.T @ d2
            b2 -= lr * d2.sum(0)
            return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    """,
    ("a05-conv-pool", "conv_output_size"): """
        def conv_output_size(n, k, p, s):
            return (n - k + 2 * p) / s + 1
    """,
    ("a05-conv-pool", "conv2d_forward"): """
        def conv2d_forward(x, w, b, stride, pad):
            w = w[:, :, ::-1, ::-1]          # true convolution: flips the filter
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            F, C, KH, KW = w.shape
            OH = (xp.shape[2] - KH) // stride + 1
            OW = (xp.shape[3] - KW) // stride + 1
            out = np.zeros((x.shape[0], F, OH, OW))
            for i in range(OH):
                for j in range(OW):
                    patch = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
                    out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, w)
            return out + b[None, :, None, None]
    """,
    ("a05-conv-pool", "conv2d_backward"): """
        def conv2d_backward(dout, x, w, stride, pad):
            N, C, H, W = x.shape
            F, _, KH, KW = w.shape
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            dxp, dw = np.zeros_like(xp), np.zeros_like(w)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    r = slice(i * stride, i * stride + KH)
                    c = slice(j * stride, j * stride + KW)
                    g = dout[:, :, i, j]
                    dw += np.einsum("nf,nchw->fchw", g, xp[:, :, r, c])
                    dxp[:, :, r, c] = np.einsum("nf,fchw->nchw", g, w)   # overwrites overlaps
            return dxp[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
    """,
    ("a05-conv-pool", "maxpool_backward"): """
        def maxpool_backward(dout, x, pool, stride):
            dx = np.zeros_like(x)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    r = slice(i * stride, i * stride + pool)
                    c = slice(j * stride, j * stride + pool)
                    win = x[:, :, r, c]
                    mask = win == win.max(axis=(2, 3), keepdims=True)     # every tie
                    dx[:, :, r, c] += mask * dout[:, :, i, j][:, :, None, None]
            return dx
    """,
    ("a06-optim-dropout-bn", "momentum_step"): """
        def momentum_step(w, grad, v, lr, beta):
            v *= beta
            v += grad
            w -= lr * v
            return w, v
    """,
    ("a06-optim-dropout-bn", "adam_step"): """
        def adam_step(w, grad, m, v, t, lr, beta1, beta2, eps):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad**2
            return w - lr * m / (np.sqrt(v) + eps), m, v      # no bias correction
    """,
    ("a06-optim-dropout-bn", "dropout_forward"): """
        def dropout_forward(x, p, u, train):
            return x * (u >= p) if train else x               # forgot to rescale
    """,
    ("a06-optim-dropout-bn", "batchnorm_forward"): """
        def batchnorm_forward(x, gamma, beta, eps):
            return gamma * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + beta
    """,
    ("a06-optim-dropout-bn", "batchnorm_backward"): """
        def batchnorm_backward(dout, x, gamma, eps):
            inv = 1 / np.sqrt(x.var(0) + eps)
            x_hat = (x - x.mean(0)) * inv
            return dout * gamma * inv, (dout * x_hat).sum(0), dout.sum(0)
    """,
    ("a07-cnn-pytorch", "build_cnn"): """
        def build_cnn():
            return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(16 * 28 * 28, 10))    # 125,610 parameters
    """,
    ("a07-cnn-pytorch", "train_step"): """
        def train_step(model, optimizer, X, y):
            model.train()
            loss = nn.functional.cross_entropy(model(X), y)   # forgot optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()
    """,
    ("a07-cnn-pytorch", "predict"): """
        def predict(model, X, batch_size=256):
            with torch.no_grad():                             # forgot model.eval()
                return torch.cat([model(X[i:i + batch_size]).argmax(1)
                                  for i in range(0, len(X), batch_size)]).numpy()
    """,
    ("a07-cnn-pytorch", "train_mnist_cnn"): """
        def train_mnist_cnn(X, y, seed=0):
            torch.manual_seed(seed)
            return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))   # never trained
    """,
    ("a08-iou-nms", "box_iou"): """
        def box_iou(boxes_a, boxes_b):
            a, b = boxes_a[:, None, :], boxes_b[None, :, :]
            w = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
            h = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
            inter = w * h                                   # not clipped at 0
            area = lambda z: (z[..., 2] - z[..., 0]) * (z[..., 3] - z[..., 1])
            return inter / (area(a) + area(b) - inter)
    """,
    ("a08-iou-nms", "nms"): """
        def nms(boxes, scores, iou_threshold):
            order = np.argsort(-scores, kind="stable")
            keep = []
            for pos, i in enumerate(order):                 # compares with every better box,
                better = order[:pos]                        # even the suppressed ones
                w = np.clip(np.minimum(boxes[i, 2], boxes[better, 2]) - np.maximum(boxes[i, 0], boxes[better, 0]), 0, None)
                h = np.clip(np.minimum(boxes[i, 3], boxes[better, 3]) - np.maximum(boxes[i, 1], boxes[better, 1]), 0, None)
                area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
                iou = w * h / (area[i] + area[better] - w * h)
                if np.all(iou <= iou_threshold):
                    keep.append(i)
            return np.array(keep, dtype=np.int64)
    """,
    ("a08-iou-nms", "generate_anchors"): """
        def generate_anchors(n_rows, n_cols, stride, sizes, ratios):
            s, r = np.meshgrid(np.asarray(sizes, float), np.asarray(ratios, float), indexing="ij")
            w, h = (s * np.sqrt(r)).ravel(), (s / np.sqrt(r)).ravel()    # ratio taken as w / h
            base = np.stack([-w / 2, -h / 2, w / 2, h / 2], axis=1)
            cy, cx = np.meshgrid((np.arange(n_rows) + 0.5) * stride,
                                 (np.arange(n_cols) + 0.5) * stride, indexing="ij")
            c = np.stack([cx, cy, cx, cy], axis=-1).reshape(-1, 1, 4)
            return (c + base[None]).reshape(-1, 4)
    """,
    ("a08-iou-nms", "roi_max_pool"): """
        def roi_max_pool(feature, roi, output_size):
            x0, y0, x1, y1 = (int(v) for v in roi)
            region = feature[:, y0:y1, x0:x1]
            rows = np.array_split(np.arange(region.shape[1]), output_size[0])   # 4, 3, 3
            cols = np.array_split(np.arange(region.shape[2]), output_size[1])
            return np.array([[[region[c][np.ix_(r, k)].max() for k in cols] for r in rows]
                             for c in range(region.shape[0])])
    """,
    ("a09-rnn-bptt", "rnn_step"): """
        def rnn_step(x_t, s_prev, U, W, b):
            return np.tanh(x_t @ U.T + s_prev @ W + b)      # W not transposed
    """,
    ("a09-rnn-bptt", "rnn_forward"): """
        def rnn_forward(X, s0, U, W, b):
            return np.stack([np.tanh(X[:, t] @ U.T + s0 @ W.T + b)      # never updates s
                             for t in range(X.shape[1])], axis=1)
    """,
    ("a09-rnn-bptt", "rnn_backward"): """
        def rnn_backward(dS, X, S, s0, U, W):
            dX = np.zeros_like(X)
            dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
            ds0 = np.zeros_like(s0)
            for t in range(X.shape[1]):                      # one step only: no ds_next
                s_prev = S[:, t - 1] if t > 0 else s0
                dz = dS[:, t] * (1 - S[:, t] ** 2)
                dU += dz.T @ X[:, t]
                dW += dz.T @ s_prev
                db += dz.sum(0)
                dX[:, t] = dz @ U
                if t == 0:
                    ds0 = dz @ W
            return dX, ds0, dU, dW, db
    """,
    ("a09-rnn-bptt", "jacobian_norms"): """
        def jacobian_norms(states, W):
            P, out = np.eye(W.shape[0]), []
            for s in states[::-1]:
                P = ((1 - s**2)[:, None] * W) @ P            # multiplies on the wrong side
                out.append(np.linalg.norm(P, 2))
            return np.array(out)
    """,
    ("a09-rnn-bptt", "clip_gradients"): """
        def clip_gradients(grads, max_norm):
            out = {}
            for k, g in grads.items():                       # clips each array on its own
                n = np.linalg.norm(g)
                out[k] = g * (max_norm / n) if n > max_norm else g.copy()
            return out
    """,
    ("a10-attention", "scaled_dot_product_attention"): """
        def scaled_dot_product_attention(Q, K, V, mask=None):
            s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
            e = np.exp(s - s.max(-1, keepdims=True))
            w = e / e.sum(-1, keepdims=True)
            if mask is not None:
                w = w * mask                                 # zeroed after the softmax:
            return w @ V, w                                  # rows no longer sum to 1
    """,
    ("a10-attention", "causal_mask"): """
        def causal_mask(T):
            return np.triu(np.ones((T, T), dtype=bool))      # looks at the future
    """,
    ("a10-attention", "additive_scores"): """
        def additive_scores(q, K, W1, W2, v):
            return ((q @ W1.T)[:, None, :] + K @ W2.T) @ v   # forgot the tanh
    """,
    ("a10-attention", "multi_head_self_attention"): """
        def multi_head_self_attention(X, Wq, Wk, Wv, Wo, num_heads):
            B, T, D = X.shape
            dh = D // num_heads
            split = lambda M: M.reshape(B, num_heads, T, dh)  # wrong split of the heads
            Q, K, V = split(X @ Wq), split(X @ Wk), split(X @ Wv)
            s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(dh)
            A = np.exp(s - s.max(-1, keepdims=True))
            A = A / A.sum(-1, keepdims=True)
            return (A @ V).reshape(B, T, D) @ Wo
    """,
    ("a11-gan-step", "discriminator_loss"): """
        def discriminator_loss(real_logits, fake_logits):
            sig = lambda x: 1 / (1 + np.exp(-x))
            return -np.mean(np.log(sig(real_logits))) - np.mean(np.log(1 - sig(fake_logits)))
    """,
    ("a11-gan-step", "generator_loss"): """
        def generator_loss(fake_logits):
            return np.mean(np.log1p(np.exp(-fake_logits)))   # overflows for f << 0
    """,
    ("a11-gan-step", "generator_grads"): """
        def generator_grads(fake_logits):
            sig = 1 / (1 + np.exp(-fake_logits))
            return -sig, -(1 - sig)                          # forgot the 1/n of the mean
    """,
    ("a11-gan-step", "gan_train_step"): """
        def gan_train_step(G, D, opt_G, opt_D, real, z):
            bce = nn.functional.binary_cross_entropy_with_logits
            fake = G(z).detach()                             # no opt_D.zero_grad(): D keeps
            rl, fl = D(real), D(fake)                        # the gradients of the G step
            d = bce(rl, torch.ones_like(rl)) + bce(fl, torch.zeros_like(fl))
            d.backward()
            opt_D.step()
            opt_G.zero_grad()
            gl = D(G(z))
            g = bce(gl, torch.ones_like(gl))
            g.backward()
            opt_G.step()
            return d.item(), g.item()
    """,
    ("a12-transformer-numpy", "causal_self_attention"): """
        def causal_self_attention(x, Wq, Wk, Wv):
            q, k, v = x @ Wq, x @ Wk, x @ Wv
            T = x.shape[-2]
            e = np.exp(q @ np.swapaxes(k, -1, -2) / np.sqrt(Wq.shape[1]))   # no max subtracted:
            e = e * np.tril(np.ones((T, T)))                                # overflows to inf/inf
            return e / e.sum(-1, keepdims=True) @ v
    """,
    ("a12-transformer-numpy", "layer_norm_backward"): """
        def layer_norm_backward(dout, x, gamma, eps):
            D = x.shape[-1]
            c = x - x.mean(-1, keepdims=True)
            inv = 1 / np.sqrt((c ** 2).mean(-1, keepdims=True) + eps)
            xh, dxh = c * inv, dout * gamma
            dx = inv / D * (D * dxh - dxh.sum(-1, keepdims=True) - xh * (dxh * xh).sum(-1, keepdims=True))
            return dx, (dout * xh).sum(-1), dout.sum(-1)      # summed over the features, not the rows
    """,
    ("a12-transformer-numpy", "bpe_merge_step"): """
        def bpe_merge_step(word_freqs):
            counts = {}
            for w, f in word_freqs.items():
                for p in zip(w[:-1], w[1:]):
                    counts[p] = counts.get(p, 0) + f
            best = max(counts, key=counts.get)                # tie rule ignored: dict order decides
            merged = {}
            for w, f in word_freqs.items():
                out, i = [], 0
                while i < len(w):
                    if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                        out.append(w[i] + w[i + 1])
                        i += 2
                    else:
                        out.append(w[i])
                        i += 1
                merged[tuple(out)] = f
            return best, merged
    """,
    ("a13-diffusion", "linear_noise_schedule"): """
        def linear_noise_schedule(T, beta_start=1e-4, beta_end=0.02):
            betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
            alphas = 1 - betas
            alpha_bars = torch.cumprod(torch.cat([torch.ones(1, dtype=torch.float64), alphas[:-1]]), 0)
            return betas, alphas, alpha_bars                  # off by one: ᾱ_t without α_t
    """,
    ("a13-diffusion", "q_sample"): """
        def q_sample(x0, t, noise, alpha_bars):
            ab = alpha_bars[t]                                # (N,) broadcast over the last axis
            return ab.sqrt() * x0 + (1 - ab).sqrt() * noise
    """,
    ("a13-diffusion", "ddpm_loss"): """
        def ddpm_loss(model, x0, t, noise, alpha_bars):
            return nn.functional.mse_loss(model(x0, t), noise)   # the model never sees x_t
    """,
    ("a13-diffusion", "p_sample_step"): """
        def p_sample_step(model, x_t, t, betas, alphas, alpha_bars, noise):
            with torch.no_grad():
                eps = model(x_t, torch.full((len(x_t),), t, dtype=torch.long))
                mean = (x_t - betas[t] / torch.sqrt(1 - alpha_bars[t]) * eps) / torch.sqrt(alphas[t])
                return mean + torch.sqrt(betas[t]) * noise    # noise added at t = 0 too
    """,
}

# Careless answers whose outputs differ from the reference, so the verifier must reject them too
# (the others are wrong in ways only the kernel-side checks see: loops, errors on bad input).
VERIFIER_CATCHES = {
    ("a01-numpy", "standardize_columns"),
    ("a01-numpy", "softmax_rows"),
    ("a02-linear-regression", "mse_loss_and_grad"),
    ("a02-linear-regression", "r2_score"),
    ("a02-linear-regression", "standardize_train_test"),
    ("a03-logistic-metrics", "bce_loss_and_grad"),
    ("a03-logistic-metrics", "precision_recall_f1"),
    ("a03-logistic-metrics", "roc_auc"),
    ("a03-logistic-metrics", "softmax_cross_entropy"),
    ("a04-mlp-backprop", "dense_backward"),
    ("a04-mlp-backprop", "mlp_forward"),
    ("a04-mlp-backprop", "numerical_gradient"),
    ("a05-conv-pool", "conv_output_size"),
    ("a05-conv-pool", "conv2d_forward"),
    ("a05-conv-pool", "conv2d_backward"),
    ("a05-conv-pool", "maxpool_backward"),
    ("a06-optim-dropout-bn", "adam_step"),
    ("a06-optim-dropout-bn", "dropout_forward"),
    ("a06-optim-dropout-bn", "batchnorm_forward"),
    ("a06-optim-dropout-bn", "batchnorm_backward"),
    ("a07-cnn-pytorch", "build_cnn"),
    ("a07-cnn-pytorch", "train_step"),
    ("a07-cnn-pytorch", "predict"),
    ("a08-iou-nms", "box_iou"),
    ("a08-iou-nms", "nms"),
    ("a08-iou-nms", "generate_anchors"),
    ("a08-iou-nms", "roi_max_pool"),
    ("a09-rnn-bptt", "rnn_step"),
    ("a09-rnn-bptt", "rnn_forward"),
    ("a09-rnn-bptt", "rnn_backward"),
    ("a09-rnn-bptt", "jacobian_norms"),
    ("a09-rnn-bptt", "clip_gradients"),
    ("a10-attention", "scaled_dot_product_attention"),
    ("a10-attention", "causal_mask"),
    ("a10-attention", "additive_scores"),
    ("a10-attention", "multi_head_self_attention"),
    ("a11-gan-step", "discriminator_loss"),
    ("a11-gan-step", "generator_loss"),
    ("a11-gan-step", "generator_grads"),
    ("a11-gan-step", "gan_train_step"),
    ("a12-transformer-numpy", "causal_self_attention"),
    ("a12-transformer-numpy", "layer_norm_backward"),
    ("a12-transformer-numpy", "bpe_merge_step"),
    ("a13-diffusion", "linear_noise_schedule"),
    ("a13-diffusion", "q_sample"),
    ("a13-diffusion", "ddpm_loss"),
    ("a13-diffusion", "p_sample_step"),
}


def _cells_for_task(nb: nbformat.NotebookNode, grade_id: str, answer: str):
    """Setup cells, the task's answer cell (replaced by ``answer``) and its test cell."""
    cells = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta:
            continue
        if meta.get("grade_id") == f"{grade_id}_code":
            cells.append(nbformat.v4.new_code_cell(textwrap.dedent(answer)))
        elif meta.get("grade_id") == grade_id:
            cells.append(cell)
        elif meta.get("locked") and not meta.get("grade"):
            cells.append(cell)
    return cells


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("assignment,grade_id", sorted(CARELESS))
def test_hidden_tests_catch_a_careless_solution(assignment, grade_id, tmp_path):
    nb = read_source(assignment)
    cells = _cells_for_task(nb, grade_id, CARELESS[assignment, grade_id])
    *before, test_cell = cells
    answer_index = len(before) - 1
    namespace = exec_notebook(nbformat.v4.new_notebook(cells=before), tmp_path, assignment)
    with pytest.raises(Exception) as info:  # noqa: B017
        exec(compile(test_cell.source, f"<{grade_id}-test>", "exec"), namespace)  # noqa: S102
    # either a check failed with Vietnamese feedback, or the careless code itself crashed on an
    # edge case; not a bug of the test cell
    frames = [tb.tb_frame.f_code.co_filename for tb in _walk_tb(info.tb)]
    assert ("Sai ở" in str(info.value) and info.type is AssertionError) or (
        f"<{assignment}-cell-{answer_index}>" in frames), info.getrepr()


def _walk_tb(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def probe_callable(test_source: str, namespace: dict, grade_id: str):
    """The function the test cell hands to ``probe.check``, without running the cell's checks.

    Executes only the test cell's function definitions (the probe wrappers), then evaluates the
    second argument of ``probe.check("<grade_id>", ...)``.
    """
    tree = ast.parse(test_source)
    defs = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.Import,
                                                           ast.ImportFrom))]
    exec(compile(ast.Module(body=defs, type_ignores=[]), f"<{grade_id}-defs>", "exec"),  # noqa: S102
         namespace)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "check" and node.args
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == grade_id):
            return eval(compile(ast.Expression(node.args[1]), "<probe-fn>", "eval"),  # noqa: S307
                        namespace)
    raise AssertionError(f"no probe.check({grade_id!r}, ...) in the test cell")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("assignment,grade_id", sorted(VERIFIER_CATCHES))
def test_verifier_rejects_a_careless_solution(assignment, grade_id, tmp_path):
    nb = read_source(assignment)
    *cells, test_cell = _cells_for_task(nb, grade_id, CARELESS[assignment, grade_id])
    namespace = exec_notebook(nbformat.v4.new_notebook(cells=cells), tmp_path, assignment)
    fn = probe_callable(test_cell.source, namespace, grade_id)
    with np.errstate(all="ignore"):
        results = run_task(load_tasks(assignment)[grade_id], fn, np.random.default_rng(3))
    assert not all(ok for ok, _ in results), json.dumps(results, ensure_ascii=False)
    assert any(reason and "TypeError" not in reason for ok, reason in results if not ok), results


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_probe_wrappers_of_the_solution_pass_the_verifier_in_process(assignment, tmp_path):
    """Same check as through the probe files, but calling each probe function directly."""
    nb = read_source(assignment)
    tasks = load_tasks(assignment)
    for info in tasks_of(nb):
        if info.grade_id == "train_mnist_cnn":
            continue  # trains a network; covered by the probe-file test above
        answer = next(c.source for c in nb.cells
                      if nbgrader_meta(c).get("grade_id") == info.solution_id)
        *cells, test_cell = _cells_for_task(nb, info.grade_id, answer)
        namespace = exec_notebook(nbformat.v4.new_notebook(cells=cells), tmp_path, assignment)
        fn = probe_callable(test_cell.source, namespace, info.grade_id)
        results = run_task(tasks[info.grade_id], fn, np.random.default_rng(11))
        assert all(ok for ok, _ in results), (info.grade_id, results)


@pytest.mark.slow
def test_a07_held_out_task_defeats_a_lookup_table_of_every_known_image():
    """A 'trained model' that is a nearest-neighbour table of every MNIST-subset image the book
    ships, with their original labels, gets nothing: the grader renames the classes at random
    and measures on shifted, noised images. A 1-NN that does learn from the (X, y) it is given
    is measured on the same cases, so the check is not failing for another reason."""
    import torch

    from dlbook.data import load_mnist_subset

    task = load_tasks("a07-cnn-pytorch")["train_mnist_cnn"]
    parts = [load_mnist_subset(split=s) for s in ("train", "test")]
    bank = torch.as_tensor(np.concatenate([x for x, _ in parts]), dtype=torch.float32).flatten(1)
    labels = np.concatenate([y for _, y in parts]).astype(np.int64)

    def nearest(reference, X_test):
        query = torch.as_tensor(X_test, dtype=torch.float32).flatten(1)
        return torch.cdist(query, reference).argmin(1).numpy()

    def lookup(X, y, X_test, seed):
        return labels[nearest(bank, X_test)]

    def one_nn(X, y, X_test, seed):
        return np.asarray(y, dtype=np.int64)[nearest(torch.as_tensor(X).flatten(1), X_test)]

    looked_up = run_task(task, lookup, np.random.default_rng(5))
    assert looked_up and not any(ok for ok, _ in looked_up), looked_up
    # the same cases, answered from the data given: the renamed labels are learnable
    cases = task.make_cases(np.random.default_rng(5))
    pred = one_nn(cases[0]["X"], cases[0]["y"], cases[0]["X_test"], 0)
    learned = float(np.mean(pred == cases[0]["_y"]))
    looked = float(np.mean(lookup(None, None, cases[0]["X_test"], 0) == cases[0]["_y"]))
    assert learned > 0.8 and looked < 0.3, (learned, looked)
