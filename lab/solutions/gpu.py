"""Reference solutions, part 02 (gpu): choosing a device, moving tensors, and what a transfer costs."""

from __future__ import annotations

import time

import torch


def choose_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def move_to(x: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    return x.to(device)


def add_on_device(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a + b.to(a.device)


def estimated_transfer_time(x: torch.Tensor, gigabytes_per_s: float) -> float:
    return x.numel() * x.element_size() / (gigabytes_per_s * 1e9)


def time_on_device(fn, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)  # work queued before does not count
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)  # CUDA is asynchronous: wait until fn's work is done
    return time.perf_counter() - start
