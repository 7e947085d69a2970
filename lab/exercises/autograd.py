"""Checks, part 03 (autograd): requires_grad/backward/.grad, scalar losses, accumulation and zeroing,
parameter updates outside the graph, reading the graph, and torch functions only."""

from __future__ import annotations

import math
import random
import secrets

import numpy as np
import torch

from lab.checks import CheckFailed, as_float, call, expect_close, expect_tensor, fresh_generator, ok, register_checks
from lab.compare import Trace
from lab.hints import observed
from lab.simulated_gpu import on_gpu, real_gpu
from lab.solutions import autograd as ref

_REQUIRES_GRAD = ("Un gradient n'est calculé que pour les tenseurs créés avec requires_grad=True "
                  "(torch.tensor(valeur, requires_grad=True)) ; sinon .grad vaut None.")
_LEAF_LOST = ("w = w - lr * w.grad crée un NOUVEAU tenseur, résultat d'un calcul : ce n'est plus une feuille "
              "du graphe, son .grad reste None (et l'appelant garde l'ancien w). Modifiez w en place, hors du "
              "graphe : with torch.no_grad(): w -= lr * w.grad.")
_IN_PLACE_LEAF = ("w demande un gradient : une modification en place serait enregistrée dans le graphe, ce "
                  "qu'autograd refuse. Faites la mise à jour hors du graphe : with torch.no_grad(): "
                  "w -= lr * w.grad")
_ZERO_TOO_EARLY = ("Avant le premier backward(), w.grad vaut None : il n'y a encore rien à remettre à zéro. "
                   "Remettez le gradient à zéro APRÈS la mise à jour (ou testez if w.grad is not None).")
_BY_HAND = ("Le résultat est juste, mais calculé sans autograd : l'exercice porte sur autograd. "
            "Construisez la perte avec des opérations torch, appelez backward(), puis lisez .grad.")
_NOT_SCALAR = ("backward() sans argument exige une perte SCALAIRE (un seul nombre) : réduisez avec .sum() "
               "(ou .mean()) avant backward().")


def _rng() -> random.Random:
    return random.Random(secrets.randbits(64))


# (function, its partial derivatives) for the derivatives check: only torch functions.
_FUNCTIONS = [
    ("2a + b", lambda a, b: 2 * a + b, lambda a, b: (2.0, 1.0)),
    ("a * b", lambda a, b: a * b, lambda a, b: (b, a)),
    ("sin(2a + b)", lambda a, b: torch.sin(2 * a + b), lambda a, b: (2 * math.cos(2 * a + b), math.cos(2 * a + b))),
    ("a² b", lambda a, b: a**2 * b, lambda a, b: (2 * a * b, a**2)),
    ("exp(a - 3b)", lambda a, b: torch.exp(a - 3 * b), lambda a, b: (math.exp(a - 3 * b), -3 * math.exp(a - 3 * b))),
]


def _explain_grad(exc: BaseException) -> str | None:
    text = str(exc)
    if "NoneType" in text and "zero_" in text:
        return _ZERO_TOO_EARLY
    if "does not require grad" in text or ("NoneType" in text and ("item" in text or "grad" in text)):
        return _REQUIRES_GRAD
    if "implicitly created only for scalar" in text:
        return _NOT_SCALAR
    return None


