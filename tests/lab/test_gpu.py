"""Part 02 checks fail, with the specific hint, on the mistakes students make; the live measurement is sane."""

import pytest
import torch

from lab.checks import CheckFailed
from lab.exercises import gpu as ex
from lab.solutions import gpu as ref


def _fails(check, answer, hint):
    with pytest.raises(CheckFailed, match=hint) as info:
        check(answer)
    assert type(info.value) is CheckFailed


def _move_without_assignment(x, device):
    x.to(device)
    return x


MISTAKES = [
    ("choose_device", lambda: torch.device("cuda"), "sans GPU, choose_device renvoie"),
    ("choose_device", lambda: "cpu", "avec un GPU, choose_device renvoie"),
    ("choose_device", lambda: 42, "attendu un torch.device"),
    ("move_to", _move_without_assignment, "RENVOIE"),
    ("move_to", lambda x, device: x.cpu(), "device demandé"),
    ("add_on_device", lambda a, b: a + b, "rejoindre"),
    ("add_on_device", lambda a, b: a.cpu() + b, "rester sur le device de a"),
    ("estimated_transfer_time", lambda x, d: x.numel() / (d * 1e9), "element_size"),
    ("estimated_transfer_time", lambda x, d: x.numel() * x.element_size() / (d * 2**30), "1e9 octets"),
    ("estimated_transfer_time", lambda x, d: x.numel() * x.element_size() * d / 1e9, "octets / débit"),
    ("estimated_transfer_time", lambda x, d: x.numel() * x.element_size() / d, "multipliez-le par 1e9"),
]


@pytest.mark.parametrize("name, answer, hint", MISTAKES,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(MISTAKES)])
def test_check_fails_with_specific_hint(name, answer, hint):
    _fails(getattr(ex, f"check_{name}"), answer, hint)



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
