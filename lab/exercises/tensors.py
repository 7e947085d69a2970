"""Checks, part 01 (tensors): creation, dtypes and memory, quantization, patterns, operators, in-place,
aggregations over axes, squeeze/unsqueeze. Every check draws fresh random inputs."""

from __future__ import annotations

import math
import random
import secrets
import sys

import torch

from lab.checks import CheckFailed, call, expect_tensor, fresh_generator, ok, register_checks, require
from lab.compare import compare_with_reference, describe
from lab.hints import Mistake
from lab.simulated_gpu import on_gpu, simulate
from lab.solutions import tensors as ref

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


def check_every_other_column(every_other_column) -> None:
    inputs = _matrices(3)
    compare_with_reference(every_other_column, ref.every_other_column, inputs, name="every_other_column",
                           max_ops=10, loop_hint=_LOOP, mistakes=[
        Mistake(lambda x: x[::2], "every_other_column_rows_not_columns",
                "x[::2] prend une LIGNE sur deux ; les colonnes sont le second indice : x[:, ::2]."),
        Mistake(lambda x: x[:, 1::2], "every_other_column_starts_at_one", "Commencez à la colonne 0 : x[:, ::2]."),
        Mistake(lambda x: x[::2, ::2], "every_other_column_rows_and_columns", "Gardez toutes les lignes : x[:, ::2]."),
    ])
    ok("every_other_column : x[:, ::2], sans boucle.")


def check_positives_only(positives_only) -> None:
    rng, g = _rng(), fresh_generator()
    inputs = [(torch.randint(-5, 6, (rng.randint(40, 90),), generator=g).float() * rng.choice([1.0, 0.5, 2.5]),)
              for _ in range(3)]  # 1D, as the exercise says; zeros included
    compare_with_reference(positives_only, ref.positives_only, inputs, name="positives_only",
                           max_ops=10, loop_hint=_LOOP, mistakes=[
        Mistake(lambda x: x > 0, "positives_only_mask_returned",
                "x > 0 est le masque (des booléens) ; indexez avec : x[x > 0]."),
        Mistake(lambda x: x[x >= 0], "positives_only_zero_kept", "Strictement positifs : 0 n'en fait pas partie (x > 0)."),
        Mistake(lambda x: torch.where(x > 0, x, 0.0), "positives_zeroed",  # x * (x > 0) gives the same
                "Les négatifs sont remplacés par 0 au lieu d'être retirés : le résultat doit être plus court que x, "
                "un masque sélectionne."),
    ])
    ok("positives_only : un masque x[x > 0].")


def check_elementwise(elementwise) -> None:
    inputs = _matrices(3)

    def explain(exc: BaseException) -> str | None:
        if isinstance(exc, RuntimeError) and "mat" in str(exc):
            return "@ est le produit matriciel ; le produit terme à terme s'écrit *."
        return None

    compare_with_reference(elementwise, ref.elementwise, inputs, name="elementwise", on_error=explain,
                           max_ops=10, loop_hint=_LOOP, mistakes=[
        Mistake(lambda x: x * x + 2, "elementwise_precedence", "Priorités : x * y avec y = x + 2, donc x * (x + 2)."),
        Mistake(lambda x: x + 2, "elementwise_product_missing", "Il faut ensuite multiplier terme à terme : z = x * y."),
    ], hint="Suivez l'ordre de l'énoncé : d'abord y à partir de x, puis z à partir de x et de y, terme à terme.")
    ok("elementwise : + et * agissent valeur par valeur.")


