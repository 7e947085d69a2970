"""Reference solutions, part 02 (gpu): choosing a device, moving tensors, and what a transfer costs."""

from __future__ import annotations

import torch


def choose_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def move_to(x: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    return x.to(device)


def add_on_device(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a + b.to(a.device)


def estimated_transfer_time(x: torch.Tensor, bandwidth_gbps: float) -> float:
    return x.numel() * x.element_size() / (bandwidth_gbps * 1e9)
