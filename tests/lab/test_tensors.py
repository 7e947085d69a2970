"""Part 01 checks fail, with the specific hint, on the mistakes students make; reference values are right."""

import sys

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


def _fails(check, answer, hint):
    with pytest.raises(CheckFailed, match=hint) as info:
        check(answer)
    assert type(info.value) is CheckFailed  # a real failure, not NotDone


def _loop_columns(x):
    return torch.stack([x[:, j] for j in range(0, x.shape[1], 2)], dim=1)


def _loop_positive(x):
    return torch.stack([v for v in x.flatten() if v > 0])


def _loop_row_sums(x):
    return torch.stack([row.sum() for row in x])


def _inplace_add(a, b):
    a += b
    return a


def _rebind_sin(a):
    a = torch.sin(a)
    return a


def _sin_copy(a):
    a.sin_()
    return a.clone()


def _quantize(divisor, rounding=torch.round, clamp=True):
    def answer(x):
        scale = x.abs().max().item() / divisor
        q = rounding(x / scale)
        if clamp:
            q = q.clamp(-127, 127)
        return q.to(torch.int8), scale
    return answer


MISTAKES = [
    ("grid", lambda n, m: torch.arange(n * m).reshape(m, n), "inversées"),
    ("grid", lambda n, m: torch.arange(1, n * m + 1).reshape(n, m), "commence à 0"),
    ("grid", lambda n, m: torch.arange(float(n * m)).reshape(n, m), "int64"),
    ("make_zeros_like", lambda x: torch.zeros(x.shape), "toujours en float32"),
    ("make_zeros_like", lambda x: x * 0, "nan"),
    ("make_zeros_like", lambda x: x.zero_(), "modifie son argument x"),
    ("bytes_per_value", {torch.float64: 64, torch.float32: 32, torch.float16: 16, torch.int8: 8}, "bits"),
    ("bytes_per_value", {torch.float64: 8, torch.float32: 4, torch.float16: 4, torch.int8: 1}, "float16"),
    ("size_in_bytes", lambda x: x.numel(), "element_size"),
    ("size_in_bytes", lambda x: sys.getsizeof(x), "getsizeof"),
    ("size_in_bytes", lambda x: len(x), "len"),
    ("size_in_bytes", lambda x: x.numel() * x.element_size() * 8, "bits"),
    ("values_with_n_bits", lambda n: 2 * n, "pas 2 \\* n"),
    ("values_with_n_bits", lambda n: 2**n - 1, "plus grande valeur"),
    ("values_with_n_bits", lambda n: n**2, "pas n \\*\\* 2"),
    ("quantize_int8", lambda x: (x.to(torch.int8), 1.0), "scale = 1"),
    ("quantize_int8", lambda x: (x / x.abs().max() * 127, x.abs().max() / 127), "torch.int8"),
    ("quantize_int8", _quantize(127, rounding=torch.trunc), "tronque"),
    ("quantize_int8", _quantize(128, clamp=False), "Dépassement"),
    ("quantize_int8", _quantize(128), "Dépassement"),
    ("quantize_int8", _quantize(100), "plage"),
    ("quantize_int8", lambda x: _quantize(127)(x)[0], "couple"),
    ("every_other_column", lambda x: x[::2], "LIGNE sur deux"),
    ("every_other_column", lambda x: x[:, 1::2], "colonne 0"),
    ("every_other_column", _loop_columns, "boucle"),
    ("positives_only", lambda x: x > 0, "booléens"),
    ("positives_only", lambda x: x[x >= 0], "Strictement"),
    ("positives_only", lambda x: torch.where(x > 0, x, 0.0), "1D"),
    ("positives_only", _loop_positive, "boucle"),
    ("elementwise", lambda x: x @ (x + 2), "produit terme à terme s'écrit \\*"),
    ("elementwise", lambda x: x * x + 2, "Priorités"),
    ("matrix_product", lambda x, w: x * w.T, "terme à terme"),
    ("matrix_product", lambda x, w: x * w, "x @ w"),
    ("matrix_product", lambda x, w: (x * w.T).sum(1), "forme \\(n, 1\\)"),
    ("sin_in_place", lambda a: torch.sin(a), "NOUVEAU tenseur"),
    ("sin_in_place", _rebind_sin, "a.sin_\\(\\)"),
    ("sin_in_place", _sin_copy, "aucune copie"),
    ("add_out_of_place", lambda a, b: a.add_(b), "a \\+ b"),
    ("add_out_of_place", _inplace_add, "en place"),
    ("sum_per_row", lambda x: x.sum(0), "Mauvais axe : sum\\(0\\)"),
    ("sum_per_row", lambda x: x.sum(1, keepdim=True), "keepdim"),
    ("sum_per_row", lambda x: x.sum(), "précisez l'axe"),
    ("sum_per_row", _loop_row_sums, "boucle"),
    ("mean_per_column", lambda x: x.mean(1), "Mauvais axe : mean\\(1\\)"),
    ("max_per_row", lambda x: x.max(1), "\\.values"),
    ("max_per_row", lambda x: x.max(0).values, "Mauvais axe"),
    ("max_per_row", lambda x: x.max(1).indices, "indices"),
    ("sum_even_columns", lambda x: x[:, ::2].sum(0), "Mauvais axe"),
    ("sum_even_columns", lambda x: x.sum(1), "Seulement les colonnes"),
    ("add_batch_dim", lambda x: x.unsqueeze(-1), "unsqueeze\\(-1\\)"),
    ("add_batch_dim", lambda x: x.unsqueeze(1), "unsqueeze\\(1\\)"),
    ("remove_batch_dim", lambda x: x.squeeze(), "TOUTES les dimensions"),
    ("remove_batch_dim", lambda x: x.squeeze(-1), "la première : squeeze\\(0\\)"),
    ("remove_batch_dim", lambda x: x.squeeze(1), "la première : squeeze\\(0\\)"),
]


@pytest.mark.parametrize("name, answer, hint", MISTAKES,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(MISTAKES)])
def test_check_fails_with_specific_hint(name, answer, hint):
    _fails(getattr(ex, f"check_{name}"), answer, hint)



def test_a_non_function_answer_is_explained():
    with pytest.raises(CheckFailed, match="doit être une fonction"):
        ex.check_every_other_column(torch.zeros(3, 3))