def check_matrix_product(matrix_product) -> None:
    rng, g = _rng(), fresh_generator()
    inputs = []
    for _ in range(3):
        n, d = rng.randint(3, 9), rng.randint(2, 6)
        inputs.append((torch.randn(n, d, generator=g), torch.randn(d, 1, generator=g)))

    def explain(exc: BaseException) -> str | None:
        if isinstance(exc, RuntimeError) and "size of tensor" in str(exc):
            return "* multiplie terme à terme (avec diffusion) ; le produit matriciel s'écrit x @ w."
        if isinstance(exc, RuntimeError) and "cannot be multiplied" in str(exc):
            return ("Formes incompatibles : dans a @ b, le nombre de colonnes de a doit égaler le nombre de lignes "
                    "de b. (n, d) @ (d, 1) → (n, 1) : ici x @ w, sans transposer w (ni w @ x).")
        return None

    compare_with_reference(matrix_product, ref.matrix_product, inputs, name="matrix_product",
                           on_error=explain, mistakes=[
        Mistake(lambda x, w: x * w.T, "matrix_product_elementwise_product",
                "* multiplie terme à terme ; le produit matriciel s'écrit x @ w."),
        Mistake(lambda x, w: (x * w.T).sum(1), "matrix_product_flattened",
                "Le bon calcul, mais gardez la forme (n, 1) : x @ w."),
    ], hint="Un produit matriciel de (n, d) par (d, 1) donne (n, 1) : comparez avec la forme obtenue.")
    ok("matrix_product : (n, d) @ (d, 1) → (n, 1).")


def check_min_max_scale(min_max_scale) -> None:
    rng, g = _rng(), fresh_generator()
    inputs = []
    for (x,) in _matrices(3):
        offsets = torch.randn(x.shape[1], generator=g) * 100  # columns on different scales
        inputs.append((x * rng.uniform(0.5, 5) + offsets,))

    def explain(exc: BaseException) -> str | None:
        if isinstance(exc, TypeError) and "return_types" in str(exc):
            return "x.min(0) renvoie le couple (values, indices) : prenez x.min(0).values (de même pour max)."
        return None

    compare_with_reference(min_max_scale, ref.min_max_scale, inputs, name="min_max_scale", on_error=explain,
                           max_ops=20, loop_hint=_LOOP, rtol=1e-4, atol=1e-5, mistakes=[
        Mistake(lambda x: (x - x.min()) / (x.max() - x.min()), "min_max_scale_global_min_max",
         "x.min() réduit tout le tenseur à un nombre ; il faut le minimum de CHAQUE colonne : x.min(0).values."),
        Mistake(lambda x: (x - x.amin(1, keepdim=True)) / (x.amax(1, keepdim=True) - x.amin(1, keepdim=True)),
                "min_max_scale_row_axis",
         "Mauvais axe : min(1) donne une valeur par ligne ; par colonne, c'est l'axe 0 : x.min(0).values."),
        Mistake(lambda x: x - x.min(0).values / (x.max(0).values - x.min(0).values), "min_max_scale_precedence",
         "Priorités : / passe avant - ; parenthésez : (x - mini) / (maxi - mini)."),
        Mistake(lambda x: (x - x.min(0).values) / x.max(0).values, "min_max_scale_divides_by_max",
                "Divisez par l'étendue, maxi - mini, pas par maxi."),
        Mistake(lambda x: x / x.max(0).values, "min_max_scale_min_not_subtracted",
                "Soustrayez d'abord le minimum : (x - mini) / (maxi - mini)."),
    ], hint="Chaque colonne doit aller de 0 à 1 : son minimum devient 0, son maximum 1.")
    ok("min_max_scale : chaque colonne ramenée entre 0 et 1, avec -, / et min/max par colonne.")


