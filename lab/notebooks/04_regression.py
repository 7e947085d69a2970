# %% [markdown]
# # Module 1 — Partie 4 : régression linéaire sur California housing
#
# Les verrous d'une régression linéaire, dans l'ordre des transparents :
#
# 1. **lire les données** (avec scikit-learn) et en faire des tenseurs bien typés, aux formes vérifiées ;
# 2. **construire l'estimateur linéaire** `x @ w.T + b`, avec des paramètres qui ont un gradient ;
# 3. **appliquer la fonction de coût** (MSE) ;
# 4. **trouver un critère d'arrêt** pour la descente de gradient ;
# 5. **évaluer les performances** sur des lignes que le modèle n'a pas vues (MSE, R²), et comparer à la solution
#    exacte de scikit-learn.
#
# Chaque exercice se termine par un `check_...(...)` qui affiche ✅ ou explique ce qui ne va pas.
# `or_reference(f)` utilise votre fonction `f`, ou la solution de l'enseignant tant que la vôtre lève
# `NotImplementedError` : la suite du notebook tourne donc même si un exercice n'est pas encore fait.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch
from tqdm.auto import tqdm

from lab import regression as course  # la bibliothèque du cours : les mêmes fonctions, déjà écrites
from lab.data import load_california_housing
from lab.devices import pick_device
from lab.exercises.regression import (
    check_evaluate,
    check_gd_step,
    check_gradient_descent,
    check_init_params,
    check_mse,
    check_predict,
    check_r2_score,
    check_should_stop,
    check_split,
    check_standardize,
    check_test_scores,
    check_to_tensors,
    or_reference,
)

device = pick_device("auto")  # "cuda" si un GPU est disponible, sinon "cpu"
print("calculs sur", device)

# %% [markdown]
# ## 1. Lire les données
#
# `lab.data.load_california_housing()` appelle le vrai `fetch_california_housing()` de scikit-learn (les données
# sont en cache dans l'image ; hors ligne, il sait utiliser une copie locale du fichier `cal_housing.csv`).

# %%
housing = load_california_housing()
print(housing.data.shape, housing.data.dtype, housing.target.shape)
print(housing.feature_names)

# %% [markdown]
# **Exercice 1.** Écrivez `to_tensors(data, target)` qui renvoie `x` de forme `(n, d)` et `y` de forme `(n, 1)`,
# **tous deux en `torch.float32`** (« penser à typer les données »).
#
# Pourquoi `(n, 1)` ? La prédiction `x @ w.T + b` aura la forme `(n, 1)` ; avec `y` de forme `(n,)`, la
# différence `pred - y` serait *diffusée* en une matrice `(n, n)` — sans aucune erreur, mais une MSE fausse.

# %%
def to_tensors(data, target):
    # BEGIN SOLUTION
    x = torch.tensor(data, dtype=torch.float32)
    y = torch.tensor(target, dtype=torch.float32).reshape(-1, 1)
    return x, y
    # END SOLUTION


check_to_tensors(to_tensors)

# %% [markdown]
# Les deux pièges, en miniature : numpy est en `float64`, nos poids seront en `float32` ; et `(n, 1) - (n,)`
# donne `(n, n)`.

# %%
x, y = or_reference(to_tensors)(housing.data, housing.target)
print("x :", tuple(x.shape), x.dtype, "| y :", tuple(y.shape), y.dtype)

try:
    torch.tensor(housing.data[:5]) @ torch.zeros(1, 8).T
except RuntimeError as exc:
    print("float64 @ float32 ->", type(exc).__name__, ":", exc)

pred5 = torch.zeros(5, 1)
print("(5, 1) - (5,) ->", tuple((pred5 - y[:5].ravel()).shape))