def check_derivatives(derivatives) -> None:
    rng = _rng()
    for label, f, exact in rng.sample(_FUNCTIONS, 3) + [_FUNCTIONS[0]]:
        a_val, b_val = round(rng.uniform(-2, 2), 3), round(rng.uniform(-2, 2), 3)
        recorder = Trace()
        got = call(derivatives, f, a_val, b_val, name="derivatives", on_error=_explain_grad, record=recorder)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailed("derivatives doit renvoyer le couple (dz/da, dz/db).", mistake="derivatives_not_pair")
        da, db = (as_float(v, n) for v, n in zip(got, ("dz/da", "dz/db")))
        ea, eb = exact(a_val, b_val)
        if not (math.isclose(da, ea, rel_tol=1e-4, abs_tol=1e-5) and math.isclose(db, eb, rel_tol=1e-4, abs_tol=1e-5)):
            swapped = math.isclose(da, eb, rel_tol=1e-4, abs_tol=1e-5) and math.isclose(db, ea, rel_tol=1e-4, abs_tol=1e-5)
            values = math.isclose(da, a_val, abs_tol=1e-6) and math.isclose(db, b_val, abs_tol=1e-6)
            if swapped and values:  # z = a * b: its derivatives are (b, a)
                hint = ("Ce sont les valeurs de a et b, pas leurs gradients — ou les dérivées inversées : renvoyez "
                        "(dz/da, dz/db) = (a.grad, b.grad), dans cet ordre.")
            elif swapped:
                hint = "Les deux dérivées sont justes mais inversées : renvoyez (dz/da, dz/db), a.grad d'abord."
            elif values:
                hint = "Vous renvoyez les valeurs de a et b, pas leurs gradients (a.grad, b.grad)."
            else:
                hint = "z = f(a, b), puis z.backward(), puis a.grad.item() et b.grad.item()."
            raise CheckFailed(f"Pour z = {label} en a = {a_val}, b = {b_val} : attendu ({ea:.4g}, {eb:.4g}), "
                              f"obtenu ({da:.4g}, {db:.4g}).\n👉 {hint}", mistake="derivatives_wrong_values")
        if not recorder.used_autograd():
            raise CheckFailed(f"derivatives n'appelle pas backward() : les dérivées ne viennent pas d'autograd "
                              f"(différences finies ?).\n👉 {_BY_HAND}", mistake="derivatives_no_backward")
    ok("derivatives : pour z = 2a + b, dz/da = 2.0 et dz/db = 1.0, comme dans les diapositives.")


def check_f_sin(f_sin) -> None:
    rng = _rng()

    def explain(exc: BaseException) -> str | None:
        if "numpy" in str(exc):
            return ("Les fonctions numpy sortent de PyTorch : autograd ne peut pas les dériver. "
                    "Utilisez torch.sin.")
        return None

    for _ in range(3):
        a_val, b_val = rng.uniform(-2, 2), rng.uniform(-2, 2)
        a = torch.tensor(a_val, requires_grad=True)
        b = torch.tensor(b_val, requires_grad=True)
        z = call(f_sin, a, b, name="f_sin", on_error=explain)
        if not isinstance(z, torch.Tensor):
            raise CheckFailed(f"f_sin renvoie un {type(z).__name__}, pas un tenseur : une fonction hors de "
                              "PyTorch (math.sin, numpy…) coupe le graphe de calcul.\n👉 Utilisez torch.sin.",
                              mistake="f_sin_not_tensor")
        if z.grad_fn is None:
            raise CheckFailed("Le résultat n'est relié ni à a ni à b (pas de grad_fn) : le graphe est coupé "
                              "(detach, .item(), torch.tensor(...) ?).\n👉 Calculez directement sur a et b avec des "
                              "opérations torch, sans en sortir.", mistake="f_sin_graph_cut")
        expect_close(z.detach(), torch.tensor(math.sin(2 * a_val + b_val)), "f_sin(a, b)",
                     hint="Reprenez la formule des diapositives, avec des opérations torch (elles gardent le graphe).",
                     rtol=1e-4, atol=1e-5)
        z.backward()
        expect_close(a.grad, torch.tensor(2 * math.cos(2 * a_val + b_val)), "dz/da", rtol=1e-4, atol=1e-5)
    ok("f_sin : torch.sin garde le graphe, autograd dérive tout seul.")


def check_grad_sum_of_squares(grad_sum_of_squares) -> None:
    rng, g = _rng(), fresh_generator()
    for _ in range(3):
        shape = tuple(rng.randint(2, 6) for _ in range(rng.randint(1, 3)))
        A = torch.randn(shape, generator=g)
        given = A.clone()
        recorder = Trace()
        got = call(grad_sum_of_squares, given, name="grad_sum_of_squares", on_error=_explain_grad,
                   record=recorder)
        if given.requires_grad or not torch.equal(given, A):
            raise CheckFailed("grad_sum_of_squares a modifié le tenseur reçu (requires_grad_ ou valeurs) : "
                              "l'appelant le retrouve changé.\n👉 Travaillez sur une copie : "
                              "A = A.clone().requires_grad_(True).", mistake="grad_modifies_input")
        expect_tensor(got, "le gradient", shape=A.shape,
                      shape_hint="Le gradient a la même forme que A : renvoyez le gradient accumulé dans A.")
        got = got.detach()
        if torch.allclose(got, 2 * A / A.numel(), atol=1e-6):
            raise CheckFailed("C'est le gradient de la MOYENNE des carrés (divisé par le nombre de valeurs).\n"
                              "👉 L = (A ** 2).sum()", mistake="grad_of_mean")
        expect_close(got, 2 * A, "le gradient de L = somme des carrés", rtol=1e-4, atol=1e-5,
                     hint=("Le gradient doit venir d'autograd : demandez un gradient pour A, calculez L, appelez "
                          "backward(), puis lisez le gradient accumulé dans A."))
        if not recorder.used_autograd():
            raise CheckFailed(f"grad_sum_of_squares renvoie bien 2A, mais sans backward() : c'est la dérivée "
                              f"écrite à la main.\n👉 {_BY_HAND}", mistake="grad_by_hand")
    ok("grad_sum_of_squares : une perte scalaire, un gradient de la forme de A (ici 2A).")


