"""Reference solutions, part 03 (autograd): gradients, accumulation, parameter updates, the computation graph."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def derivatives(f: Callable, a_val: float, b_val: float) -> tuple[float, float]:
    a = torch.tensor(a_val, requires_grad=True)
    b = torch.tensor(b_val, requires_grad=True)
    z = f(a, b)
    z.backward()
    return a.grad.item(), b.grad.item()


def f_sin(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.sin(2 * a + b)


def grad_sum_of_squares(A: torch.Tensor) -> torch.Tensor:
    A = A.clone().requires_grad_(True)
    L = (A**2).sum()
    L.backward()
    return A.grad


def zero_grads(params: list[torch.Tensor]) -> None:
    for p in params:
        if p.grad is not None:
            p.grad.zero_()


def descent(w: torch.Tensor, loss_fn: Callable[[torch.Tensor], torch.Tensor], lr: float, n_steps: int) -> None:
    for _ in range(n_steps):
        L = loss_fn(w)
        L.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def graph_node_names(z: torch.Tensor) -> list[str]:
    seen, to_visit, names = set(), [z.grad_fn], []
    while to_visit:
        node = to_visit.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        to_visit.extend(child for child, _ in node.next_functions)
    return names
