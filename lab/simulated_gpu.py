"""A stand-in GPU, so that checks catch device mistakes on a machine without one.

A check hands the student tensors that *say* they live on ``cuda:0`` (``on_gpu``) and batches that live on
the CPU (``on_host``). Underneath, everything is ordinary CPU memory; what is simulated is the rules a real GPU
enforces:

* ``x.to(device)``, ``x.to("cuda")``, ``x.cuda()`` move a host tensor to the GPU (a copy, as on a real GPU);
  ``x.cpu()`` / ``x.to("cpu")`` bring it back; moving to where a tensor already is returns it unchanged. Every
  argument form real torch accepts works (dtype, ``non_blocking``, ``copy``, ``memory_format``, another tensor):
  real torch parses the call, with the devices named as the CPU, and only the placement is simulated;
* an operation that mixes a GPU tensor and a host tensor raises torch's own device-mismatch error;
* ``.numpy()`` (or ``np.asarray``) of a GPU tensor raises torch's own error, as CUDA does;
* copies back to the host are counted (``copies_to_host()``), so a check can see data brought back to the CPU
  to be computed there, the transfer the course warns about.

Tensors the student creates without a device, and autograd's gradients, are plain tensors and mix freely (as
0-dimensional CPU tensors do with CUDA ones): only the data the check handed out is tracked. Where a real GPU is
present, checks also run with it (``real_gpu()``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._pytree import tree_flatten

DEVICE = torch.device("cuda", 0)
MISMATCH = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
NUMPY_ERROR = ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host "
               "memory first.")

_MOVES = {torch.Tensor.to, torch.Tensor.cuda, torch.Tensor.cpu}


class _Placed(torch.Tensor):
    """A tensor the check placed: on the simulated GPU (``_OnGpu``) or on the host (``_OnHost``)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _MOVES:  # x.to(other) names other's device: not a mix
            return _move(func, args, kwargs)
        placed = {type(a) for a in tree_flatten((args, kwargs))[0] if isinstance(a, _Placed)}
        if _OnGpu in placed and _OnHost in placed:
            raise RuntimeError(MISMATCH)
        if _OnGpu in placed and func in (torch.Tensor.numpy, torch.Tensor.__array__) \
                and not kwargs.get("force", False):
            raise TypeError(NUMPY_ERROR)
        with torch._C.DisableTorchFunctionSubclass():
            result = func(*args, **kwargs)
        kind = _OnGpu if _OnGpu in placed else _OnHost
        device = kwargs.get("device")
        if device is not None and not isinstance(device, torch.Tensor):  # zeros_like(x, device="cpu") and the like
            kind = _OnGpu if torch.device(device).type == "cuda" else _OnHost
        return torch._tensor._convert(result, kind)


class _OnGpu(_Placed):
    @property
    def device(self) -> torch.device:  # what student code sees; the memory is the CPU's
        return DEVICE

    @property
    def is_cuda(self) -> bool:
        return True


class _OnHost(_Placed):
    pass


#: How many times data on the simulated GPU was copied back to the host (``x.cpu()``, ``x.to("cpu")``).
_TRANSFERS = {"to_host": 0}


def copies_to_host() -> int:
    """A counter of GPU -> host copies of simulated tensors: a check reads it before and after a call."""
    return _TRANSFERS["to_host"]


def _placement(device: Any, here: type) -> type:
    """The placement a device argument names: the simulated GPU for cuda (and an index, as torch reads it)."""
    device = torch.device("cuda", device) if isinstance(device, int) else torch.device(device)
    if device.type == "cuda":
        return _OnGpu
    if device.type == "cpu":
        return _OnHost if here is _OnGpu else here
    raise RuntimeError(f"appareil inattendu dans cette vérification : {device}")


def _is_device(value: Any) -> bool:
    return isinstance(value, (str, torch.device)) or (isinstance(value, int) and not isinstance(value, bool))


