"""What the tensor checks share: the no-loop hint, random draws, and readers of a returned number or integer
tensor."""

from __future__ import annotations

import random
import secrets

import torch

from lab.checks import fresh_generator

_LOOP = ("Pas de boucle Python sur les éléments : une seule opération traite tout le tenseur (une tranche avec "
         "un pas, un masque booléen, une réduction avec dim=…).")


def _rng() -> random.Random:
    return random.Random(secrets.randbits(64))


def _matrices(count: int = 4, *, min_size: int = 24, max_size: int = 40, square: bool = False) -> list[tuple]:
    """Random float matrices with distinct numbers of rows and columns (a wrong axis then shows)."""
    rng, g = _rng(), fresh_generator()
    out = []
    for _ in range(count):
        n = rng.randint(min_size, max_size)
        m = n if square else rng.choice([k for k in range(min_size, max_size + 2) if k != n])
        out.append((torch.randn(n, m, generator=g) * 10,))
    return out


def _integers_as_int64(result):
    """Any integer dtype is a right answer (the text asks for integers, not for int64)."""
    if isinstance(result, torch.Tensor) and not result.is_floating_point() and not result.is_complex() \
            and result.dtype != torch.bool:
        return result.to(torch.int64)
    return result


def _number(result):
    """A one-value tensor (``torch.tensor(2) ** n``) is the number it holds: the exercise asks for a count."""
    if isinstance(result, torch.Tensor) and result.numel() == 1 and result.device.type != "meta":
        return result.item()
    return result
