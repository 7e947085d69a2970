# %% [markdown]
# # Module 1 — Partie 5 : `torch.optim` et mini-lots avec un `DataLoader`
#
# La conclusion du module : PyTorch fournit
#
# * une **couche d'abstraction pour l'optimisation** (`torch.optim`) : une variété de descentes de gradient
#   (SGD, Adam, ...) derrière la même interface `zero_grad()` / `step()` ;
# * une **gestion simplifiée des données** pour constituer des **mini-lots** (`Dataset`, `DataLoader`).
#
# On refait la régression de la partie 4 avec ces deux outils. La préparation des données (tenseurs float32,
# découpage, standardisation sur les lignes d'entraînement) reprend la bibliothèque du cours (`lab.regression`,
# les fonctions de la partie 4).

# %%
import time

import matplotlib.pyplot as plt
import torch
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

from lab import regression as course  # la bibliothèque du cours : les mêmes fonctions, déjà écrites
from lab.data import load_california_housing
from lab.devices import pick_device
from lab.exercises.regression import check_make_loader, check_test_scores, check_train_epoch, or_reference

device = pick_device("auto")
housing = load_california_housing()
x, y = course.to_tensors(housing.data, housing.target)
x_train, x_test, y_train, y_test = course.split(x, y, 0.2, 42)
x_train_s, x_test_s = course.standardize(x_train, x_test)
print("entraînement :", tuple(x_train_s.shape), "| test :", tuple(x_test_s.shape), "| calculs sur", device)

# %% [markdown]
# ## 1. Des mini-lots avec `DataLoader`
#
# `TensorDataset(x, y)` associe la ligne `i` de `x` à la ligne `i` de `y` ; `DataLoader(..., batch_size=64,
# shuffle=True)` les sert par paquets de 64 lignes, dans un ordre **remélangé à chaque époque**.
#
# **Exercice 1.** `make_loader(x, y, batch_size)` renvoie ce `DataLoader`.

# %%
def make_loader(x, y, batch_size):
    # BEGIN SOLUTION
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    # END SOLUTION


check_make_loader(make_loader)

# %%
# Les données restent sur le CPU ; chaque mini-lot part sur le GPU au moment de servir.
loader = or_reference(make_loader)(x_train_s, y_train, 64)
xb, yb = next(iter(loader))
print(len(loader), "mini-lots par époque ; un mini-lot :", tuple(xb.shape), tuple(yb.shape))

# %% [markdown]
# ## 2. Une époque avec un optimiseur
#
# L'optimiseur remplace la mise à jour à la main : `optimizer.zero_grad()` remet les gradients à zéro,
# `optimizer.step()` applique `w -= lr * w.grad` (pour SGD) sous `torch.no_grad()`.
#
# **Exercice 2.** `train_epoch(loader, w, b, optimizer, device=None)` : pour chaque mini-lot `(xb, yb)` (envoyé
# sur `device` s'il est donné), `zero_grad`, perte MSE de `x @ w.T + b`, `backward`, `step`. Renvoie la moyenne
# des pertes des mini-lots.

# %%
def train_epoch(loader, w, b, optimizer, device=None):
    # BEGIN SOLUTION
    total, batches = 0.0, 0
    for xb, yb in loader:
        if device is not None:
            xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = ((xb @ w.T + b - yb) ** 2).mean()
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches
    # END SOLUTION


check_train_epoch(train_epoch)

# %% [markdown]
# ## 3. Entraîner : SGD puis Adam, même boucle
#
# Changer d'algorithme de descente, c'est changer une ligne.

# %%
def fit(optimizer_class, lr, epochs=3):
    torch.manual_seed(0)  # même ordre des mini-lots pour les deux optimiseurs
    w, b = course.init_params(x_train_s.shape[1], device=device)
    optimizer = optimizer_class([w, b], lr=lr)
    losses = []
    for _ in tqdm(range(epochs), desc=optimizer_class.__name__, leave=False):
        losses.append(or_reference(train_epoch)(loader, w, b, optimizer, device))
    return w, b, losses


start = time.perf_counter()
w_sgd, b_sgd, losses_sgd = fit(torch.optim.SGD, lr=0.01)
w_adam, b_adam, losses_adam = fit(torch.optim.Adam, lr=0.01)
print(f"{time.perf_counter() - start:.2f} s pour les deux entraînements")

plt.figure(figsize=(6, 3.5))
plt.plot(range(1, len(losses_sgd) + 1), losses_sgd, marker="o", label="SGD")
plt.plot(range(1, len(losses_adam) + 1), losses_adam, marker="o", label="Adam")
plt.xlabel("époque")
plt.ylabel("MSE moyenne des mini-lots")
plt.legend()
plt.show()

# %% [markdown]
# **Exercice 3.** Calculez `test_mse, test_r2` du modèle entraîné par SGD (`w_sgd`, `b_sgd`) sur les lignes de
# test (`course.evaluate(x, y, w, b)` renvoie `(mse, r2)`). Les mini-lots rendent la descente bruitée : on tolère
# un R² un peu plus loin de la solution exacte.

# %%
x_test_d, y_test_d = x_test_s.to(device), y_test.to(device)
# BEGIN SOLUTION
# STUB: test_mse, test_r2 = ..., ...  # À vous
test_mse, test_r2 = course.evaluate(x_test_d, y_test_d, w_sgd, b_sgd)
# END SOLUTION
check_test_scores(test_mse, test_r2, w_sgd, b_sgd, x_train_s.to(device), y_train.to(device), x_test_d, y_test_d,
                  tolerance=2e-2)

# %%
exact_mse, exact_r2 = course.closed_form(x_train_s, y_train, x_test_s, y_test)
for name, (w, b) in {"SGD": (w_sgd, b_sgd), "Adam": (w_adam, b_adam)}.items():
    mse_value, r2_value = course.evaluate(x_test_d, y_test_d, w, b)
    print(f"{name:<6} R² test {r2_value:.4f}  MSE test {mse_value:.4f}")
print(f"exact  R² test {exact_r2:.4f}  MSE test {exact_mse:.4f}")

# %% [markdown]
# ## Conclusion du module
#
# PyTorch, c'est des tenseurs typés (CPU ou GPU), la différenciation automatique (autograd), une couche
# d'optimisation (`torch.optim`) et une gestion simple des mini-lots (`DataLoader`). La suite du cours construira
# des réseaux (`torch.nn`) sur ces mêmes briques.

# %% [markdown]
# ## Où en êtes-vous ?
#
# Chaque vérification est enregistrée (dans `~/work/.progress` : le résultat, jamais votre code). Voici ce qui
# est réussi, ce qui reste à faire et le dernier indice reçu. Dans un terminal : `python -m lab.progress`.

# %%
from lab.progress import show

show("regression")
