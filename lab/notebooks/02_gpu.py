# %% [markdown]
# # Module 1 — Partie 2 : calculer sur GPU
#
# Le GPU n'est pas le sujet premier du cours, mais il a un intérêt évident : les calculs matriciels s'y
# parallélisent très bien. Un tenseur vit dans **une** mémoire, celle de son *device* (`cpu` ou `cuda`) ;
# une opération exige que tous ses tenseurs soient sur le même device, et **le transfert entre les mémoires
# coûte cher**.
#
# Ce notebook tourne aussi sans GPU : les vérifications simulent un GPU (des tenseurs qui se disent sur `cuda:0`
# et en respectent les règles) et la mesure compare alors avec une copie en mémoire centrale.

# %%
import time

import matplotlib.pyplot as plt
import torch

from lab.exercises.gpu import (
    check_add_on_device,
    check_choose_device,
    check_estimated_transfer_time,
    check_move_to,
    check_time_on_device,
    measure_copy,
)

print("GPU disponible :", torch.cuda.is_available())
if torch.cuda.is_available():
    print(torch.cuda.get_device_name(0))
else:
    print("Pas de GPU ici : tout tourne sur CPU (c'est normal sur un portable ou un Colab sans GPU).")

# %% [markdown]
# **Exercice 1.** `choose_device()` renvoie `torch.device("cuda")` si un GPU est disponible, sinon
# `torch.device("cpu")`. Le même code marche alors partout.

# %%
def choose_device():
    # BEGIN SOLUTION
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    # END SOLUTION


check_choose_device(choose_device)

# %% [markdown]
# `x.to(device)` **renvoie** un tenseur sur `device` ; `x` lui-même ne bouge pas. C'est une copie quand `x`
# était ailleurs ; quand `x` y est déjà, `.to()` renvoie `x` lui-même, sans copie (`x.to("cpu") is x` pour un
# tenseur du CPU).

# %%
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.rand(3, 4)
y = x.to(device)
print(x.device, y.device)
print("x.to('cpu') is x :", x.to("cpu") is x, "— x.to('cpu', copy=True) is x :", x.to("cpu", copy=True) is x)

# %% [markdown]
# **Exercice 2.** `move_to(x, device)` renvoie `x` sur `device`.

# %%
def move_to(x, device):
    # BEGIN SOLUTION
    return x.to(device)
    # END SOLUTION


check_move_to(move_to)

# %% [markdown]
# **Exercice 3.** `add_on_device(a, b)` : `a` est sur un device (peut-être le GPU), `b` sur le CPU.
# Calculez `a + b` sur le device de `a`.

# %%
def add_on_device(a, b):
    # BEGIN SOLUTION
    return a + b.to(a.device)
    # END SOLUTION


check_add_on_device(add_on_device)

# %% [markdown]
# ## Ce que coûte un transfert
#
# Mesurons l'aller (CPU → device) et le retour d'un bloc de données, pour plusieurs tailles. Sur GPU, on
# appelle `torch.cuda.synchronize()` avant de lire l'horloge : les opérations CUDA sont asynchrones.
# (Le banc d'essai complet est `scripts/bench_transfer.py`.)

# %%
sizes = [10**4, 10**5, 10**6, 10**7]
timings = [measure_copy(size_bytes, device) for size_bytes in sizes]
for m in timings:
    print(f"{m['n_bytes'] / 1e6:8.2f} Mo : aller {m['to_device_s'] * 1e3:8.3f} ms ({m['to_device_gb_s']:6.2f} Go/s), "
          f"retour {m['to_cpu_s'] * 1e3:8.3f} ms ({m['to_cpu_gb_s']:6.2f} Go/s)")

where = "GPU" if device.type == "cuda" else "CPU"
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(sizes, [m["to_device_gb_s"] for m in timings], "o-", label=f"aller : CPU → {where}")
ax.loglog(sizes, [m["to_cpu_gb_s"] for m in timings], "s-", label=f"retour : {where} → CPU")
ax.set_xlabel("taille (octets)")
ax.set_ylabel("débit (Go/s)")
ax.set_title("Transfert GPU" if device.type == "cuda" else "Sans GPU : copie en mémoire centrale")
ax.legend()
plt.show()

# %% [markdown]
# Les petits transferts ont un coût fixe (latence) : leur débit est faible. Conclusion pratique : mettez les
# données et le modèle sur le GPU **une fois**, et évitez les allers-retours dans une boucle.
#
# **Exercice 4.** `estimated_transfer_time(x, gigabytes_per_s)` : le temps (en secondes) pour transférer les
# données de `x` à un débit de `gigabytes_per_s` Go/s — des giga**octets** par seconde (1 Go = 1e9 octets),
# pas des gigabits (Gbit/s, 8 fois moins).

# %%
def estimated_transfer_time(x, gigabytes_per_s):
    # BEGIN SOLUTION
    return x.numel() * x.element_size() / (gigabytes_per_s * 1e9)
    # END SOLUTION


check_estimated_transfer_time(estimated_transfer_time)

# %% [markdown]
# Par exemple, les données de la régression de la partie 4 (20 640 lignes × 8 colonnes en float32) :

# %%
data = torch.zeros(20640, 8)
bandwidth = timings[-1]["to_device_gb_s"]
print(f"{data.numel() * data.element_size() / 1e6:.2f} Mo, environ "
      f"{data.numel() * data.element_size() / (bandwidth * 1e9) * 1e3:.3f} ms à {bandwidth:.1f} Go/s")

# %% [markdown]
# ## Chronométrer un calcul sur GPU
#
# Sur GPU, une opération est **asynchrone** : `a @ a` rend la main dès que le calcul est *lancé*, pendant que le
# GPU travaille. Pour mesurer le calcul lui-même, il faut attendre le GPU avec `torch.cuda.synchronize()` :
# **avant** de démarrer le chronomètre (pour ne pas compter le travail déjà en file) et **après** l'appel (pour
# attendre sa fin). Sur CPU, il n'y a rien à attendre — et sur une machine sans GPU, `torch.cuda.synchronize()`
# lève une erreur : ne synchronisez que si `device.type == "cuda"`.
#
# **Exercice 5.** `time_on_device(fn, device)` renvoie la durée, en secondes, d'un appel `fn()` qui calcule sur
# `device` (mesurée avec `time.perf_counter()`). La vérification simule un GPU asynchrone : elle voit si un
# `synchronize()` manque, même sur une machine sans GPU.

# %%
def time_on_device(fn, device):
    # BEGIN SOLUTION
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start
    # END SOLUTION


check_time_on_device(time_on_device)

# %% [markdown]
# Un produit de matrices 1000 × 1000 sur `device`, avec votre fonction :

# %%
m = torch.rand(1000, 1000, device=device)
m @ m  # premier appel : initialisations
try:
    print(f"{device} : {time_on_device(lambda: m @ m, device) * 1e3:.2f} ms")
except NotImplementedError:
    print("Écrivez time_on_device (exercice 5) pour voir la mesure.")

# %% [markdown]
# ## Où en êtes-vous ?
#
# Chaque vérification est enregistrée (dans `~/work/.progress` : le résultat, jamais votre code). Voici ce qui
# est réussi, ce qui reste à faire et le dernier indice reçu. Dans un terminal : `python -m lab.progress`.

# %%
from lab.progress import show

show("gpu")
