"""Part 02 checks fail, with the specific hint, on the mistakes students make; the live measurement is sane."""

import pytest
import torch

from lab.exercises import gpu as ex
from lab.solutions import gpu as ref


def test_reference_device_is_usable_here():
    """What choose_device gives computes on this machine (a GPU answer without a GPU would raise)."""
    assert torch.ones(3, device=ref.choose_device()).sum().item() == 3
    assert ref.move_to(torch.ones(2), "meta").device.type == "meta"
    assert ref.estimated_transfer_time(torch.zeros(250_000), 1.0) == pytest.approx(1e-3)


def test_live_copy_measurement_on_this_machine():
    device = ref.choose_device()
    result = ex.measure_copy(2_000_000, device, repeats=3)
    assert result["n_bytes"] == 2_000_000
    for key in ("to_device_s", "to_cpu_s"):
        assert 0 < result[key] < 5
    assert 0.01 < result["to_device_gb_s"] < 10_000  # a real copy rate, neither zero nor absurd
