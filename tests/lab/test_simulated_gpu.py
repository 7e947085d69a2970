"""The stand-in GPU obeys a real GPU's rules, and the call trace sees Python-level loops (what checks rely on)."""

import numpy as np
import pytest
import torch

from lab.compare import trace
from lab.simulated_gpu import DEVICE, is_on_gpu, on_gpu, on_host, plain, simulate


def test_mixing_devices_fails_like_cuda():
    with pytest.raises(RuntimeError, match="same device"):
        on_gpu(torch.ones(3)) + on_host(torch.ones(3))
    assert torch.equal(plain(on_gpu(torch.ones(3)) + on_host(torch.ones(3)).to(DEVICE)), torch.full((3,), 2.0))


def test_moves_copy_and_staying_put_does_not():
    host = on_host(torch.arange(3.0))
    moved = host.to(DEVICE)
    assert is_on_gpu(moved) and moved.device == DEVICE and not is_on_gpu(moved.cpu())
    assert moved.to(DEVICE) is moved and host.to("cpu") is host
    assert is_on_gpu(host.to(moved)) and not is_on_gpu(moved.to(host))
    moved.add_(1)
    assert torch.equal(plain(host), torch.arange(3.0)), "a move is a copy"


def test_numpy_needs_the_values_on_the_cpu():
    t = on_gpu(torch.ones(2), requires_grad=True) * 2
    with pytest.raises(TypeError, match="cpu"):
        t.detach().numpy()
    with pytest.raises(TypeError, match="cpu"):
        np.asarray(t.detach())
    assert np.array_equal(t.detach().cpu().numpy(), [2.0, 2.0])
    assert t.grad_fn is not None


def test_simulation_places_plain_tensors_created_or_moved_to_cuda():
    with simulate():
        made = torch.zeros(2, device="cuda", requires_grad=True)
        moved = torch.ones(2).to("cuda")
    assert is_on_gpu(made) and made.is_leaf and made.requires_grad and is_on_gpu(moved)


def test_autograd_and_an_optimizer_work_on_the_stand_in():
    w = on_gpu(torch.zeros(1, 2), requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.5)
    loss = ((on_host(torch.ones(4, 2)).to(DEVICE) @ w.T - 1) ** 2).mean()
    loss.backward()
    optimizer.step()
    assert torch.allclose(plain(w).detach(), torch.ones(1, 2))


@pytest.mark.parametrize("answer, seen", [
    (lambda x: torch.tensor([sum(r) for r in x.tolist()]), "tolist"),
    (lambda x: torch.stack([r.sum() for r in x]), "for ... in"),
    (lambda x: torch.from_numpy(x.numpy().sum(1)), "NumPy"),
    (lambda x: torch.tensor([x[i].sum().item() for i in range(len(x))]), "item"),
])
def test_trace_sees_values_leave_torch(answer, seen):
    _, recorder = trace(answer, torch.randn(4, 3))
    assert seen in recorder.python_level()
    _, clean = trace(lambda x: x.sum(1), torch.randn(4, 3))
    assert clean.python_level() is None and not clean.used_autograd()