def check_squared_distance(squared_distance) -> None:
    rng, g = _rng(), fresh_generator()
    inputs = []
    for _ in range(3):
        n, d = rng.randint(5, 30), rng.randint(2, 8)
        inputs.append((torch.randn(n, d, generator=g) * 3, torch.randn(n, d, generator=g) * 3 + 1))

    def explain(exc: BaseException) -> str | None:
        if "xor" in str(exc).lower():
            return "^ est le « ou exclusif » bit à bit (pour des entiers) ; la puissance s'écrit ** : (x - y) ** 2."
        return None

    compare_with_reference(squared_distance, ref.squared_distance, inputs, name="squared_distance",
                           on_error=explain, max_ops=10, loop_hint=_LOOP, rtol=1e-4, atol=1e-4, mistakes=[
        Mistake(lambda x, y: (x - y) ** 2, "squared_distance_not_summed",
                "Une valeur par ligne : sommez les carrés sur les colonnes, .sum(1)."),
        Mistake(lambda x, y: ((x - y) ** 2).sum(0), "squared_distance_column_axis",
                "Mauvais axe : .sum(0) donne une valeur par colonne ; par ligne, .sum(1)."),
        Mistake(lambda x, y: ((x - y) ** 2).sum(), "squared_distance_whole_sum",
                ".sum() sans axe donne un seul nombre ; une valeur par ligne : .sum(1)."),
        Mistake(lambda x, y: ((x - y) ** 2).mean(1), "squared_distance_mean",
                ("C'est la moyenne des carrés ; la distance au carré en est la "
                                                "SOMME, .sum(1).")),
        Mistake(lambda x, y: ((x - y) * 2).sum(1), "squared_distance_times_two",
                "* 2 multiplie par 2 ; la puissance s'écrit ** 2."),
        Mistake(lambda x, y: (x**2 - y**2).sum(1), "squared_distance_difference_of_squares",
                "(x - y) ** 2 n'est pas x ** 2 - y ** 2 : élevez la différence au carré."),
        Mistake(lambda x, y: ((x - y) ** 2).sum(1).sqrt(), "squared_distance_sqrt",
                "C'est la distance elle-même ; on demande son carré (sans sqrt)."),
    ], hint="Une valeur par ligne : la somme, sur les colonnes, des carrés des écarts entre x et y.")
    ok("squared_distance : ((x - y) ** 2).sum(1), une distance au carré par ligne.")


def check_sin_in_place(sin_in_place) -> None:
    g = fresh_generator()
    a = torch.randn(4, 5, generator=g)
    original = a.clone()
    address = a.data_ptr()
    result = call(sin_in_place, a, name="sin_in_place")
    if torch.equal(a, original):
        raise CheckFailed("Le tenseur passé en argument n'a pas changé : torch.sin(a) ou a = torch.sin(a) crée "
                          "un NOUVEAU tenseur.\n👉 Les opérations en place finissent par _ : a.sin_() "
                          "(ou torch.sin_(a)).", mistake="sin_not_in_place")
    if not torch.allclose(a, torch.sin(original)):
        raise CheckFailed("a a été modifié mais ne contient pas sin(a).", mistake="sin_wrong_values")
    if not isinstance(result, torch.Tensor) or result.data_ptr() != address:
        raise CheckFailed("Renvoyez a lui-même (a.sin_() le renvoie) : même mémoire, aucune copie.",
                          mistake="sin_copy_returned")
    ok("sin_in_place modifie a dans sa mémoire, sans nouvelle allocation.")


def check_add_out_of_place(add_out_of_place) -> None:
    g = fresh_generator()
    a, b = torch.randn(3, 4, generator=g), torch.randn(3, 4, generator=g)
    given_a, given_b = a.clone(), b.clone()
    result = call(add_out_of_place, given_a, given_b, name="add_out_of_place")
    if not torch.equal(given_a, a):
        raise CheckFailed("a a été modifié : a.add_(b) (ou a += b) change a en place.\n👉 Hors place : a + b "
                          "(ou torch.add(a, b)) crée un nouveau tenseur.", mistake="add_modifies_a")
    if not torch.equal(given_b, b):
        raise CheckFailed("Vous modifiez b (b.add_(a), b += a…) : b doit rester intact lui aussi.\n👉 a + b crée "
                          "un nouveau tenseur sans toucher ni a ni b.", mistake="add_modifies_b")
    expect_tensor(result, "le résultat", shape=a.shape)
    if result.data_ptr() in (given_a.data_ptr(), given_b.data_ptr()):
        raise CheckFailed("Le résultat partage la mémoire de a ou de b : renvoyez un NOUVEAU tenseur, a + b.",
                          mistake="add_shares_memory")
    if not torch.allclose(result, a + b):
        raise CheckFailed("Le résultat n'est pas a + b.", mistake="add_wrong_values")
    ok("add_out_of_place laisse a et b intacts et renvoie un nouveau tenseur.")


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
# What the notebook's `from lab.exercises.tensors import *` brings: the checks only (one line on its first screen).
__all__ = sorted(name for name in globals() if name.startswith("check_"))
