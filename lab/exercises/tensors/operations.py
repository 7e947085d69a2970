"""Checks of part 01's operations: patterns (slices, masks), operators, matrix product, in-place."""

from __future__ import annotations

import torch

from lab.checks import CheckFailed, call, expect_tensor, fresh_generator, ok, register_checks
from lab.compare import compare_with_reference
from lab.exercises.tensors.common import _LOOP, _matrices, _rng
from lab.hints import Mistake
from lab.solutions import tensors as ref


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


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
