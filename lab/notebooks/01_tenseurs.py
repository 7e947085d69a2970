# %% [markdown]
# # Module 1 — Partie 1 : les tenseurs
#
# Une matrice est idéale pour stocker des données (ligne = individu, colonne = descripteur). En PyTorch, tout
# est un `torch.Tensor` : c'est ce qui permet de passer sur GPU et de calculer des gradients.
#
# La philosophie : **des opérateurs de haut niveau sur les matrices, pas des boucles**.
#
# Chaque exercice se termine par un `check_...(...)` qui teste votre code sur des données tirées au hasard.

# %%
import time

import torch

from lab.exercises.tensors import *  # les fonctions check_... qui vérifient vos réponses

torch.manual_seed(0)

# %% [markdown]
# ## 1. Créer des tenseurs
#
# `torch.tensor` (depuis une liste), `torch.arange` + `reshape`, `torch.zeros_like`, `torch.rand` :

# %%
x = torch.arange(12).reshape(4, 3)
print(x)
print(torch.zeros_like(x))
print(torch.rand(2, 3))
print(torch.tensor([[2, 4, 6], [3, 6, 9]]))

# %% [markdown]
# **Exercice 1.** `grid(n_rows, n_cols)` renvoie la matrice `0, 1, 2, …` rangée ligne par ligne
# (pour `grid(4, 3)`, la matrice ci-dessus).

# %%
def grid(n_rows, n_cols):
    # BEGIN SOLUTION
    return torch.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    # END SOLUTION


check_grid(grid)

# %% [markdown]
# **Exercice 2.** `make_zeros_like(x)` renvoie un tenseur de zéros de même forme, même type et même device que `x`.

# %%
def make_zeros_like(x):
    # BEGIN SOLUTION
    return torch.zeros_like(x)
    # END SOLUTION


check_make_zeros_like(make_zeros_like)

# %% [markdown]
# ## 2. Types et mémoire
#
# Les tenseurs sont typés, et le type fixe la place en mémoire. Le plus souvent, on cherche à **gagner de la
# place** : c'est tout l'enjeu de la quantification des LLM. `x.element_size()` donne la taille d'une valeur en
# octets, `x.dtype` son type.

# %%
for dtype in [torch.float64, torch.float32, torch.float16, torch.int8, torch.int16]:
    print(f"{str(dtype):14} : {torch.finfo(dtype).bits if dtype.is_floating_point else torch.iinfo(dtype).bits} bits")

# %% [markdown]
# **Exercice 3 — combien pèse un réel ?** Complétez le dictionnaire : combien d'**octets** par valeur ?

# %%
# BEGIN SOLUTION
# STUB: bytes_per_value = {torch.float64: ..., torch.float32: ..., torch.float16: ..., torch.int8: ...}
bytes_per_value = {torch.float64: 8, torch.float32: 4, torch.float16: 2, torch.int8: 1}
# END SOLUTION
check_bytes_per_value(bytes_per_value)

# %% [markdown]
# **Exercice 4.** `size_in_bytes(x)` : la place occupée par les données d'un tenseur (`x.numel()` compte les
# valeurs).

# %%
def size_in_bytes(x):
    # BEGIN SOLUTION
    return x.numel() * x.element_size()
    # END SOLUTION


check_size_in_bytes(size_in_bytes)

# %% [markdown]
# **Exercice 5 — combien de valeurs possibles sur 4 bits ?** `values_with_n_bits(n)`.

# %%
def values_with_n_bits(n):
    # BEGIN SOLUTION
    return 2**n
    # END SOLUTION


check_values_with_n_bits(values_with_n_bits)

# %% [markdown]
# **Exercice 6 — la mémoire d'un LLM.** Un modèle de 7 milliards de paramètres : combien de Go en float32, en
# float16, en int8, en 4 bits ? `model_memory_gb(n_params, bits)` renvoie la place des paramètres en Go
# (1 Go = 1e9 octets) quand chacun est codé sur `bits` bits.

# %%
def model_memory_gb(n_params, bits):
    # BEGIN SOLUTION
    return n_params * bits / 8 / 1e9
    # END SOLUTION


check_model_memory_gb(model_memory_gb)

# %% [markdown]
# ## 3. Quantifier : des réels en int8
#
# Un `int8` vaut de -128 à 127. Pour stocker des réels en int8 (4 fois moins de place qu'en float32), on choisit
# une **échelle** : `scale = max|x| / 127`, puis `q = arrondi(x / scale)` ; on retrouve `x ≈ q * scale`.
# Attention :
#
# * convertir un réel en entier **tronque** (vers 0) ;
# * convertir en int8 un réel **hors de [-128, 127]** n'a pas de résultat défini : il dépend du processeur
#   (sur x86, 128.0 devient souvent -128 ; sur ARM, on peut obtenir autre chose). Il faut donc choisir l'échelle
#   pour que cela n'arrive jamais ;
# * entre entiers int8, en revanche, le débordement est défini : le calcul « fait le tour », 127 + 1 = -128.