def check_zero_grads(zero_grads) -> None:
    rng, g = _rng(), fresh_generator()
    params = [torch.randn(rng.randint(1, 4), rng.randint(1, 4), generator=g, requires_grad=True)
                  for _ in range(4)]
    used = params[:3]  # the last one has not been used yet: its .grad is None
    for _ in range(2):  # two backward calls: the gradients accumulate
        sum((p**2).sum() for p in used).backward()
    values = [p.detach().clone() for p in params]

    def explain(exc: BaseException) -> str | None:
        if "leaf Variable" in str(exc):
            return "p.zero_() effacerait le paramètre lui-même ; ce sont ses gradients qu'on remet à 0 : p.grad.zero_()."
        if "NoneType" in str(exc):
            return "Un paramètre qui n'a pas encore servi a p.grad = None : testez if p.grad is not None."
        return None

    call(zero_grads, params, name="zero_grads", on_error=explain)
    for p, v in zip(params, values):
        if not torch.equal(p.detach(), v):
            raise CheckFailed("Les valeurs des paramètres ont changé : seuls leurs gradients doivent être remis à 0.",
                              mistake="zero_grads_changes_values")
        if p.grad is not None and not (isinstance(p.grad, torch.Tensor) and not p.grad.any()):
            raise CheckFailed("Un gradient n'est pas remis à zéro : p.grad.zero_() (ou p.grad = None).",
                              mistake="zero_grads_not_zeroed")
    ok("zero_grads : les gradients accumulés repartent de 0 (les paramètres, eux, sont intacts).")


def _problem(g: torch.Generator, rng: random.Random):
    """A random least-squares loss of w, and a starting w that is a leaf requiring grad."""
    n, d = rng.randint(8, 20), rng.randint(2, 5)
    X, y = torch.randn(n, d, generator=g), torch.randn(n, generator=g)

    def loss_fn(w: torch.Tensor) -> torch.Tensor:
        return ((X @ w - y) ** 2).mean()

    return loss_fn, torch.randn(d, generator=g)


def _descent_without_zeroing(w0: torch.Tensor, loss_fn, lr: float, n_steps: int) -> torch.Tensor:
    """What a descent that forgets grad.zero_() computes."""
    w = w0.clone().requires_grad_(True)
    for _ in range(n_steps):
        loss_fn(w).backward()
        with torch.no_grad():
            w -= lr * w.grad
    return w.detach()