# %% [markdown]
# ## 2. Découper en entraînement / test
#
# On évalue un modèle sur des lignes qu'il n'a **pas** vues. Les lignes de California housing sont rangées par
# région : il faut les **mélanger** avant de couper.
#
# **Exercice 2.** `split(x, y, test_size, seed)` renvoie `x_train, x_test, y_train, y_test` (mêmes lignes pour
# `x` et `y`, découpage reproductible avec `seed`). Astuce : `sklearn.model_selection.train_test_split`
# accepte des tenseurs, ou tirez une permutation avec `torch.randperm(n, generator=...)`.

# %%
def split(x, y, test_size, seed):
    # BEGIN SOLUTION
    from sklearn.model_selection import train_test_split

    return tuple(train_test_split(x, y, test_size=test_size, random_state=seed))
    # END SOLUTION


check_split(split)

# %%
x_train, x_test, y_train, y_test = or_reference(split)(x, y, 0.2, 42)
print("entraînement :", tuple(x_train.shape), "| test :", tuple(x_test.shape))

# %% [markdown]
# ## 3. Standardiser, avec les statistiques des lignes d'entraînement seulement
#
# Les variables ont des échelles très différentes (revenu ~ 4, population ~ 1400) : la descente de gradient
# diverge sans mise à l'échelle (on le verra plus bas). On centre et réduit chaque **colonne** (`dim=0`) avec
# la moyenne et l'écart-type calculés sur `x_train` — les lignes de test ne doivent rien influencer.
#
# **Exercice 3.** `standardize(x_train, x_test)` renvoie les deux tenseurs standardisés.

# %%
print("écarts-types des colonnes :", x_train.std(dim=0))


def standardize(x_train, x_test):
    # BEGIN SOLUTION
    mean = x_train.mean(dim=0, keepdim=True)
    std = x_train.std(dim=0, keepdim=True)
    return (x_train - mean) / std, (x_test - mean) / std
    # END SOLUTION


check_standardize(standardize)

# %%
x_train_s, x_test_s = or_reference(standardize)(x_train, x_test)
x_train_s, x_test_s, y_train, y_test = (t.to(device) for t in (x_train_s, x_test_s, y_train, y_test))
print("moyennes après :", x_train_s.mean(dim=0).cpu())

# %% [markdown]
# ## 4. L'estimateur linéaire et la fonction de coût
#
# **Exercice 4.** `init_params(d, device)` : `w` de forme `(1, d)` et `b` de forme `(1,)`, à zéro, en `float32`, avec
# `requires_grad=True`. Ils doivent rester des **feuilles** du graphe : créez-les directement avec
# `requires_grad=True` (`torch.randn(1, d, requires_grad=True) * 0.01` n'est plus une feuille !).

# %%
def init_params(d, device="cpu"):
    # BEGIN SOLUTION
    w = torch.zeros(1, d, dtype=torch.float32, device=device, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float32, device=device, requires_grad=True)
    return w, b
    # END SOLUTION


check_init_params(init_params)

# %% [markdown]
# **Exercice 5.** `predict(x, w, b)` : l'estimateur des transparents, `(x @ w.T) + b`.

# %%
def predict(x, w, b):
    # BEGIN SOLUTION
    return x @ w.T + b
    # END SOLUTION


check_predict(predict)

# %% [markdown]
# **Exercice 6.** `mse(pred, y)` : la moyenne des carrés des erreurs, un scalaire relié au graphe. Protégez-vous
# du piège `(n, 1)` contre `(n,)` : refusez des formes différentes (`raise ValueError(...)`).

# %%
def mse(pred, y):
    # BEGIN SOLUTION
    if pred.shape != y.shape:
        raise ValueError(f"formes différentes : {tuple(pred.shape)} et {tuple(y.shape)}")
    return ((pred - y) ** 2).mean()
    # END SOLUTION


check_mse(mse)

# %% [markdown]
# **Exercice 7.** `r2_score(pred, y)` : $R^2 = 1 - \sum (y - \hat y)^2 / \sum (y - \bar y)^2$ (1 : parfait ;
# 0 : pas mieux que prédire la moyenne).

# %%
def r2_score(pred, y):
    # BEGIN SOLUTION
    return 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    # END SOLUTION


