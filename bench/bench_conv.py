"""Benchmark: ``dlbook.scratch`` im2col Conv2D forward + backward against
``torch.nn.functional.conv2d`` on the CPU (float32, same thread count), printed as a ratio.

Cases of the issue: (64, 1, 28, 28) → 32 channels 3×3 and (32, 3, 32, 32) → 64 channels 3×3
(goal: numpy within 5× of PyTorch). Also the naive loop version against im2col on a small batch, to
show why im2col exists. The two sides of each comparison are timed interleaved and the figure is
the median of the per-round ratios (bench/interleave.py: robust to other processes on a shared
machine), with the quartiles of the ratios. No asserts.

    .venv/bin/python bench/bench_conv.py [--threads 2] [--repeat 31]
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    from pathlib import Path

    import numpy as np
    import torch
    import torch.nn.functional as F

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from interleave import compare

    from dlbook.scratch import Conv2D

    torch.set_num_threads(args.threads)

    def conv_step(shape, out_channels, k=3, stride=1, padding=0, impl="im2col"):
        """forward + backward of our Conv2D, and the same with torch (same weights)."""
        n, c, h, w = shape
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape).astype(np.float32)
        layer = Conv2D(c, out_channels, k, stride=stride, padding=padding, impl=impl).astype(np.float32)
        dout = rng.standard_normal(layer.forward(x).shape).astype(np.float32)

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

        return ours, ref

    def case(shape, out_channels, k=3, stride=1, padding=0):
        ours, ref = conv_step(shape, out_channels, k, stride, padding)
        r = compare(ours, ref, rounds=args.repeat)
        geometry = f"{k}×{k}" + (f", stride {stride}, padding {padding}" if stride != 1 or padding else "")
        print(f"{str(shape):>16} → {out_channels:>3} kênh {geometry}: numpy {r.a_median * 1e3:7.2f} ms, "
              f"torch {r.b_median * 1e3:6.2f} ms (trung vị); tỉ lệ numpy/torch = "
              f"{r.ratio_median:5.2f}× (trung vị của {r.rounds} lượt xen kẽ, tứ phân vị "
              f"{r.ratio_low:.2f}–{r.ratio_high:.2f})", flush=True)
        return r.ratio_median

    print(f"Conv2D forward + backward, float32, {args.threads} luồng (numpy BLAS và torch)")
    ratios = [case((64, 1, 28, 28), 32), case((32, 3, 32, 32), 64)]
    case((32, 3, 32, 32), 64, stride=2, padding=1)
    naive, _ = conv_step((4, 1, 12, 12), 4, impl="naive")
    fast, _ = conv_step((4, 1, 12, 12), 4, impl="im2col")
    r = compare(naive, fast, rounds=7)
    # the ratio of the two *times* (naive loop / im2col), measured interleaved
    print(f"(4, 1, 12, 12) → 4 kênh: vòng lặp {r.a_median * 1e3:.1f} ms, im2col "
          f"{r.b_median * 1e3:.3f} ms: im2col nhanh hơn vòng lặp {r.ratio_median:.0f}× "
          f"(trung vị của {r.rounds} lượt xen kẽ, tứ phân vị {r.ratio_low:.0f}–{r.ratio_high:.0f}×)")
    return ratios

if __name__ == "__main__":
    sys.exit(0 if main() else 1)
