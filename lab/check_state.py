"""The global torch state a check call must leave as it found it: grad mode, default dtype, the global RNG.

Values cannot show a function that switches autograd off for the rest of the notebook
(``torch.set_grad_enabled(False)``), changes the default dtype, or reseeds the global random generator: the
answer is right, and the damage shows cells later. ``guarded()`` runs around every check call (``lab.checks``
wraps each ``check_*`` with it): it takes a ``Snapshot`` before, compares after, always puts the state back, and
raises a ``CheckFailed`` naming what was left behind.

The global RNG is compared differently: a check may consume it itself (a shuffling ``DataLoader``), so it is only
restored (a check never moves the student's random stream, seeded at the top of the notebooks), and reseeding it
(``torch.manual_seed`` called by the student's function) is what counts as state left behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from unittest import mock

import torch

#: The mistake keys, one per kind of state (stable: the progress record stores them).
GRAD_MODE = "state_grad_mode"
DEFAULT_DTYPE = "state_default_dtype"
RNG_RESEEDED = "state_rng_reseeded"


@dataclass
class Snapshot:
    grad_enabled: bool
    default_dtype: torch.dtype
    rng: torch.Tensor
    reseeds: list[str] = field(default_factory=list)  # calls that reseeded the global generator, by name

    @classmethod
    def take(cls) -> Snapshot:
        return cls(torch.is_grad_enabled(), torch.get_default_dtype(),
                   torch.get_rng_state())


def left_behind(before: Snapshot, after: Snapshot) -> tuple[str, str] | None:
    """``(mistake key, French hint)`` for the first state the call did not put back, or None."""
    if after.grad_enabled != before.grad_enabled:
        state = "désactivé" if not after.grad_enabled else "activé"
        return GRAD_MODE, (
            f"Les valeurs sont peut-être justes, mais après l'appel le calcul des gradients est resté {state} pour "
            "tout le notebook (torch.set_grad_enabled(...) change un réglage global) : les cellules suivantes "
            "(backward, entraînement) ne marcheraient plus.\n👉 Limitez ce réglage à un bloc with, qui remet "
            "l'état d'avant en sortant : with torch.no_grad(): ...")
    if after.default_dtype != before.default_dtype:
        return DEFAULT_DTYPE, (
            f"Après l'appel, le dtype par défaut de torch est passé de {before.default_dtype} à "
            f"{after.default_dtype} pour tout le notebook (torch.set_default_dtype change un réglage global).\n"
            "👉 Précisez le dtype là où vous créez le tenseur (dtype=...) ou convertissez le résultat (.to(...)), "
            "sans toucher au réglage global.")
    if after.reseeds:
        return RNG_RESEEDED, (
            f"Votre fonction appelle {after.reseeds[0]}(...) : elle remet à zéro le générateur aléatoire GLOBAL "
            "de tout le notebook (les tirages des cellules suivantes en dépendent).\n👉 Utilisez un générateur "
            "à vous : g = torch.Generator().manual_seed(graine), puis passez generator=g aux tirages "
            "(torch.randperm(n, generator=g)).")
    return None


def restore(snapshot: Snapshot) -> None:
    """Put the global state back as it was in ``snapshot``."""
    torch.set_grad_enabled(snapshot.grad_enabled)
    torch.set_default_dtype(snapshot.default_dtype)
    torch.set_rng_state(snapshot.rng)


@contextlib.contextmanager
def guarded(on_left_behind: Callable[[str, str], BaseException]) -> Iterator[Snapshot]:
    """Run the block with reseeding recorded; afterwards restore the state and, when the block itself ended
    normally, raise ``on_left_behind(key, hint)`` for the first state it left changed."""
    before = Snapshot.take()
    reseeds: list[str] = []

    def recording(name: str, real: Callable[..., object]) -> Callable[..., object]:
        def reseed(*args: object, **kwargs: object) -> object:
            reseeds.append(name)
            return real(*args, **kwargs)
        return reseed

    patches = [mock.patch.object(torch, name, recording(f"torch.{name}", getattr(torch, name)))
               for name in ("manual_seed", "seed")]
    patches.append(mock.patch.object(torch.random, "manual_seed",
                                     recording("torch.random.manual_seed", torch.random.manual_seed)))
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        try:
            yield before
        finally:
            after = Snapshot.take()
            after.reseeds = reseeds
            restore(before)
    problem = left_behind(before, after)
    if problem is not None:
        raise on_left_behind(*problem)
