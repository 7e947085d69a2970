"""Checks of part 01's aggregations over an axis and of adding or removing the batch dimension."""

from __future__ import annotations

import random

import torch

from lab.checks import fresh_generator, ok, register_checks
from lab.compare import compare_with_reference
from lab.exercises.tensors.common import _LOOP, _matrices, _rng
from lab.hints import Mistake
from lab.solutions import tensors as ref


def _axis_mistakes(name: str, op: str, good_axis: int) -> list[Mistake]:
    other = 1 - good_axis
    per = {0: "une valeur par colonne", 1: "une valeur par ligne"}
    hint = (f"Mauvais axe : {op}({other}) réduit l'axe {other} et donne {per[other]} ; "
            f"pour {per[good_axis]}, {op}({good_axis}).")

    def reduce(x, axis, keepdim=False):
        result = getattr(x, op)(axis, keepdim=keepdim)
        return result.values if op in ("max", "min") else result

    return [
        Mistake(lambda x: reduce(x, other), f"{name}_other_axis", hint),
        Mistake(lambda x: reduce(x, good_axis, keepdim=True), f"{name}_keepdim",
                "Sans keepdim : le résultat est 1D, de forme (n,)."),
        Mistake(lambda x: getattr(x, op)(), f"{name}_whole_tensor",
                f"x.{op}() réduit tout le tenseur à un nombre ; précisez l'axe {good_axis}."),
    ]


def check_sum_per_row(sum_per_row) -> None:
    compare_with_reference(sum_per_row, ref.sum_per_row, _matrices(), name="sum_per_row",
                           mistakes=_axis_mistakes("sum_per_row", "sum", 1) + [
        Mistake(lambda x: x.mean(1), "sum_per_row_mean",
                "C'est la moyenne de chaque ligne ; on demande la somme : x.sum(1)."),
    ], max_ops=10, loop_hint=_LOOP, rtol=1e-4, atol=1e-4)
    ok("sum_per_row : x.sum(1), une valeur par ligne.")


def check_mean_per_column(mean_per_column) -> None:
    compare_with_reference(mean_per_column, ref.mean_per_column, _matrices(), name="mean_per_column",
                           mistakes=_axis_mistakes("mean_per_column", "mean", 0) + [
        Mistake(lambda x: x.sum(0) / (x.shape[0] - 1), "mean_per_column_n_minus_one",
                ("La moyenne divise la somme par n, le nombre de lignes, pas "
                                                 "par n - 1 (n - 1, c'est pour la variance non biaisée).")),
        Mistake(lambda x: x.sum(0) / x.shape[1], "mean_per_column_divides_by_columns",
                ("Chaque colonne a x.shape[0] valeurs (une par ligne) : divisez par "
                                           "le nombre de LIGNES, ou utilisez x.mean(0).")),
        Mistake(lambda x: x.sum(0), "mean_per_column_sum",
                "C'est la somme de chaque colonne ; divisez par le nombre de lignes : x.mean(0)."),
    ], max_ops=10, loop_hint=_LOOP, rtol=1e-4, atol=1e-4)
    ok("mean_per_column : x.mean(0), une valeur par colonne.")


def check_max_per_row(max_per_row) -> None:
    compare_with_reference(max_per_row, ref.max_per_row, _matrices(), name="max_per_row",
                           mistakes=_axis_mistakes("max_per_row", "max", 1) + [
        Mistake(lambda x: x.max(1).indices, "max_per_row_indices",
                "Ce sont les positions (indices) des maxima ; prenez .values."),
    ], max_ops=10, loop_hint=_LOOP)
    ok("max_per_row : x.max(1).values (x.max(1) renvoie aussi les indices).")