check_r2_score(r2_score)

# %% [markdown]
# Le graphe de calcul : la perte connaît les opérations qui l'ont produite (`grad_fn`) jusqu'aux feuilles `w`
# et `b`.

# %%
w, b = course.init_params(x_train_s.shape[1], device=device)
loss = course.mse(course.predict(x_train_s, w, b), y_train)
print(loss.grad_fn, "<-", loss.grad_fn.next_functions)
loss.backward()
print("gradient de w :", w.grad)

# %% [markdown]
# ## 5. Un pas de descente de gradient
#
# **Exercice 8.** `gd_step(x, y, w, b, lr)` : calcule la perte, `backward()`, met à jour `w` et `b`
# **en place et hors du graphe** (`with torch.no_grad(): w -= lr * w.grad`), puis **remet les gradients à
# zéro** (sinon ils s'accumulent d'un `backward()` à l'autre). Renvoie la perte (`loss.item()`).
# Attention : `w = w - lr * w.grad` crée un *nouveau* tenseur, qui n'est plus une feuille.

# %%
def gd_step(x, y, w, b, lr):
    # BEGIN SOLUTION
    loss = mse(predict(x, w, b), y)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    return loss.item()
    # END SOLUTION


check_gd_step(gd_step)

# %% [markdown]
# ## 6. Un vrai critère d'arrêt
#
# « 5000 itérations ? » n'est pas un critère. On s'arrête quand :
#
# * la perte n'est plus un nombre fini (NaN, infini) ou **remonte** nettement (plus que les arrondis du float32 :
#   au-delà d'une petite marge relative, par exemple 1e-4) : la descente **diverge** → `"diverged"` ;
# * l'amélioration **relative** `(précédente - actuelle) / précédente` passe sous `tol` (une perte qui ne bouge
#   plus, un plateau, compris) → `"converged"` ;
# * sinon on continue (`None`) — et la boucle elle-même s'arrête au plafond `max_iter` → `"max_iter"`.
#
# **Exercice 9.** `should_stop(losses, tol)` reçoit la liste des pertes jusqu'ici.

# %%
def should_stop(losses, tol):
    # BEGIN SOLUTION
    current = losses[-1]
    if not math.isfinite(current):
        return "diverged"
    if len(losses) < 2:
        return None
    previous = losses[-2]
    if current > previous * (1 + 1e-4):  # marge pour les arrondis float32
        return "diverged"
    if abs(previous - current) <= tol * abs(previous):
        return "converged"
    return None
    # END SOLUTION


check_should_stop(should_stop)

# %% [markdown]
# **Exercice 10.** `gradient_descent(x, y, lr, tol, max_iter)` : part de `init_params`, enchaîne les `gd_step`,
# mémorise les pertes et s'arrête selon `should_stop` ou au plafond. Renvoie `w, b, losses, reason`.
# (`tqdm` affiche une barre de progression si `progress=True`.)

# %%
def gradient_descent(x, y, lr, tol, max_iter, progress=False):
    # BEGIN SOLUTION
    w, b = init_params(x.shape[1], x.device)
    losses, reason = [], "max_iter"
    for _ in tqdm(range(max_iter), desc="descente de gradient", leave=False, disable=not progress):
        losses.append(gd_step(x, y, w, b, lr))
        stop = should_stop(losses, tol)
        if stop is not None:
            reason = stop
            break
    return w, b, losses, reason
    # END SOLUTION


check_gradient_descent(gradient_descent)

# %% [markdown]
# Sur les vraies données standardisées (le pas maximal stable est d'environ 0,49 ici) :

# %%
lr, tol, max_iter = 0.4, 1e-6, 5000
start = time.perf_counter()
w, b, losses, reason = or_reference(gradient_descent)(x_train_s, y_train, lr, tol, max_iter, progress=True)
seconds = time.perf_counter() - start
print(f"{seconds:.3f} s —", course.explain_stop(reason, losses, lr))

