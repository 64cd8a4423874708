"""Choosing the device a PyTorch chapter runs on (GPU when there is one, else CPU)."""

from __future__ import annotations


def num_gpus() -> int:
    """Number of CUDA GPUs PyTorch can see (0 on a CPU-only machine)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def try_gpu(i: int = 0):
    """Return ``cuda:i`` if that GPU exists, otherwise the CPU device.

    Every PyTorch chapter calls this so that the same code uses Colab's GPU when present.
    """
    import torch

    if not isinstance(i, int) or isinstance(i, bool) or i < 0:
        raise ValueError(f"Chỉ số GPU phải là số nguyên không âm, nhưng nhận được {i!r}.")
    if num_gpus() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


def try_all_gpus():
    """Return every available GPU, or ``[cpu]`` when there is none."""
    import torch

    devices = [torch.device(f"cuda:{i}") for i in range(num_gpus())]
    return devices if devices else [torch.device("cpu")]
