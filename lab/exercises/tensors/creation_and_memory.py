"""Checks of part 01's first half: creating tensors, dtypes and memory, quantization."""

from __future__ import annotations

import math
import sys

import torch

from lab.checks import CheckFailed, call, expect_tensor, fresh_generator, ok, register_checks, require
from lab.compare import compare_with_reference, describe
from lab.exercises.tensors.common import _integers_as_int64, _number, _rng
from lab.hints import Mistake
from lab.simulated_gpu import on_gpu, simulate
from lab.solutions import tensors as ref


def check_grid(grid) -> None:
    rng = _rng()
    inputs = [(rng.randint(2, 7), rng.randint(2, 7)) for _ in range(3)] + [(3, 4)]
    inputs = [(n, m + 1) if n == m else (n, m) for n, m in inputs]
    compare_with_reference(grid, ref.grid, inputs, name="grid", normalize=_integers_as_int64, mistakes=[
        Mistake(lambda n, m: torch.arange(n * m).reshape(m, n), "grid_rows_columns_swapped",
                "Lignes et colonnes inversées : reshape(n_rows, n_cols)."),
        Mistake(lambda n, m: torch.arange(1, n * m + 1).reshape(n, m), "grid_starts_at_one",
                "torch.arange(k) commence à 0 (et s'arrête à k - 1)."),
        Mistake(lambda n, m: torch.arange(n * m).reshape(n, m).float(), "grid_float_values",
                "Gardez des entiers : torch.arange(k) en donne, "
                                                                  "sans .float() ni dtype réel."),
    ], hint="Regardez la forme, la première et la dernière valeur : n_rows lignes de n_cols entiers consécutifs.")
    ok("grid : torch.arange(...).reshape(...) donne la matrice des diapositives.")


def check_make_zeros_like(make_zeros_like) -> None:
    rng, g = _rng(), fresh_generator()
    inputs = []
    for dtype in rng.sample([torch.int64, torch.int8, torch.float64, torch.float16, torch.int32], 3) + [torch.float32]:
        shape = tuple(rng.randint(1, 5) for _ in range(rng.randint(1, 3)))
        x = (torch.randn(shape, generator=g) * 50).to(dtype)
        if dtype.is_floating_point:
            x.view(-1)[0] = float("inf")  # x * 0 is nan there
        inputs.append((x,))
    inputs.insert(rng.randrange(len(inputs) + 1), (on_gpu(torch.randn(3, 2, generator=g)),))  # on a (simulated) GPU
    with simulate():
        _compare_zeros_like(make_zeros_like, inputs)
    ok("make_zeros_like garde la forme, le dtype et le device.")


def _compare_zeros_like(make_zeros_like, inputs) -> None:
    compare_with_reference(make_zeros_like, ref.make_zeros_like, inputs, name="make_zeros_like", mistakes=[
        Mistake(lambda x: torch.zeros(x.shape), "make_zeros_like_float32_cpu",
                "torch.zeros(x.shape) est toujours en float32 sur le CPU : "
                                         "torch.zeros_like(x) garde le dtype et le device de x."),
        Mistake(lambda x: torch.zeros(x.shape, dtype=x.dtype), "make_zeros_like_device_lost",
                "Le device compte aussi (x peut être sur le GPU) : "
                                                        "torch.zeros_like(x) garde le dtype ET le device de x."),
        Mistake(lambda x: x * 0, "make_zeros_like_times_zero",
                "x * 0 (ou x - x) donne nan quand x contient inf ou nan : utilisez torch.zeros_like(x)."),
    ], hint=("Le résultat doit garder la forme, le dtype ET le device de x : une fonction « zeros » copie tout "
                "cela d'un tenseur."))


def check_bytes_per_value(bytes_per_value) -> None:
    require(bytes_per_value, "bytes_per_value")
    if not isinstance(bytes_per_value, dict):
        raise CheckFailed("bytes_per_value doit être un dictionnaire {dtype: nombre d'octets}.", mistake="bytes_not_dict")
    if any(isinstance(key, str) for key in bytes_per_value):
        raise CheckFailed("Les clés du dictionnaire sont les dtypes eux-mêmes, torch.float32 (sans guillemets), "
                          "pas des textes comme \"float32\" : complétez le dictionnaire donné.", mistake="bytes_string_keys")
    for dtype, expected in ref.bytes_per_value.items():
        got = bytes_per_value.get(dtype)
        if got == expected:
            continue
        if got == expected * 8:
            hint = "C'est le nombre de bits ; un octet = 8 bits."
        else:
            hint = "Le nombre dans le nom du type est en bits (float32 = 32 bits) ; vérifiez avec x.element_size()."
        raise CheckFailed(f"Un {dtype} pèse {got!r} octet(s) d'après vous ; ce n'est pas ça.\n👉 {hint}",
                          mistake="bytes_wrong_size")
    ok("Un réel pèse 8 octets en float64, 4 en float32, 2 en float16 ; un int8 pèse 1 octet.")