# %%
print(torch.tensor([1.7, -1.7, 100.0]).to(torch.int8))  # tronque vers 0
print(torch.tensor([127, 1], dtype=torch.int8) + torch.tensor([1, 1], dtype=torch.int8))  # 127 + 1 fait le tour

# %% [markdown]
# **Exercice 7.** `quantize_int8(x)` renvoie le couple `(q, scale)` : `q` de type `torch.int8`, et
# l'erreur `|q * scale - x|` doit rester sous `scale / 2`.

# %%
def quantize_int8(x):
    # BEGIN SOLUTION
    scale = x.abs().max().item() / 127
    q = torch.round(x / scale).clamp(-127, 127).to(torch.int8)
    return q, scale
    # END SOLUTION


check_quantize_int8(quantize_int8)

# %% [markdown]
# ## 4. Accéder aux valeurs : des motifs, pas des boucles
#
# `x[i, j]`, `x[:, j]` (une colonne), `x[::2]` (une ligne sur deux), `x[:, ::2]` (une colonne sur deux),
# `x[x > 0]` (un **masque** de booléens). La différence de temps avec une boucle Python :

# %%
big = torch.rand(200, 200)
start = time.perf_counter()
loop = torch.stack([torch.stack([big[i, j] for j in range(0, 200, 2)]) for i in range(200)])
t_loop = time.perf_counter() - start
start = time.perf_counter()
pattern = big[:, ::2]
t_pattern = time.perf_counter() - start
print(f"boucle : {t_loop * 1e3:.1f} ms, motif : {t_pattern * 1e3:.3f} ms, mêmes valeurs : {torch.equal(loop, pattern)}")

# %% [markdown]
# **Exercice 8.** `every_other_column(x)` : les colonnes 0, 2, 4, … (la vérification détecte les boucles).

# %%
def every_other_column(x):
    # BEGIN SOLUTION
    return x[:, ::2]
    # END SOLUTION


check_every_other_column(every_other_column)

# %% [markdown]
# **Exercice 9.** `positives_only(x)` : les valeurs strictement positives de `x` (un tenseur 1D), avec un
# masque.

# %%
def positives_only(x):
    # BEGIN SOLUTION
    return x[x > 0]
    # END SOLUTION


check_positives_only(positives_only)

# %% [markdown]
# ## 5. Calcul entre matrices
#
# `+ - * / **` agissent **terme à terme** (avec un scalaire ou entre matrices de même forme) ; `@` est le
# **produit matriciel**.

# %%
x = torch.tensor([[2, 4, 6], [3, 6, 9]])
y = x + 2
print(y)
print(x * y)
print(x @ torch.tensor([[1], [2], [3]]))

# %% [markdown]
# **Exercice 10.** `elementwise(x)` : `y = x + 2` puis `z = x * y`, comme ci-dessus.

# %%
def elementwise(x):
    # BEGIN SOLUTION
    y = x + 2
    return x * y
    # END SOLUTION


check_elementwise(elementwise)

# %% [markdown]
# **Exercice 11.** `matrix_product(x, w)` avec `x` de forme `(n, d)` et `w` de forme `(d, 1)` : le résultat
# est de forme `(n, 1)`.

# %%
def matrix_product(x, w):
    # BEGIN SOLUTION
    return x @ w
    # END SOLUTION


check_matrix_product(matrix_product)

# %% [markdown]
# Les autres opérateurs terme à terme, `-`, `/` et `**`, et les réductions `min` / `max` par axe (qui renvoient
# `.values` et `.indices`) :

# %%
x = torch.tensor([[2.0, 4.0, 6.0], [3.0, 6.0, 9.0]])
print(x - 1, x / 2, x**2, sep="\n")
print("minimum de chaque colonne :", x.min(0).values, "— minimum global :", x.min())

# %% [markdown]
# **Exercice 12.** `min_max_scale(x)` ramène chaque **colonne** de `x` entre 0 et 1 :
# `(x - minimum de la colonne) / (maximum de la colonne - minimum de la colonne)`.

# %%
def min_max_scale(x):
    # BEGIN SOLUTION
    low, high = x.min(0).values, x.max(0).values
    return (x - low) / (high - low)
    # END SOLUTION


check_min_max_scale(min_max_scale)

# %% [markdown]
# **Exercice 13.** `squared_distance(x, y)` : pour deux matrices de même forme `(n, d)`, la distance au carré entre
# la ligne `i` de `x` et la ligne `i` de `y`, pour chaque `i` (un vecteur de forme `(n,)`).

# %%
def squared_distance(x, y):
    # BEGIN SOLUTION
    return ((x - y) ** 2).sum(1)
    # END SOLUTION


check_squared_distance(squared_distance)