def _to_arguments(func, rest: list, kwargs: dict, here: type) -> tuple[type, list, dict]:
    """Where the call moves the tensor, and the same call with every device named as the CPU, for real torch.

    Real torch then parses the whole signature itself (dtype, non_blocking, copy, memory_format, a tensor whose
    dtype to take; and refuses what it refuses) and does the conversion; only the device is ours.
    """
    if func is torch.Tensor.cpu:
        return (_OnHost if here is _OnGpu else here), ["cpu"], kwargs
    if func is torch.Tensor.cuda:
        device = rest.pop(0) if rest else kwargs.pop("device", None)
        if device is not None and _placement(device, here) is not _OnGpu:
            raise RuntimeError(f"Invalid device, must be cuda device, got {device}")
        if rest:
            kwargs["non_blocking"] = rest.pop(0)
        if rest:
            raise TypeError(f"cuda() takes at most 2 positional arguments ({len(rest) + 2} given)")
        return _OnGpu, ["cpu"], kwargs
    first = rest[0] if rest else None
    if isinstance(first, torch.Tensor) or isinstance(kwargs.get("tensor"), torch.Tensor):
        other = first if isinstance(first, torch.Tensor) else kwargs["tensor"]
        target = _OnGpu if isinstance(other, _OnGpu) else (_OnHost if here is _OnGpu else here)
        with torch._C.DisableTorchFunctionSubclass():
            stand_in = torch.empty(0, dtype=other.dtype)  # its dtype, on the CPU
        if first is other:
            rest[0] = stand_in
        else:
            kwargs["tensor"] = stand_in
        return target, rest, kwargs
    if _is_device(first):
        return _placement(first, here), ["cpu", *rest[1:]], kwargs
    if kwargs.get("device") is not None:
        return _placement(kwargs["device"], here), rest, dict(kwargs, device="cpu")
    return here, rest, kwargs


def _move(func, args, kwargs) -> torch.Tensor:
    """``x.to(...)``, ``x.cuda(...)``, ``x.cpu(...)``: every argument form real torch accepts, with its copy rules."""
    self = args[0]
    here = _OnGpu if isinstance(self, _OnGpu) else type(self)  # a plain tensor is on the host
    target, rest, kwargs = _to_arguments(func, list(args[1:]), dict(kwargs), here)
    with torch._C.DisableTorchFunctionSubclass():
        moved = torch.Tensor.to(self, *rest, **kwargs)
        if target is here:
            if moved is self:
                return self  # already there, same dtype and layout, no copy asked: torch returns the tensor itself
        else:
            if here is _OnGpu:
                _TRANSFERS["to_host"] += 1
            if moved is self:
                moved = self.clone()  # a real move copies
        return moved.as_subclass(target)


class simulate(torch.overrides.TorchFunctionMode):
    """While active, plain tensors moved to ``cuda`` and tensors created with ``device="cuda"`` land on the
    simulated GPU (only for machines without one: do not use it around real CUDA tensors)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _MOVES and isinstance(args[0], torch.Tensor):  # placed or not: x.to(device="cuda") is a move
            return _move(func, args, kwargs)
        device = kwargs.get("device")
        if device is not None and not isinstance(device, torch.Tensor) and torch.device(device).type == "cuda":
            grad = kwargs.pop("requires_grad", False)
            with torch._C.DisableTorchFunctionSubclass():
                made = func(*args, **dict(kwargs, device="cpu"))
                made = made.as_subclass(_OnGpu) if isinstance(made, torch.Tensor) else made
            return made.requires_grad_(grad) if grad else made
        return func(*args, **kwargs)


def on_gpu(x: torch.Tensor, *, requires_grad: bool = False) -> torch.Tensor:
    """``x`` as a tensor on the simulated GPU (a leaf that requires grad if asked)."""
    with torch._C.DisableTorchFunctionSubclass():
        t = x.detach().clone().as_subclass(_OnGpu)
    return t.requires_grad_(requires_grad)


def on_host(x: torch.Tensor) -> torch.Tensor:
    """``x`` as a tracked CPU tensor: using it with a GPU tensor without moving it is an error."""
    with torch._C.DisableTorchFunctionSubclass():
        return x.detach().clone().as_subclass(_OnHost)


def is_on_gpu(x: Any) -> bool:
    """True for a tensor on the simulated GPU (or a real CUDA tensor)."""
    return isinstance(x, _OnGpu) or (isinstance(x, torch.Tensor) and x.is_cuda)


def plain(x: torch.Tensor) -> torch.Tensor:
    """The ordinary tensor under a placed one (for comparisons)."""
    with torch._C.DisableTorchFunctionSubclass():
        return x.as_subclass(torch.Tensor)


def is_missing_cuda(exc: BaseException) -> bool:
    """The error torch raises when code asks for CUDA on a machine without it (a hard-coded "cuda")."""
    return any(s in str(exc) for s in ("not compiled with CUDA", "NVIDIA driver", "No CUDA GPUs", "CUDA driver"))


def real_gpu() -> torch.device | None:
    """The real CUDA device when there is one (checks then also run on it), else None."""
    return torch.device("cuda") if torch.cuda.is_available() else None
