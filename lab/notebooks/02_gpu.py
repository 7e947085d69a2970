# %% [markdown]
# # Module 1 — Partie 2 : calculer sur GPU
#
# Le GPU n'est pas le sujet premier du cours, mais il a un intérêt évident : les calculs matriciels s'y
# parallélisent très bien. Un tenseur vit dans **une** mémoire, celle de son *device* (`cpu` ou `cuda`) ;
# une opération exige que tous ses tenseurs soient sur le même device, et **le transfert entre les mémoires
# coûte cher**.
#
# Ce notebook tourne aussi sans GPU : les vérifications simulent un GPU (le device `meta`, un device sans
# données) et la mesure compare alors avec une copie en mémoire centrale.

# %%
import matplotlib.pyplot as plt
import torch

from lab.exercises.gpu import (
    check_add_on_device,
    check_choose_device,
    check_estimated_transfer_time,
    check_move_to,
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
# `x.to(device)` **renvoie une copie** sur `device` ; `x` lui-même ne bouge pas.

# %%
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.rand(3, 4)
y = x.to(device)
print(x.device, y.device)

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

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(sizes, [m["to_device_gb_s"] for m in timings], "o-", label=f"CPU → {device}")
ax.loglog(sizes, [m["to_cpu_gb_s"] for m in timings], "s-", label=f"{device} → CPU")
ax.set_xlabel("taille (octets)")
ax.set_ylabel("débit (Go/s)")
ax.set_title("Transfert GPU" if device.type == "cuda" else "Sans GPU : copie en mémoire centrale")
ax.legend()
plt.show()

# %% [markdown]
# Les petits transferts ont un coût fixe (latence) : leur débit est faible. Conclusion pratique : mettez les
# données et le modèle sur le GPU **une fois**, et évitez les allers-retours dans une boucle.
#
# **Exercice 4.** `estimated_transfer_time(x, bandwidth_gbps)` : le temps (en secondes) pour transférer les données
# de `x` à `bandwidth_gbps` Go/s (1 Go = 1e9 octets).

# %%
def estimated_transfer_time(x, bandwidth_gbps):
    # BEGIN SOLUTION
    return x.numel() * x.element_size() / (bandwidth_gbps * 1e9)
    # END SOLUTION


check_estimated_transfer_time(estimated_transfer_time)

# %% [markdown]
# Par exemple, les données de la régression de la partie 4 (20 640 lignes × 8 colonnes en float32) :

# %%
data = torch.zeros(20640, 8)
bandwidth = timings[-1]["to_device_gb_s"]
print(f"{data.numel() * data.element_size() / 1e6:.2f} Mo, environ "
      f"{data.numel() * data.element_size() / (bandwidth * 1e9) * 1e3:.3f} ms à {bandwidth:.1f} Go/s")