# %% [markdown]
# ## 6. En place (ou pas)
#
# `b = torch.sin(a)` crée un nouveau tenseur ; `a.sin_()` (ou `torch.sin_(a)`) modifie `a` dans sa mémoire —
# le `_` final signale une opération **en place**. On gagne de la mémoire, mais on écrase la valeur d'origine,
# dont autograd peut avoir besoin :

# %%
a = torch.rand(3)
address = a.data_ptr()
b = torch.sin(a)
print("sin(a) : nouvelle mémoire ?", b.data_ptr() != address)
a.add_(b)
print("a.add_(b) : même mémoire ?", a.data_ptr() == address)
leaf = torch.rand(3, requires_grad=True)
try:
    leaf.sin_()
except RuntimeError as error:
    print("En place sur un tenseur qui demande un gradient :", error)

# %% [markdown]
# **Exercice 14.** `sin_in_place(a)` applique le sinus **en place** et renvoie `a`.

# %%
def sin_in_place(a):
    # BEGIN SOLUTION
    return a.sin_()
    # END SOLUTION


check_sin_in_place(sin_in_place)

# %% [markdown]
# **Exercice 15.** `add_out_of_place(a, b)` renvoie `a + b` **sans modifier** `a`.

# %%
def add_out_of_place(a, b):
    # BEGIN SOLUTION
    return a + b
    # END SOLUTION


check_add_out_of_place(add_out_of_place)

# %% [markdown]
# ## 7. Calculs agrégatifs
#
# `x.sum(1)` réduit l'axe 1 (les colonnes) : une valeur **par ligne**. `x.sum(0)` réduit l'axe 0 : une valeur
# **par colonne**. Même chose pour `mean`, `min`, `max` (ces deux derniers renvoient aussi les positions :
# `.values`, `.indices`).

# %%
x = torch.tensor([[2, 4, 6], [3, 6, 9]])
print("par ligne :", x.sum(1), "par colonne :", x.sum(0), "total :", x.sum())
print("colonnes 0 et 2, par ligne :", x[:, ::2].sum(1))
print(x.max(1))

# %% [markdown]
# **Exercice 16.** `sum_per_row(x)` : la **somme** de chaque ligne (une valeur par ligne) ; `mean_per_column(x)` :
# la **moyenne** de chaque colonne (une valeur par colonne).

# %%
def sum_per_row(x):
    # BEGIN SOLUTION
    return x.sum(1)
    # END SOLUTION


check_sum_per_row(sum_per_row)

# %%
def mean_per_column(x):
    # BEGIN SOLUTION
    return x.mean(0)
    # END SOLUTION


check_mean_per_column(mean_per_column)

# %% [markdown]
# **Exercice 17.** Le maximum de chaque ligne (seulement les valeurs), puis la somme des colonnes 0, 2, 4, …
# pour chaque ligne.

# %%
def max_per_row(x):
    # BEGIN SOLUTION
    return x.max(1).values
    # END SOLUTION


check_max_per_row(max_per_row)

# %%
def sum_even_columns(x):
    # BEGIN SOLUTION
    return x[:, ::2].sum(1)
    # END SOLUTION


check_sum_even_columns(sum_even_columns)

# %% [markdown]
# ## 8. `squeeze` / `unsqueeze` : la dimension du lot
#
# Un modèle attend un **lot** d'exemples (*batch* en anglais ; à l'entraînement, on parlera de *mini-lots*) :
# une image `(3, 226, 226)` doit devenir `(1, 3, 226, 226)` (`unsqueeze(0)`).
# À la sortie, on retire la dimension du lot pour analyser un individu (`squeeze(0)`). Attention :
# `squeeze()` sans argument retire **toutes** les dimensions de taille 1.

# %%
a = torch.rand(3, 226, 226)
b = a.unsqueeze(0)
print(a.shape, b.shape)
gray = torch.rand(1, 1, 28, 28)  # un lot d'une image en niveaux de gris
print(gray.squeeze(0).shape, "mais", gray.squeeze().shape)

# %% [markdown]
# **Exercice 18.** `add_batch_dim(image)` ajoute la dimension du lot ; `remove_batch_dim(output)` la retire, et
# seulement elle.

# %%
def add_batch_dim(image):
    # BEGIN SOLUTION
    return image.unsqueeze(0)
    # END SOLUTION


check_add_batch_dim(add_batch_dim)

# %%
def remove_batch_dim(output):
    # BEGIN SOLUTION
    return output.squeeze(0)
    # END SOLUTION


check_remove_batch_dim(remove_batch_dim)

# %% [markdown]
# ## Où en êtes-vous ?
#
# Chaque vérification est enregistrée (dans `~/work/.progress` : le résultat, jamais votre code). Voici ce qui
# est réussi, ce qui reste à faire et le dernier indice reçu. Dans un terminal : `python -m lab.progress`.

# %%
from lab.progress import show

show("tensors")
