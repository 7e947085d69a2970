"""Part 01 checks fail, with the specific hint, on the mistakes students make; reference values are right."""


import pytest
import torch

from lab.checks import CheckFailed
from lab.exercises import tensors as ex
from lab.solutions import tensors as ref


def test_reference_values_match_the_slides():
    assert ref.grid(4, 3).tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    x = torch.tensor([[2, 4, 6], [3, 6, 9]])
    assert ref.elementwise(x).tolist() == [[8, 24, 48], [15, 48, 99]]
    assert ref.matrix_product(x, torch.tensor([[1], [2], [3]])).tolist() == [[28], [42]]
    assert ref.sum_per_row(x).tolist() == [12, 18] and x.sum(0).tolist() == [5, 10, 15]
    assert ref.sum_even_columns(x).tolist() == [8, 12]
    assert ref.add_batch_dim(torch.rand(3, 226, 226)).shape == (1, 3, 226, 226)
    assert ref.values_with_n_bits(4) == 16
    assert ref.size_in_bytes(torch.zeros(10, 10)) == 400
    q, scale = ref.quantize_int8(torch.tensor([-1.0, 0.5, 2.54]))
    assert q.tolist() == [-50, 25, 127] and scale == pytest.approx(0.02)


def test_a_non_function_answer_is_explained():
    with pytest.raises(CheckFailed, match="doit être une fonction"):
        ex.check_every_other_column(torch.zeros(3, 3))
