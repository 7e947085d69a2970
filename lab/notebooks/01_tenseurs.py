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

from lab.exercises.tenseurs import (
    check_ajouter_hors_place,
    check_en_batch,
    check_grille,
    check_max_par_ligne,
    check_moyenne_par_colonne,
    check_octets_par_valeur,
    check_poids_en_octets,
    check_positifs_seulement,
    check_produit_matriciel,
    check_quantifier_int8,
    check_sans_batch,
    check_sinus_sur_place,
    check_somme_colonnes_paires,
    check_somme_par_ligne,
    check_terme_a_terme,
    check_une_colonne_sur_deux,
    check_valeurs_sur_n_bits,
    check_zeros_comme,
)

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
# **Exercice 1.** `grille(n_lignes, n_colonnes)` renvoie la matrice `0, 1, 2, …` rangée ligne par ligne
# (pour `grille(4, 3)`, la matrice ci-dessus).

# %%
def grille(n_lignes, n_colonnes):
    # BEGIN SOLUTION
    return torch.arange(n_lignes * n_colonnes).reshape(n_lignes, n_colonnes)
    # END SOLUTION


check_grille(grille)

# %% [markdown]
# **Exercice 2.** `zeros_comme(x)` renvoie un tenseur de zéros de même forme, même type et même device que `x`.

# %%
def zeros_comme(x):
    # BEGIN SOLUTION
    return torch.zeros_like(x)
    # END SOLUTION


check_zeros_comme(zeros_comme)

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
# STUB: octets_par_valeur = {torch.float64: ..., torch.float32: ..., torch.float16: ..., torch.int8: ...}
octets_par_valeur = {torch.float64: 8, torch.float32: 4, torch.float16: 2, torch.int8: 1}
# END SOLUTION
check_octets_par_valeur(octets_par_valeur)

# %% [markdown]
# **Exercice 4.** `poids_en_octets(x)` : la place occupée par les données d'un tenseur (`x.numel()` compte les
# valeurs).

# %%
def poids_en_octets(x):
    # BEGIN SOLUTION
    return x.numel() * x.element_size()
    # END SOLUTION


check_poids_en_octets(poids_en_octets)

# %% [markdown]
# **Exercice 5 — combien de valeurs possibles sur 4 bits ?** `valeurs_sur_n_bits(n)`.

# %%
def valeurs_sur_n_bits(n):
    # BEGIN SOLUTION
    return 2**n
    # END SOLUTION


check_valeurs_sur_n_bits(valeurs_sur_n_bits)

# %% [markdown]
# ## 3. Quantifier : des réels en int8
#
# Un `int8` vaut de -128 à 127. Pour stocker des réels en int8 (4 fois moins de place qu'en float32), on choisit
# une **échelle** : `echelle = max|x| / 127`, puis `q = arrondi(x / echelle)` ; on retrouve `x ≈ q * echelle`.
# Attention : convertir un réel trop grand en int8 **déborde**, et convertir en entier **tronque**.

# %%
print(torch.tensor([1.7, -1.7, 100.0]).to(torch.int8))  # tronque vers 0
print(torch.tensor([127, 1], dtype=torch.int8) + torch.tensor([1, 1], dtype=torch.int8))  # 127 + 1 déborde

# %% [markdown]
# **Exercice 6.** `quantifier_int8(x)` renvoie le couple `(q, echelle)` : `q` de type `torch.int8`, et
# l'erreur `|q * echelle - x|` doit rester sous `echelle / 2`.

# %%
def quantifier_int8(x):
    # BEGIN SOLUTION
    echelle = x.abs().max().item() / 127
    q = torch.round(x / echelle).clamp(-127, 127).to(torch.int8)
    return q, echelle
    # END SOLUTION


check_quantifier_int8(quantifier_int8)

# %% [markdown]
# ## 4. Accéder aux valeurs : des motifs, pas des boucles
#
# `x[i, j]`, `x[:, j]` (une colonne), `x[::2]` (une ligne sur deux), `x[:, ::2]` (une colonne sur deux),
# `x[x > 0]` (un **masque** de booléens). La différence de temps avec une boucle Python :

# %%
grand = torch.rand(200, 200)
debut = time.perf_counter()
boucle = torch.stack([torch.stack([grand[i, j] for j in range(0, 200, 2)]) for i in range(200)])
t_boucle = time.perf_counter() - debut
debut = time.perf_counter()
motif = grand[:, ::2]
t_motif = time.perf_counter() - debut
print(f"boucle : {t_boucle * 1e3:.1f} ms, motif : {t_motif * 1e3:.3f} ms, mêmes valeurs : {torch.equal(boucle, motif)}")

# %% [markdown]
# **Exercice 7.** `une_colonne_sur_deux(x)` : les colonnes 0, 2, 4, … (la vérification détecte les boucles).

# %%
def une_colonne_sur_deux(x):
    # BEGIN SOLUTION
    return x[:, ::2]
    # END SOLUTION


