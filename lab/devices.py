"""Choosing where to compute, and waiting for the GPU before reading a clock."""

from __future__ import annotations

import torch


def pick_device(choice: str = "auto") -> torch.device:
    """``auto``: CUDA when available, else CPU. Asking for ``cuda`` without a GPU is an error, not a silent CPU."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("Pas de GPU CUDA disponible ici : utilisez device='cpu' (ou 'auto').")
    if choice not in ("cpu", "cuda"):
        raise ValueError(f"Périphérique inconnu : {choice!r} (attendu 'auto', 'cpu' ou 'cuda').")
    return torch.device(choice)


def sync(device: torch.device | str) -> None:
    """Wait for queued GPU work so that wall-clock timings are honest."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)
