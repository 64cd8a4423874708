"""Benchmark: ``dlbook.scratch`` im2col Conv2D forward + backward against
``torch.nn.functional.conv2d`` on the CPU (float32, same thread count), printed as a ratio.

Cases of the issue: (64, 1, 28, 28) → 32 channels 3×3 and (32, 3, 32, 32) → 64 channels 3×3
(goal: numpy within 5× of PyTorch). Also the naive loop version on a small batch, to show why
im2col exists. The figures are the minimum over repetitions (robust to other processes on a
shared machine) and the median. No asserts.

    .venv/bin/python bench/bench_conv.py [--threads 2] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import time

    import numpy as np
    import torch
    import torch.nn.functional as F

    from dlbook.scratch import Conv2D

    torch.set_num_threads(args.threads)

    def timing(fn, repeat):
        fn()  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times), float(np.median(times))

    def case(shape, out_channels, k=3, stride=1, padding=0, impl="im2col", repeat=args.repeat):
        n, c, h, w = shape
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape).astype(np.float32)
        layer = Conv2D(c, out_channels, k, stride=stride, padding=padding, impl=impl).astype(np.float32)
        out_shape = layer.forward(x).shape
        dout = rng.standard_normal(out_shape).astype(np.float32)

        def ours():
            layer.forward(x)
            layer.backward(dout)

        xt = torch.from_numpy(x).requires_grad_()
        wt = torch.from_numpy(layer.params["W"].copy()).requires_grad_()
        bt = torch.from_numpy(layer.params["b"].copy()).requires_grad_()
        dt = torch.from_numpy(dout)

        def ref():
            xt.grad = wt.grad = bt.grad = None
            F.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(dt)

        (o_min, o_med), (r_min, r_med) = timing(ours, repeat), timing(ref, repeat)
        geometry = f"{k}×{k}" + (f", stride {stride}, padding {padding}" if stride != 1 or padding else "")
        print(f"{impl:>6} {str(shape):>16} → {out_channels:>3} kênh {geometry}: numpy {o_min * 1e3:7.2f} ms "
              f"(trung vị {o_med * 1e3:7.2f}), torch {r_min * 1e3:6.2f} ms (trung vị "
              f"{r_med * 1e3:6.2f}); tỉ lệ numpy/torch = {o_min / r_min:5.2f}× (trung vị "
              f"{o_med / r_med:5.2f}×)", flush=True)
        return o_min / r_min

    print(f"Conv2D forward + backward, float32, {args.threads} luồng (numpy BLAS và torch)")
    ratios = [case((64, 1, 28, 28), 32), case((32, 3, 32, 32), 64)]
    case((32, 3, 32, 32), 64, stride=2, padding=1)
    naive = case((4, 1, 12, 12), 4, impl="naive", repeat=3)
    fast = case((4, 1, 12, 12), 4, impl="im2col", repeat=30)
    print(f"im2col nhanh hơn vòng lặp ≈ {naive / fast:.0f}× trên (4, 1, 12, 12) → 4 kênh")
    return ratios


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
