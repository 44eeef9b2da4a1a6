"""Robustness measurements: perturbations crafted per model, accuracy under them, transfer.

`craft` returns the perturbations (N, 2, W) an attack makes for frames x on one model; robust
accuracy is the model's accuracy on x + delta, and transfer accuracy is another model's
accuracy on the same x + delta. Every random draw (PGD random starts, Gaussian noise, UAP
shifts) comes from a generator seeded by `seed` alone, so every model faces the same draws.
"""
from __future__ import annotations

import numpy as np
import torch

from .attacks import (apgd, apgd_targeted, apply_universal, classifier_fn, fgm, fgsm, gaussian,
                      pgd, universal_perturbation)
from .evaluation import accuracy_by_snr, predict

ATTACKS = ("fgm", "fgsm", "pgd", "pgd-linf", "apgd-ce", "apgd-dlr", "apgd-t", "gaussian", "uap")
#: The white-box L2 attacks whose per-frame worst case is the headline robust accuracy: a
#: frame counts as robust only if every one of them fails on it (Croce & Hein 2020's
#: reliable-evaluation idea; PGD-20 alone overstated robustness by 6-7 points here).
WORST_CASE = ("fgm", "pgd", "apgd-ce", "apgd-dlr", "apgd-t")


def craft(model, normalization: str, x, y, attack: str, psr: float, pgd_steps: int = 20,
          batch_size: int = 512, seed: int = 0, uap: torch.Tensor | None = None,
          device="cpu", progress=None, apgd_iters: int = 100, apgd_targets: int = 3
          ) -> np.ndarray:
    """Perturbations of `attack` at PSR `psr` dB for frames x (N, 2, W) on `model`.
    APGD runs `apgd_iters` iterations (100 as published); the targeted version aims at the
    `apgd_targets` classes the model ranks next after the true one."""
    if attack not in ATTACKS:
        raise ValueError(f"unknown attack {attack!r}; known: {', '.join(ATTACKS)}")
    if attack == "uap" and uap is None:
        raise ValueError("the uap attack needs a universal perturbation")
    model = model.to(device).eval()
    fn = classifier_fn(model, normalization)
    gen = torch.Generator().manual_seed(int(seed))
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    out = []
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size].to(device).float(), y[i:i + batch_size].to(device)
        if attack == "fgm":
            d = fgm(fn, xb, yb, psr, generator=gen)
        elif attack == "fgsm":
            d = fgsm(fn, xb, yb, psr)
        elif attack == "pgd":
            d = pgd(fn, xb, yb, psr, norm="l2", steps=pgd_steps, generator=gen)
        elif attack == "pgd-linf":
            d = pgd(fn, xb, yb, psr, norm="linf", steps=pgd_steps, generator=gen)
        elif attack in ("apgd-ce", "apgd-dlr"):
            d = apgd(fn, xb, yb, psr, loss=attack[5:], iters=apgd_iters, generator=gen)
        elif attack == "apgd-t":
            d = apgd_targeted(fn, xb, yb, psr, targets=apgd_targets, iters=apgd_iters,
                              generator=gen)
        elif attack == "gaussian":
            d = gaussian(xb, psr, generator=gen)
        else:
            shifts = torch.randint(0, xb.shape[-1], (len(xb),), generator=gen)
            d = apply_universal(xb, uap, psr, shifts)
        out.append(d.detach().cpu().numpy())
        if progress is not None:
            progress.update(len(xb))
    return np.concatenate(out) if out else np.zeros_like(np.asarray(x))


def train_uap(model, normalization: str, x, y, psr: float, steps: int = 300, seed: int = 0,
              device="cpu", progress: bool = False, shift_invariant: bool = True) -> torch.Tensor:
    """A universal perturbation (unit L2 norm, (2, W)) for `model`, by default made robust
    to cyclic shifts."""
    model = model.to(device).eval()
    gen = torch.Generator().manual_seed(int(seed))
    return universal_perturbation(classifier_fn(model, normalization),
                                  torch.as_tensor(x).to(device).float(),
                                  torch.as_tensor(y).to(device), psr, steps=steps,
                                  shift_invariant=shift_invariant, generator=gen,
                                  progress=progress).cpu()


def accuracy_on(model, normalization: str, x, delta, y, snr, device="cpu",
                return_correct: bool = False):
    """accuracy_by_snr of `model` on the perturbed frames x + delta; with `return_correct`
    also the per-frame correctness (bool (N,)), for worst cases over attacks."""
    pred = predict(model, np.asarray(x) + np.asarray(delta), normalization, device=device)
    acc = accuracy_by_snr(pred, y, snr)
    return (acc, pred == np.asarray(y)) if return_correct else acc


def worst_case(correct: dict, y, snr) -> dict | None:
    """accuracy_by_snr of the frames every attack of WORST_CASE present in `correct`
    (attack -> per-frame correctness) failed to flip; None when PGD is not among them."""
    used = [a for a in WORST_CASE if a in correct]
    if "pgd" not in used:
        return None
    ok = np.logical_and.reduce([correct[a] for a in used])
    acc = accuracy_by_snr(np.where(ok, np.asarray(y), -1), y, snr)
    acc["attacks"] = used
    return acc