def check_descent(descent, plot: bool = False) -> None:
    """Compare the student's descent with the reference on a random least-squares problem.

    With ``plot=True``, also runs 200 single steps with a progress bar and plots the loss curve.
    """
    rng, g = _rng(), fresh_generator()
    loss_fn, w0 = _problem(g, rng)
    lr, n_steps = rng.choice([0.05, 0.1]), rng.randint(5, 15)
    w = w0.clone().requires_grad_(True)

    def explain(exc: BaseException) -> str | None:
        text = str(exc)
        if "leaf Variable" in text:
            return _IN_PLACE_LEAF
        if "NoneType" in text and "zero_" in text:
            return _ZERO_TOO_EARLY
        if "NoneType" in text or "does not require grad" in text:
            return _LEAF_LOST
        return _explain_grad(exc)

    recorder = Trace()
    call(descent, w, loss_fn, lr, n_steps, name="descent", on_error=explain, record=recorder)
    expected = w0.clone().requires_grad_(True)
    ref.descent(expected, loss_fn, lr, n_steps)
    if torch.equal(w.detach(), w0):
        raise CheckFailed(f"Après {n_steps} étapes, w n'a pas bougé.\n👉 {_LEAF_LOST}", mistake="descent_not_moved")
    if not w.is_leaf or not w.requires_grad:
        raise CheckFailed(f"w n'est plus une feuille qui demande un gradient.\n👉 {_LEAF_LOST}", mistake="descent_not_leaf")
    if not torch.allclose(w.detach(), expected.detach(), rtol=1e-4, atol=1e-5):
        if torch.allclose(w.detach(), _descent_without_zeroing(w0, loss_fn, lr, n_steps), rtol=1e-4, atol=1e-5):
            raise CheckFailed("Les gradients s'accumulent d'une étape à l'autre : vous avez oublié de les remettre "
                              "à zéro.\n👉 Après la mise à jour : w.grad.zero_().", mistake="descent_no_zero_grad")
        ascent = w0.clone().requires_grad_(True)
        ref.descent(ascent, loss_fn, -lr, n_steps)
        if torch.allclose(w.detach(), ascent.detach(), rtol=1e-4, atol=1e-5):
            raise CheckFailed(f"Après {n_steps} étapes, w s'éloigne du minimum : la perte MONTE, chaque pas suit le "
                              "gradient au lieu d'aller contre lui.\n👉 Regardez le signe de la mise à jour : le "
                              "gradient indique la direction où la perte augmente.", mistake="descent_wrong_sign")
        seen = observed(w.detach(), expected.detach())
        raise CheckFailed(f"Après {n_steps} étapes (lr = {lr}), w vaut {w.detach().tolist()} au lieu de "
                          f"{expected.detach().tolist()}." + (f"\n{seen}" if seen else "")
                          + "\n👉 Vérifiez chaque étape : la perte, son gradient, un pas de lr dans le sens qui fait "
                          "baisser la perte, et des gradients remis à zéro.", mistake="descent_wrong_values")
    if not recorder.used_autograd():
        raise CheckFailed(f"descent n'appelle pas backward() : le gradient ne vient pas d'autograd.\n👉 {_BY_HAND}",
                          mistake="descent_no_backward")
    if plot:
        _plot_descent(descent, loss_fn, w0, lr)
    ok(f"descent : {n_steps} étapes identiques à la référence, w reste une feuille du graphe.")


def _plot_descent(descent, loss_fn, w0: torch.Tensor, lr: float, n_steps: int = 200) -> None:
    """Run the student's descent one step at a time with a progress bar, and plot the loss."""
    import matplotlib.pyplot as plt
    from tqdm.auto import tqdm

    w = w0.clone().requires_grad_(True)
    losses = []
    for _ in tqdm(range(n_steps), desc="descente", leave=False):
        with torch.no_grad():
            losses.append(loss_fn(w).item())
        descent(w, loss_fn, lr, 1)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses)
    ax.set_xlabel("étape")
    ax.set_ylabel("perte (MSE)")
    ax.set_yscale("log")
    ax.set_title("Descente de gradient (moindres carrés aléatoires)")
    plt.show()


def check_to_numpy(to_numpy) -> None:
    """On a (simulated, and real when present) GPU: ``.numpy()`` needs the values on the CPU first."""
    rng, g = _rng(), fresh_generator()

    def explain(exc: BaseException) -> str | None:
        text = str(exc)
        if "requires grad" in text:
            return ("t fait partie du graphe de calcul : détachez-le d'abord, t.detach().numpy() "
                    "(et .cpu() s'il est sur GPU).")
        if "device type tensor to numpy" in text:
            return ("t est sur le GPU : NumPy ne lit que la mémoire centrale. Copiez-le d'abord sur le CPU : "
                    "t.detach().cpu().numpy().")
        return None

    places = [("CPU", lambda v: v.requires_grad_(True)), ("GPU", lambda v: on_gpu(v, requires_grad=True))]
    if real_gpu() is not None:
        places.append(("GPU réel", lambda v: v.to(real_gpu()).requires_grad_(True)))
    for where, place in places:
        values = torch.randn(rng.randint(2, 6), rng.randint(2, 6), generator=g)
        x = place(values.clone())
        t = x * 2  # a tensor inside a graph, like a model's output
        got = call(to_numpy, t, name="to_numpy", on_error=explain)
        if not isinstance(got, np.ndarray):
            raise CheckFailed(f"to_numpy doit renvoyer un tableau numpy (np.ndarray), pas {type(got).__name__}.\n"
                              "👉 .numpy() le fait, une fois t sorti du graphe et ramené sur le CPU.",
                              mistake="to_numpy_not_array")
        if got.shape != tuple(t.shape) or not np.allclose(got, (values * 2).numpy()):
            raise CheckFailed(f"Le tableau n'a pas les valeurs de t (tenseur sur le {where}).",
                              mistake="to_numpy_wrong_values")
        if t.grad_fn is None or not x.requires_grad:
            raise CheckFailed("to_numpy a modifié le graphe de t ; detach() renvoie une vue détachée sans toucher t.",
                              mistake="to_numpy_changes_graph")
    ok("to_numpy : detach() sort du graphe, .cpu() ramène les valeurs du GPU, puis .numpy().")


