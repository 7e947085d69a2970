# %% [markdown]
# # Module 1 — Partie 3 : le gradient (autograd)
#
# Un tenseur porte aussi un champ `grad`. Quand on active `requires_grad`, PyTorch enregistre chaque opération
# dans un **graphe de calcul** ; `backward()` parcourt ce graphe à l'envers et remplit `.grad` avec les
# dérivées partielles. Si `z` est une fonction de coût, le gradient donne la direction pour la minimiser.

# %%
import torch

from lab.exercises.autograd import (
    check_derivatives,
    check_descent,
    check_f_sin,
    check_grad_sum_of_squares,
    check_graph_node_names,
    check_to_numpy,
    check_zero_grads,
)

# %% [markdown]
# L'exemple des diapositives :

# %%
a = torch.tensor(1.0)
a.requires_grad = True  # activation du champ gradient
b = torch.tensor(2.0, requires_grad=True)
z = 2 * a + b
z.backward()  # calcul des dérivées partielles de z
print("Dérivée de z/a :", a.grad.item(), " z/b :", b.grad.item())

# %% [markdown]
# **Exercice 1.** `derivatives(f, a_val, b_val)` : créez `a` et `b` (avec gradient) à partir des valeurs,
# calculez `z = f(a, b)`, et renvoyez le couple `(dz/da, dz/db)` en nombres (`.item()`). La vérification
# essaie plusieurs fonctions `f`.

# %%
def derivatives(f, a_val, b_val):
    # BEGIN SOLUTION
    a = torch.tensor(a_val, requires_grad=True)
    b = torch.tensor(b_val, requires_grad=True)
    z = f(a, b)
    z.backward()
    return a.grad.item(), b.grad.item()
    # END SOLUTION


check_derivatives(derivatives)

# %% [markdown]
# ## Seules les fonctions torch se dérivent
#
# Autograd ne connaît que les opérations PyTorch : `math.sin` ou `numpy.sin` sortent du graphe. La plupart des
# fonctions existent dans l'univers PyTorch (`torch.sin`, `torch.exp`, `torch.tanh`…).
#
# **Exercice 2.** `f_sin(a, b)` renvoie `sin(2a + b)`, dérivable par autograd.

# %%
def f_sin(a, b):
    # BEGIN SOLUTION
    return torch.sin(2 * a + b)
    # END SOLUTION


check_f_sin(f_sin)

# %% [markdown]
# ## Gradient d'un vecteur
#
# Le gradient a la même forme que le tenseur d'origine ; la perte `L` doit être un **scalaire** pour appeler
# `L.backward()`.

# %%
A = torch.rand(2, 3, requires_grad=True)
try:
    (A * 3).backward()
except RuntimeError as error:
    print("Perte non scalaire :", error)
(A * 3).sum().backward()
print(A.grad)

# %% [markdown]
# **Exercice 3.** `grad_sum_of_squares(A)` : le gradient de `L = somme des A²` par rapport à `A`, calculé
# par autograd (`A` arrive sans gradient : activez-le sur une copie, `A.clone().requires_grad_(True)`).

# %%
def grad_sum_of_squares(A):
    # BEGIN SOLUTION
    A = A.clone().requires_grad_(True)
    L = (A**2).sum()
    L.backward()
    return A.grad
    # END SOLUTION


check_grad_sum_of_squares(grad_sum_of_squares)

# %% [markdown]
# ## Attention à la syntaxe une fois le gradient activé
#
# `b.detach()` donne un tenseur détaché du graphe (même mémoire), `b.grad` le gradient. NumPy, lui, refuse un
# tenseur qui fait partie d'un graphe.
#
# **PyTorch a évolué depuis les diapositives.** Elles disent que `print(b)` échoue sur un tenseur qui demande un
# gradient (« ambigu ») et passent par `b.data` ; aujourd'hui `print(b)` marche (il affiche `requires_grad=True`).
# `b.data` existe toujours, mais c'est une porte dérobée : une modification faite à travers `.data` est
# **invisible pour autograd**, qui ne peut plus vous prévenir si elle fausse un gradient (la cellule suivante le
# montre). Pour lire des valeurs, on utilise `b.detach()` ; pour modifier des paramètres hors du graphe,
# `with torch.no_grad():`. C'est ce que fait ce notebook (et `torch.optim`).

# %%
b = torch.tensor(2.0, requires_grad=True)
print(b, b.detach())
try:
    (b * 2).numpy()
except RuntimeError as error:
    print(error)

# Le piège de .data : y = b ** 2 garde b pour calculer son gradient (2b) ; changer b ensuite...
y = b**2
with torch.no_grad():
    b_copy = b.detach().clone()
