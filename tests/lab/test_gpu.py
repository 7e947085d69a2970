"""Part 02 checks fail, with the specific hint, on the mistakes students make; the live measurement is sane."""

import pytest
import torch

from lab.exercises import gpu as ex
from lab.solutions import gpu as ref


def test_reference_device_matches_this_machine():
    assert ref.choose_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert ref.move_to(torch.ones(2), "meta").device.type == "meta"
    assert ref.estimated_transfer_time(torch.zeros(250_000), 1.0) == pytest.approx(1e-3)


def test_live_copy_measurement_on_this_machine():
    device = ref.choose_device()
    result = ex.measure_copy(2_000_000, device, repeats=3)
    assert result["n_bytes"] == 2_000_000
    for key in ("to_device_s", "to_cpu_s"):
        assert 0 < result[key] < 5
    assert result["to_device_gb_s"] == pytest.approx(2e6 / result["to_device_s"] / 1e9)
    assert 0.01 < result["to_device_gb_s"] < 10_000  # a real copy rate, neither zero nor absurd