def _random_graph(rng: random.Random, g: torch.Generator) -> torch.Tensor:
    """A random expression of a, b (requiring grad) and a constant c, with a node used twice."""
    a = torch.randn(3, generator=g, requires_grad=True)
    b = torch.randn(3, generator=g, requires_grad=True)
    c = torch.randn(3, generator=g)  # a constant: a None entry in next_functions
    unary_ops = [torch.sin, torch.exp, torch.tanh, lambda t: t**2]
    binary_ops = [torch.add, torch.mul, torch.sub]
    y = rng.choice(binary_ops)(a, b)  # shared below
    # Two different unary operations: the right branch then always holds a name the left one lacks (a walk that
    # follows only the first branch cannot look like one that merges nodes of the same name).
    unary_left, unary_right = rng.sample(unary_ops, 2)
    left = unary_left(rng.choice(binary_ops)(y, c))
    right = unary_right(y)
    return rng.choice(binary_ops)(left, right).sum()


def _names_deduplicated_by_name(z: torch.Tensor) -> list[list[str]]:
    """What a traversal that remembers names instead of nodes finds (sorted), for the usual visiting orders."""
    found = []
    for pop in (lambda todo: todo.pop(), lambda todo: todo.pop(0)):
        names, todo = [], [z.grad_fn]
        while todo:
            node = pop(todo)
            if node is not None and node.name() not in names:
                names.append(node.name())
                todo.extend(child for child, _ in node.next_functions)
        found.append(sorted(n.split("::")[-1] for n in names))
    return found


def check_graph_node_names(graph_node_names) -> None:
    rng, g = _rng(), fresh_generator()

    def explain(exc: BaseException) -> str | None:
        if "NoneType" in str(exc):
            return ("next_functions contient (None, 0) pour les entrées qui ne demandent pas de gradient "
                    "(les constantes) : sautez-les.")
        return None

    for _ in range(3):
        z = _random_graph(rng, g)
        got = call(graph_node_names, z, name="graph_node_names", on_error=explain)
        if not isinstance(got, (list, tuple)) or not all(isinstance(n, str) for n in got):
            raise CheckFailed("graph_node_names doit renvoyer une liste de noms (des chaînes, node.name()).",
                              mistake="graph_not_names")
        norm = sorted(n.split("::")[-1] for n in got)
        expected = sorted(n.split("::")[-1] for n in ref.graph_node_names(z))
        if norm == expected:
            continue
        if len(norm) > len(expected) and set(norm) == set(expected):
            hint = ("Un nœud peut être atteint par plusieurs chemins (y est utilisé deux fois) : gardez un "
                    "ensemble des nœuds déjà vus.")
        elif norm in _names_deduplicated_by_name(z):
            hint = ("Deux nœuds différents peuvent porter le même nom (a et b ont chacun leur AccumulateGrad) : "
                    "retenez les nœuds déjà vus (les objets node), pas leurs noms.")
        elif len(norm) <= 2:
            hint = "Suivez les arêtes : node.next_functions donne les nœuds précédents, à parcourir à leur tour."
        else:
            hint = (f"Il manque {sorted(set(expected) - set(norm)) or 'des nœuds'} : parcourez tout le graphe "
                    "depuis z.grad_fn (les feuilles sont des AccumulateGrad).")
        raise CheckFailed(f"Attendu {len(expected)} nœuds {expected},\nobtenu {len(norm)} : {norm}.\n👉 {hint}",
                          mistake="graph_wrong_nodes")
    ok("graph_node_names parcourt le graphe de calcul jusqu'aux feuilles (AccumulateGrad).")


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