plt.figure(figsize=(6, 3.5))
plt.plot(losses)
plt.yscale("log")
plt.xlabel("itération")
plt.ylabel("MSE (entraînement)")
plt.title("Descente de gradient")
plt.show()

# %% [markdown]
# Et **sans** standardiser ? Les variables à grande échelle (population, nombre de pièces) rendent le pas
# beaucoup trop grand : la perte explose, et le critère d'arrêt doit le dire.

# %%
_, _, raw_losses, raw_reason = or_reference(gradient_descent)(x_train.to(device), y_train, lr, tol, max_iter)
print(raw_reason, "—", course.explain_stop(raw_reason, raw_losses, lr))

# %% [markdown]
# ## 7. Évaluer sur les lignes de test
#
# **Exercice 11.** `evaluate(x, y, w, b)` renvoie `(mse, r2)` en nombres Python, sans construire de graphe
# (`torch.no_grad()`).

# %%
def evaluate(x, y, w, b):
    # BEGIN SOLUTION
    with torch.no_grad():
        pred = predict(x, w, b)
        return mse(pred, y).item(), r2_score(pred, y).item()
    # END SOLUTION


check_evaluate(evaluate)

# %% [markdown]
# **Exercice 12.** Calculez `test_mse, test_r2` du modèle entraîné (`w`, `b`) — sur les bonnes lignes.

# %%
# BEGIN SOLUTION
# STUB: test_mse, test_r2 = ..., ...  # À vous : avec evaluate(...)
test_mse, test_r2 = evaluate(x_test_s, y_test, w, b)
# END SOLUTION
check_test_scores(test_mse, test_r2, w, b, x_train_s, y_train, x_test_s, y_test)

# %% [markdown]
# ## 8. Comparaison avec la solution exacte de scikit-learn
#
# La régression linéaire a une solution exacte (moindres carrés) : `LinearRegression` de scikit-learn. La
# descente de gradient doit s'en approcher (écart de R² de l'ordre de 1e-4 ici).

# %%
gd_mse, gd_r2 = course.evaluate(x_test_s, y_test, w, b)
start = time.perf_counter()
cf_mse, cf_r2 = course.closed_form(x_train_s, y_train, x_test_s, y_test)
cf_seconds = time.perf_counter() - start
print(f"{'méthode':<24}{'R² test':>9}{'MSE test':>10}{'itérations':>12}{'temps (s)':>11}")
print(f"{'descente de gradient':<24}{gd_r2:>9.4f}{gd_mse:>10.4f}{len(losses):>12}{seconds:>11.3f}")
print(f"{'LinearRegression':<24}{cf_r2:>9.4f}{cf_mse:>10.4f}{'-':>12}{cf_seconds:>11.3f}")

with torch.no_grad():
    pred_test = course.predict(x_test_s, w, b).cpu().ravel()
truth = y_test.cpu().ravel()
plt.figure(figsize=(4.5, 4.5))
plt.scatter(truth, pred_test, s=3, alpha=0.3)
plt.plot([0, 5], [0, 5], color="black", linewidth=1)
plt.xlabel("valeur vraie (100 000 $)")
plt.ylabel("valeur prédite")
plt.title(f"Test : R² = {gd_r2:.3f}")
plt.show()

# %% [markdown]
# Le nuage plafonne à 5 : les prix au-delà de 500 000 $ ont été tronqués dans les données d'origine. Une droite ne
# capte pas tout (R² ≈ 0,58) — les modules suivants feront mieux avec des modèles non linéaires.
#
# Tout l'exercice en une commande : `python -m lab.regression` (options `--device`, `--test-size`, `--seed`,
# `--json`).

# %% [markdown]
# ## Où en êtes-vous ?
#
# Chaque vérification est enregistrée (dans `~/work/.progress` : le résultat, jamais votre code). Voici ce qui
# est réussi, ce qui reste à faire et le dernier indice reçu. Dans un terminal : `python -m lab.progress`.

# %%
from lab.progress import show

show("regression")