b.data.fill_(10.0)  # ...à travers .data : autograd ne voit rien
y.backward()
print("gradient obtenu :", b.grad.item(), "— attendu 2 × b d'origine :", 2 * b_copy.item(), "(faux, sans erreur)")
c = torch.tensor(2.0, requires_grad=True)
z = c**2
with torch.no_grad():
    c.fill_(10.0)  # la même modification sous no_grad() : autograd la voit...
try:
    z.backward()
except RuntimeError as error:
    print("...et refuse de calculer un gradient faux :", str(error)[:90], "…")

# %% [markdown]
# **Exercice 4.** `to_numpy(t)` : les valeurs de `t` (peut-être sur GPU, dans un graphe) en tableau NumPy.

# %%
def to_numpy(t):
    # BEGIN SOLUTION
    return t.detach().cpu().numpy()
    # END SOLUTION


check_to_numpy(to_numpy)

# %% [markdown]
# ## Accumulation du gradient
#
# Chaque appel à `backward()` **ajoute** au gradient déjà présent :

# %%
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
for i in range(3):
    z = 2 * a + b  # il faut redéfinir le coût
    z.backward()  # puis relancer le gradient = accumulation
    print(f"après {i + 1} backward : a.grad = {a.grad.item()}, b.grad = {b.grad.item()}")
a.grad.zero_()
b.grad.zero_()
print("après zero_() :", a.grad.item(), b.grad.item())

# %% [markdown]
# **Exercice 5.** `zero_grads(params)` remet à zéro les gradients d'une liste de paramètres.
# Attention : un paramètre qui n'a pas encore servi a `p.grad = None`.

# %%
def zero_grads(params):
    # BEGIN SOLUTION
    for p in params:
        if p.grad is not None:
            p.grad.zero_()
    # END SOLUTION


check_zero_grads(zero_grads)

# %% [markdown]
# ## Mettre à jour des paramètres : hors du graphe
#
# Une étape de descente de gradient : `w ← w - lr * w.grad`. Deux pièges :
#
# * `w -= lr * w.grad` tel quel modifie **en place** une feuille qui demande un gradient : autograd refuse ;
# * `w = w - lr * w.grad` crée un **nouveau** tenseur, résultat d'un calcul : ce n'est plus une feuille, son
#   `.grad` reste `None` à l'étape suivante.

# %%
w = torch.tensor([1.0, -2.0], requires_grad=True)
(w**2).sum().backward()
try:
    w -= 0.1 * w.grad
except RuntimeError as error:
    print("En place :", error)
new = w - 0.1 * w.grad
print("w = w - lr * w.grad : feuille ?", new.is_leaf, "— gradient :", new.grad)

# %% [markdown]
# **Exercice 6.** `descent(w, loss_fn, lr, n_steps)` fait `n_steps` étapes de descente de gradient sur `w`
# (une feuille avec `requires_grad=True`) **en le modifiant en place** : calculez `L = loss_fn(w)`, `L.backward()`,
# mettez à jour `w` sous `torch.no_grad()`, et remettez le gradient à zéro. La vérification
# trace ensuite la courbe de la perte de votre descente.

# %%
def descent(w, loss_fn, lr, n_steps):
    # BEGIN SOLUTION
    for _ in range(n_steps):
        L = loss_fn(w)
        L.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
    # END SOLUTION


check_descent(descent, plot=True)

# %% [markdown]
# ## Le graphe de calcul
#
# Le graphe est orienté : des entrées (les feuilles) vers le résultat. Chaque tenseur calculé garde son nœud
# `grad_fn` ; `grad_fn.next_functions` donne les nœuds précédents (`None` pour une constante, `AccumulateGrad`
# pour une feuille qui reçoit un gradient).

# %%
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
z = torch.sin(2 * a + b)
print(z.grad_fn.name())
print(z.grad_fn.next_functions)
print(z.grad_fn.next_functions[0][0].next_functions)

# %% [markdown]
# **Exercice 7.** `graph_node_names(z)` renvoie la liste des noms (`node.name()`) de tous les nœuds du graphe
# de `z`, chacun une seule fois, en partant de `z.grad_fn`.

# %%
def graph_node_names(z):
    # BEGIN SOLUTION
    seen, to_visit, names = set(), [z.grad_fn], []
    while to_visit:
        node = to_visit.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        to_visit.extend(child for child, _ in node.next_functions)
    return names
    # END SOLUTION


check_graph_node_names(graph_node_names)

# %% [markdown]
# ## Où en êtes-vous ?
#
# Chaque vérification est enregistrée (dans `~/work/.progress` : le résultat, jamais votre code). Voici ce qui
# est réussi, ce qui reste à faire et le dernier indice reçu. Dans un terminal : `python -m lab.progress`.

# %%
from lab.progress import show

show("autograd")
