"""The simulated GPU's ``.to()`` / ``.cuda()`` / ``.cpu()`` against real torch, over the whole signature.

The oracle is torch's own parser, ``torch._C._nn._parse_to`` (what ``Tensor.to`` uses), which reads a call's
device, dtype and memory format without moving anything (so without a GPU), plus the documented copy rule: the
tensor itself comes back only when device, dtype and layout already match and no copy is asked. Every form is
tried from the host and from the simulated GPU; forms torch refuses must be refused too.
"""

import itertools

import pytest
import torch

from lab.simulated_gpu import is_on_gpu, on_gpu, on_host, plain, simulate

GPU_NAMES = ["cuda", "cuda:0", torch.device("cuda"), torch.device("cuda", 0), 0]
HOST_NAMES = ["cpu", torch.device("cpu")]
DTYPES = [None, torch.float32, torch.float64, torch.int32]
FORMATS = [None, torch.preserve_format, torch.contiguous_format, torch.channels_last]
FLAGS = [(False, False), (True, False), (False, True), (True, True)]  # (non_blocking, copy)


def _forms():
    """(label, positional args, keyword args, copy asked) for every way of writing a call of ``to``."""
    for device, dtype, (blocking, copy), fmt in itertools.product(GPU_NAMES + HOST_NAMES + [None], DTYPES, FLAGS,
                                                                  FORMATS):
        extra = {} if fmt is None else {"memory_format": fmt}
        if device is not None:
            yield "positional", (device, dtype, blocking, copy), extra, copy
            yield "keywords", (), dict(extra, device=device, dtype=dtype, non_blocking=blocking, copy=copy), copy
            yield "device first", (device,), dict(extra, dtype=dtype, copy=copy), copy
        if dtype is not None:
            yield "dtype first", (dtype, blocking, copy), extra, copy
            yield "dtype keyword", (), dict(extra, dtype=dtype, copy=copy), copy


def _parse(args, kwargs):
    """torch's own reading of a ``to`` call: (device, dtype, memory_format), ``copy`` left out as it expects."""
    args, kwargs = list(args), dict(kwargs)
    kwargs.pop("copy", None)
    if len(args) == 4 or (len(args) == 3 and isinstance(args[0], torch.dtype)):
        args.pop()  # the positional copy flag
    device, dtype, _, memory_format = torch._C._nn._parse_to(*args, **kwargs)
    return device, dtype, memory_format


def _sources():
    x = torch.randn(2, 3, 4, 5)
    return [("host", on_host(x)), ("gpu", on_gpu(x)), ("plain", x.clone())]


@pytest.mark.parametrize("where, source", _sources(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_to_form_torch_accepts(where, source):
    checked = 0
    parsed = [(form, _parse(form[1], form[2])) for form in _forms()]  # outside simulate(), which rewrites devices
    with simulate():
        for (label, args, kwargs, copy), (device, dtype, memory_format) in parsed:
            got = source.to(*args, **kwargs)
            on_gpu_before = is_on_gpu(source)
            wants_gpu = on_gpu_before if device is None else device.type == "cuda"
            assert is_on_gpu(got) == wants_gpu, (label, args, kwargs)
            assert got.dtype == (dtype or source.dtype), (label, args, kwargs)
            layout_ok = memory_format in (None, torch.preserve_format) or plain(source).is_contiguous(
                memory_format=memory_format)
            same = wants_gpu == on_gpu_before and got.dtype == source.dtype and layout_ok and not copy
            assert (got is source) == same, (label, args, kwargs, copy)
            if memory_format not in (None, torch.preserve_format):
                assert plain(got).is_contiguous(memory_format=memory_format), (label, args, kwargs)
            assert torch.equal(plain(got), plain(source).to(got.dtype)), (label, args, kwargs)
            checked += 1
    assert checked > 500


@pytest.mark.parametrize("where, source", _sources(), ids=lambda v: v if isinstance(v, str) else "")
def test_to_another_tensor_cuda_and_cpu(where, source):
    with simulate():
        for other in (on_gpu(torch.zeros(1, dtype=torch.float64)), on_host(torch.zeros(1, dtype=torch.int32)),
                      torch.zeros(1, dtype=torch.float16)):
            for args, kwargs in (((other,), {}), ((other, True, True), {}), ((), {"tensor": other}),
                                 ((other,), {"non_blocking": True, "copy": False})):
                got = source.to(*args, **kwargs)
                assert is_on_gpu(got) == is_on_gpu(other) and got.dtype == other.dtype
        for args, kwargs in (((), {}), ((0,), {}), (("cuda:0", True), {}), ((), {"device": "cuda", "non_blocking": True}),
                             ((), {"memory_format": torch.channels_last})):
            got = source.cuda(*args, **kwargs)
            assert is_on_gpu(got) and (got is source) == (is_on_gpu(source) and not kwargs.get("memory_format"))
        for kwargs in ({}, {"memory_format": torch.preserve_format}):
            got = source.cpu(**kwargs)
            assert not is_on_gpu(got) and (got is source) == (not is_on_gpu(source))


@pytest.mark.parametrize("args, kwargs", [
    (("cuda", "cpu"), {}), ((torch.float32, "cuda"), {}), (("cuda",), {"colour": 1}),
    ((), {"other": torch.zeros(1)}), (("cuda", torch.float32, False, False, True), {}),
])
def test_forms_torch_refuses_are_refused(args, kwargs):
    x = torch.zeros(2)
    with pytest.raises((TypeError, RuntimeError)):
        x.to(*args, **kwargs)  # real torch first: the form is really wrong
    with simulate(), pytest.raises((TypeError, RuntimeError)):
        on_host(x).to(*args, **kwargs)


def test_cuda_refuses_a_host_device():
    with simulate(), pytest.raises(RuntimeError, match="cuda device"):
        on_host(torch.zeros(2)).cuda("cpu")