def check_sum_even_columns(sum_even_columns) -> None:
    compare_with_reference(sum_even_columns, ref.sum_even_columns, _matrices(), name="sum_even_columns",
                           max_ops=10, loop_hint=_LOOP, rtol=1e-4, atol=1e-4, mistakes=[
        Mistake(lambda x: x[:, ::2].sum(0), "sum_even_columns_column_axis",
                "Mauvais axe : une valeur par ligne, donc .sum(1)."),
        Mistake(lambda x: x[::2].sum(1), "sum_even_columns_every_other_row",
                "x[::2] prend une ligne sur deux ; les colonnes : x[:, ::2]."),
        Mistake(lambda x: x[:, 1::2].sum(1), "sum_even_columns_odd_columns",
                "Les colonnes 0, 2, 4… : x[:, ::2] commence à 0."),
        Mistake(lambda x: x.sum(1), "sum_even_columns_all_columns", "Seulement les colonnes 0, 2, 4… : x[:, ::2].sum(1)."),
    ])
    ok("sum_even_columns : x[:, ::2].sum(1), comme dans les diapositives.")


def _images(rng: random.Random, g: torch.Generator) -> list[tuple]:
    shapes = [(3, rng.randint(5, 12), rng.randint(5, 12)),
              (1, rng.randint(5, 12), rng.randint(5, 12)),  # a grey image: squeeze() would drop its channel
              (rng.randint(2, 4), 1, rng.randint(5, 12)),
              (rng.randint(2, 4), rng.randint(5, 12), 1)]  # squeeze(-1) then differs from doing nothing
    return [(torch.rand(shape, generator=g),) for shape in shapes]


def check_add_batch_dim(add_batch_dim) -> None:
    rng, g = _rng(), fresh_generator()
    compare_with_reference(add_batch_dim, ref.add_batch_dim, _images(rng, g), name="add_batch_dim", mistakes=[
        Mistake(lambda x: x.unsqueeze(-1), "add_batch_dim_unsqueeze_last",
                "unsqueeze(-1) ajoute la dimension à la fin ; le lot est en tête : unsqueeze(0)."),
        Mistake(lambda x: x.unsqueeze(1), "add_batch_dim_unsqueeze_second",
                "unsqueeze(1) ajoute la dimension en deuxième position ; le lot est en tête : "
                                   "unsqueeze(0)."),
        Mistake(lambda x: x.squeeze(0), "add_batch_dim_squeeze_instead",
                "squeeze enlève une dimension ; pour en ajouter une : unsqueeze(0)."),
    ], hint="(3, 226, 226) → (1, 3, 226, 226) : la nouvelle dimension, de taille 1, va en tête.")
    ok("add_batch_dim : (C, H, W) → (1, C, H, W).")


def check_remove_batch_dim(remove_batch_dim) -> None:
    rng, g = _rng(), fresh_generator()
    inputs = [(x.unsqueeze(0),) for (x,) in _images(rng, g)]
    compare_with_reference(remove_batch_dim, ref.remove_batch_dim, inputs, name="remove_batch_dim", mistakes=[
        Mistake(lambda x: x.squeeze(), "remove_batch_dim_squeeze_all",
                "squeeze() sans argument enlève TOUTES les dimensions de taille 1 (ici aussi un "
                                "canal ou une ligne de taille 1) ; précisez la dimension du lot : squeeze(0)."),
        Mistake(lambda x: x.squeeze(1), "remove_batch_dim_squeeze_second",
                "squeeze(1) vise la deuxième dimension (et ne fait rien si elle n'est pas de "
                                 "taille 1) ; le lot est la première : squeeze(0)."),
        Mistake(lambda x: x.squeeze(-1), "remove_batch_dim_squeeze_last",
                "squeeze(-1) vise la dernière dimension (et ne fait rien si elle n'est pas de "
                                  "taille 1) ; le lot est la première : squeeze(0)."),
        Mistake(lambda x: x[0].unsqueeze(0), "remove_batch_dim_batch_kept",
                "Le résultat doit perdre la dimension du lot : squeeze(0)."),
    ], hint="(1, C, H, W) → (C, H, W) : n'enlevez que la dimension du lot, la première.")
    ok("remove_batch_dim : squeeze(0) n'enlève que la dimension du lot.")


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