def check_size_in_bytes(size_in_bytes) -> None:
    rng, g = _rng(), fresh_generator()
    inputs = []
    for dtype in [torch.float64, torch.float32, torch.float16, torch.int8]:
        shape = (rng.randint(2, 60), rng.randint(2, 60))
        inputs.append(((torch.rand(shape, generator=g) * 100).to(dtype),))
    rng.shuffle(inputs)
    compare_with_reference(size_in_bytes, ref.size_in_bytes, inputs, name="size_in_bytes", mistakes=[
        Mistake(lambda x: x.numel(), "size_in_bytes_count_only",
                "x.numel() compte les valeurs ; multipliez par la taille d'une valeur, "
                              "x.element_size()."),
        Mistake(lambda x: len(x), "size_in_bytes_rows_only",
                "len(x) ne compte que les lignes : x.numel() compte toutes les valeurs."),
        Mistake(lambda x: x.element_size(), "size_in_bytes_one_value",
                "C'est le poids d'UNE valeur ; multipliez par leur nombre, x.numel()."),
        Mistake(lambda x: x.numel() * 4, "size_in_bytes_float32_size",
                ("4 octets par valeur, c'est le float32 seulement : chaque dtype a sa "
                                   "taille, x.element_size().")),
        Mistake(lambda x: sys.getsizeof(x), "size_in_bytes_getsizeof",
                "sys.getsizeof mesure l'objet Python, pas les données du tenseur."),
        Mistake(lambda x: x.numel() * x.element_size() * 8, "size_in_bytes_bits", "C'est en bits ; on veut des octets."),
    ])
    ok("size_in_bytes = nombre de valeurs × taille d'une valeur.")


def check_values_with_n_bits(values_with_n_bits) -> None:
    rng = _rng()
    inputs = [(n,) for n in rng.sample([1, 3, 5, 6, 7, 9, 10, 12, 16], 4)] + [(4,), (8,)]
    compare_with_reference(values_with_n_bits, ref.values_with_n_bits, inputs, name="values_with_n_bits",
                           normalize=_number, mistakes=[
        Mistake(lambda n: 2 * n, "values_with_n_bits_twice_n",
                "Chaque bit double le nombre de possibilités : 2 ** n, pas 2 * n."),
        Mistake(lambda n: 2**n - 1, "values_with_n_bits_largest_value",
                "2 ** n - 1 est la plus grande valeur ; en comptant 0, il y a 2 ** n valeurs."),
        Mistake(lambda n: n**2, "values_with_n_bits_n_squared",
                "Chaque bit double le nombre de possibilités : 2 ** n, pas n ** 2."),
    ], hint="Chaque bit double le nombre de possibilités.")
    ok("Sur 4 bits : 16 valeurs ; sur 8 bits : 256.")


