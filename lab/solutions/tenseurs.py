"""Reference solutions, part 01 (tenseurs): creating, typing, indexing and reducing tensors without loops."""

from __future__ import annotations

import torch

octets_par_valeur = {torch.float64: 8, torch.float32: 4, torch.float16: 2, torch.int8: 1}


def grille(n_lignes: int, n_colonnes: int) -> torch.Tensor:
    return torch.arange(n_lignes * n_colonnes).reshape(n_lignes, n_colonnes)


def zeros_comme(x: torch.Tensor) -> torch.Tensor:
    return torch.zeros_like(x)


def poids_en_octets(x: torch.Tensor) -> int:
    return x.numel() * x.element_size()


def valeurs_sur_n_bits(n: int) -> int:
    return 2**n


def quantifier_int8(x: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Symmetric per-tensor quantization: the largest |x| maps to 127."""
    echelle = x.abs().max().item() / 127
    if echelle == 0:
        echelle = 1.0  # an all-zero tensor: any scale works
    q = torch.round(x / echelle).clamp(-127, 127).to(torch.int8)
    return q, echelle


def dequantifier(q: torch.Tensor, echelle: float) -> torch.Tensor:
    return q.to(torch.float32) * echelle


def une_colonne_sur_deux(x: torch.Tensor) -> torch.Tensor:
    return x[:, ::2]


def positifs_seulement(x: torch.Tensor) -> torch.Tensor:
    return x[x > 0]


def terme_a_terme(x: torch.Tensor) -> torch.Tensor:
    y = x + 2
    return x * y


def produit_matriciel(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return x @ w


def sinus_sur_place(a: torch.Tensor) -> torch.Tensor:
    return a.sin_()


def ajouter_hors_place(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a + b


def somme_par_ligne(x: torch.Tensor) -> torch.Tensor:
    return x.sum(1)


def moyenne_par_colonne(x: torch.Tensor) -> torch.Tensor:
    return x.mean(0)


def max_par_ligne(x: torch.Tensor) -> torch.Tensor:
    return x.max(1).values


def somme_colonnes_paires(x: torch.Tensor) -> torch.Tensor:
    return x[:, ::2].sum(1)


def en_batch(image: torch.Tensor) -> torch.Tensor:
    return image.unsqueeze(0)


def sans_batch(sortie: torch.Tensor) -> torch.Tensor:
    return sortie.squeeze(0)