check_une_colonne_sur_deux(une_colonne_sur_deux)

# %% [markdown]
# **Exercice 8.** `positifs_seulement(x)` : les valeurs strictement positives de `x` (un tenseur 1D), avec un
# masque.

# %%
def positifs_seulement(x):
    # BEGIN SOLUTION
    return x[x > 0]
    # END SOLUTION


check_positifs_seulement(positifs_seulement)

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
# **Exercice 9.** `terme_a_terme(x)` : `y = x + 2` puis `z = x * y`, comme ci-dessus.

# %%
def terme_a_terme(x):
    # BEGIN SOLUTION
    y = x + 2
    return x * y
    # END SOLUTION


check_terme_a_terme(terme_a_terme)

# %% [markdown]
# **Exercice 10.** `produit_matriciel(x, w)` avec `x` de forme `(n, d)` et `w` de forme `(d, 1)` : le résultat
# est de forme `(n, 1)`.

# %%
def produit_matriciel(x, w):
    # BEGIN SOLUTION
    return x @ w
    # END SOLUTION


check_produit_matriciel(produit_matriciel)

# %% [markdown]
# ## 6. En place (ou pas)
#
# `b = torch.sin(a)` crée un nouveau tenseur ; `a.sin_()` (ou `torch.sin_(a)`) modifie `a` dans sa mémoire —
# le `_` final signale une opération **en place**. On gagne de la mémoire, mais on écrase la valeur d'origine,
# dont autograd peut avoir besoin :

# %%
a = torch.rand(3)
adresse = a.data_ptr()
b = torch.sin(a)
print("sin(a) : nouvelle mémoire ?", b.data_ptr() != adresse)
a.add_(b)
print("a.add_(b) : même mémoire ?", a.data_ptr() == adresse)
feuille = torch.rand(3, requires_grad=True)
try:
    feuille.sin_()
except RuntimeError as erreur:
    print("En place sur un tenseur qui demande un gradient :", erreur)

# %% [markdown]
# **Exercice 11.** `sinus_sur_place(a)` applique le sinus **en place** et renvoie `a`.

# %%
def sinus_sur_place(a):
    # BEGIN SOLUTION
    return a.sin_()
    # END SOLUTION


check_sinus_sur_place(sinus_sur_place)

# %% [markdown]
# **Exercice 12.** `ajouter_hors_place(a, b)` renvoie `a + b` **sans modifier** `a`.

# %%
def ajouter_hors_place(a, b):
    # BEGIN SOLUTION
    return a + b
    # END SOLUTION


check_ajouter_hors_place(ajouter_hors_place)

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
# **Exercice 13.** Une valeur par ligne, une valeur par colonne.

# %%
def somme_par_ligne(x):
    # BEGIN SOLUTION
    return x.sum(1)
    # END SOLUTION


check_somme_par_ligne(somme_par_ligne)

# %%
def moyenne_par_colonne(x):
    # BEGIN SOLUTION
    return x.mean(0)
    # END SOLUTION


check_moyenne_par_colonne(moyenne_par_colonne)

# %% [markdown]
# **Exercice 14.** Le maximum de chaque ligne (seulement les valeurs), puis la somme des colonnes 0, 2, 4, …
# pour chaque ligne.

# %%
def max_par_ligne(x):
    # BEGIN SOLUTION
    return x.max(1).values
    # END SOLUTION


check_max_par_ligne(max_par_ligne)

# %%
def somme_colonnes_paires(x):
    # BEGIN SOLUTION
    return x[:, ::2].sum(1)
    # END SOLUTION


check_somme_colonnes_paires(somme_colonnes_paires)

# %% [markdown]
# ## 8. `squeeze` / `unsqueeze` : la dimension du batch
#
# Un modèle attend un **batch** : une image `(3, 226, 226)` doit devenir `(1, 3, 226, 226)` (`unsqueeze(0)`).
# À la sortie, on retire la dimension du batch pour analyser un individu (`squeeze(0)`). Attention :
# `squeeze()` sans argument retire **toutes** les dimensions de taille 1.

# %%
a = torch.rand(3, 226, 226)
b = a.unsqueeze(0)
print(a.shape, b.shape)
gris = torch.rand(1, 1, 28, 28)  # un batch d'une image en niveaux de gris
print(gris.squeeze(0).shape, "mais", gris.squeeze().shape)

# %% [markdown]
# **Exercice 15.** `en_batch(image)` ajoute la dimension du batch ; `sans_batch(sortie)` la retire, et
# seulement elle.

# %%
def en_batch(image):
    # BEGIN SOLUTION
    return image.unsqueeze(0)
    # END SOLUTION


check_en_batch(en_batch)

# %%
def sans_batch(sortie):
    # BEGIN SOLUTION
    return sortie.squeeze(0)
    # END SOLUTION


check_sans_batch(sans_batch)