def check_model_memory_gb(model_memory_gb) -> None:
    rng = _rng()
    inputs = [(rng.randrange(10**8, 10**11), bits) for bits in (32, 16, 8, 4)] + [(7 * 10**9, 4)]
    rng.shuffle(inputs)
    compare_with_reference(model_memory_gb, ref.model_memory_gb, inputs, name="model_memory_gb",
                           rtol=1e-9, atol=1e-12, mistakes=[
        Mistake(lambda n, bits: n * bits / 1e9, "model_memory_gb_gigabits",
                "C'est en gigaBITS : un octet = 8 bits, divisez par 8."),
        Mistake(lambda n, bits: n * (bits // 8) / 1e9, "model_memory_gb_integer_division",
                "bits // 8 est une division entière : 4 // 8 vaut 0. "
                                                "Écrivez bits / 8 (un demi-octet par paramètre sur 4 bits)."),
        Mistake(lambda n, bits: n * bits / 8 / 2**30, "model_memory_gb_gibibytes",
                "Ici 1 Go = 1e9 octets (2 ** 30 octets est un Gio)."),
        Mistake(lambda n, bits: n * 4 / 1e9, "model_memory_gb_fixed_4_bytes",
                "Le nombre de bits par paramètre change tout : n_params * bits / 8 octets."),
        Mistake(lambda n, bits: n / (bits / 8) / 1e9, "model_memory_gb_divides_by_bytes",
                "Chaque paramètre occupe bits / 8 octets : multipliez, ne divisez pas."),
    ], hint="Comptez les octets d'UN paramètre (à partir de ses bits), puis de tous, puis passez en Go (1e9 octets).")
    table = ", ".join(f"{ref.model_memory_gb(7 * 10**9, bits):g} Go en {label}"
                      for bits, label in ((32, "float32"), (16, "float16"), (8, "int8"), (4, "4 bits")))
    ok(f"Un modèle de 7 milliards de paramètres : {table}.")


def check_quantize_int8(quantize_int8) -> None:
    rng, g = _rng(), fresh_generator()
    for sign in rng.sample([-1.0, -1.0, 1.0, rng.choice([-1.0, 1.0])], 4):
        magnitude = 10 ** rng.uniform(-3, 3)
        x = torch.randn(rng.randint(20, 200), generator=g) * magnitude
        x[rng.randrange(len(x))] = x.abs().max() * 1.5 * sign  # the largest |x| is negative as often as not
        given = x.clone()
        result = call(quantize_int8, given, name="quantize_int8")
        if not torch.equal(given, x):
            raise CheckFailed("quantize_int8 modifie x en place (x /= scale ?) : l'appelant perd ses valeurs.\n"
                              "👉 Calculez un nouveau tenseur : q = torch.round(x / scale)...", mistake="quantize_in_place")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CheckFailed("quantize_int8 doit renvoyer le couple (q, scale).", mistake="quantize_not_pair")
        q, scale = result
        expect_tensor(q, "q", shape=x.shape, dtype=torch.int8,
                      dtype_hint="Convertissez à la fin avec .to(torch.int8).")
        scale = float(scale)
        top = x.abs().max().item()
        if sign < 0 and math.isclose(scale, abs(x.max().item()) / 127, rel_tol=1e-3):
            raise CheckFailed(f"scale = {scale:.4g} vient de x.max() ; mais ici la plus grande valeur en valeur "
                              f"absolue est négative ({x[x.abs().argmax()].item():.4g}), et elle déborde.\n👉 "
                              "scale = x.abs().max() / 127 : l'échelle se règle sur la plus grande valeur ABSOLUE.",
                              mistake="quantize_max_not_abs")
        if scale == 1.0 and abs(top / 127 - 1) > 1e-3:
            raise CheckFailed("Avec scale = 1, x.to(torch.int8) tronque et déborde.\n👉 Mettez d'abord à "
                              "l'échelle : scale = x.abs().max() / 127, puis q = round(x / scale).",
                              mistake="quantize_scale_one")
        if not scale > 0 or not math.isfinite(scale):
            raise CheckFailed(f"scale = {scale} : elle doit être un réel positif (x.abs().max() / 127).",
                              mistake="quantize_bad_scale")
        error = (q.float() * scale - x).abs()
        if error.max() <= scale / 2 * (1 + 1e-3) + 1e-12 * top:
            if scale > top / 127 * (1 + 1e-4):
                raise CheckFailed(f"La plage [-127, 127] n'est pas toute utilisée (la plus grande valeur devient "
                                  f"{q.abs().max().item()} et non 127) : de la précision est perdue.\n"
                                  "👉 scale = x.abs().max() / 127.", mistake="quantize_range_unused")
            if scale < top / 127.5:  # only possible when -max|x| lands on -128
                raise CheckFailed(f"Dépassement évité de justesse : scale = {scale:.4g} < max|x| / 127 ; ici la plus "
                                  "grande valeur absolue est négative et tombe sur -128, mais une valeur positive aussi "
                                  "grande dépasserait 127, la plus grande valeur d'un int8.\n👉 scale = "
                                  "x.abs().max() / 127.", mistake="quantize_scale_127_5")
            continue
        wrapped = (q.float() * x < 0) & (x.abs() > 2 * scale)
        if wrapped.any() or top / scale > 127.5:
            hint = (f"Dépassement : avec cette échelle, max|x| / scale = {top / scale:.4g} dépasse 127, la plus "
                    "grande valeur d'un int8 ; et convertir en int8 un réel hors de [-128, 127] n'est pas défini "
                    "(le résultat dépend du processeur : 128.0 devient -128 sur x86, d'autres valeurs ailleurs). "
                    "Prenez scale = max|x| / 127.")
        elif torch.equal(q, torch.trunc(x / scale).clamp(-128, 127).to(torch.int8)):
            hint = "La conversion en entier tronque ; arrondissez d'abord avec torch.round(x / scale)."
        else:
            hint = ("Chaque valeur doit revenir à moins d'un demi-pas (scale / 2) de l'original : regardez l'arrondi et "
                    "l'échelle choisie.")
        raise CheckFailed(f"Erreur de quantification max {error.max().item():.3g}, plus que scale / 2 = "
                          f"{scale / 2:.3g} (pour un {describe(x)}).\n👉 {hint}", mistake="quantize_error_too_large")
    ok(f"quantize_int8 : {x.numel()} valeurs, {x.numel() * 4} octets en float32 → {q.numel()} octets en int8 ; "
       f"erreur max {error.max().item():.3g} ≤ scale / 2 = {scale / 2:.3g}.")


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
