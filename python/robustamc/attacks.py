"""White-box evasion attacks on IQ frames, with budgets as PSR in dB per frame.

PSR = 10 log10(||delta||^2 / ||x||^2) over the frame (perturbation-to-signal ratio, where x is
the received frame the classifier sees); PNR = PSR + SNR. IQ is signed, so nothing is clamped.
L2 attacks (FGM, PGD-L2) spend exactly the budget. The L-infinity attacks (FGSM, PGD-Linf) get
the per-sample bound that has the same energy at a corner of the box,
eps_inf = eps_2 / sqrt(2 W), so FGSM spends exactly the budget and PGD-Linf at most it.

Every attack takes `fn`, a callable mapping frames to logits (normally `classifier_fn(model,
normalization)`, which applies the model's normalisation inside the graph as the live block
does), and a `loss`: "ce" (labels) or "kl" (target probabilities, as RSLAD crafts).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .normalize import normalize

_TINY = 1e-12


def classifier_fn(model: torch.nn.Module, normalization: str):
    """frames -> logits, with the bundle's normalisation applied inside the graph."""
    return lambda x: model(normalize(x, normalization))


def psr_db(x: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    """Achieved perturbation-to-signal ratio of each frame, dB."""
    p = delta.flatten(1).pow(2).sum(1)
    s = x.flatten(1).pow(2).sum(1)
    return 10 * torch.log10(p.clamp_min(_TINY) / s.clamp_min(_TINY))


def pnr_to_psr(pnr_db, snr_db):
    """PSR (dB) that gives perturbation-to-noise ratio `pnr_db` for frames at `snr_db`."""
    return torch.as_tensor(pnr_db, dtype=torch.float32) - torch.as_tensor(snr_db, dtype=torch.float32)


def l2_budget(x: torch.Tensor, psr: float | torch.Tensor) -> torch.Tensor:
    """Per-frame L2 radius (N,) for PSR `psr` dB (scalar or one per frame)."""
    psr = torch.as_tensor(psr, dtype=x.dtype, device=x.device).expand(x.shape[0])
    return x.flatten(1).norm(dim=1) * 10 ** (psr / 20)


def _per_frame(v: torch.Tensor) -> torch.Tensor:
    return v.view(-1, *([1] * 2))


def _l2_unit(g: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
    """Rows of g scaled to unit L2 norm; an all-zero row gets a random direction, so the
    budget is always spent (a flat loss must not silently weaken the attack)."""
    n = g.flatten(1).norm(dim=1)
    zero = n <= _TINY
    if zero.any():
        g = g.clone()
        g[zero] = torch.randn(g[zero].shape, generator=gen, device="cpu").to(g)
        n = g.flatten(1).norm(dim=1)
    return g / _per_frame(n)


def _loss(logits: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-frame loss the attacker maximises."""
    if kind == "ce":
        return F.cross_entropy(logits, target, reduction="none")
    if kind == "kl":  # target: probabilities of a reference (e.g. the teacher on clean frames)
        return F.kl_div(F.log_softmax(logits, 1), target, reduction="none").sum(1)
    if kind == "dlr":  # the margin loss of APGD-DLR (target: labels)
        return dlr_loss(logits, target)
    raise ValueError(f"unknown attack loss {kind!r} (ce, kl, dlr)")


def _grad(fn, x: torch.Tensor, target, loss: str):
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        per = _loss(fn(x), target, loss)
        (g,) = torch.autograd.grad(per.sum(), x)
    return g, per.detach()


def fgm(fn, x, y, psr, loss: str = "ce", generator=None) -> torch.Tensor:
    """Fast gradient method: one L2-normalised gradient step to the budget. Returns delta."""
    g, _ = _grad(fn, x, y, loss)
    return _per_frame(l2_budget(x, psr)) * _l2_unit(g, generator)


def fgsm(fn, x, y, psr, loss: str = "ce") -> torch.Tensor:
    """Fast gradient sign method (L-infinity) at the PSR of a full-corner perturbation."""
    g, _ = _grad(fn, x, y, loss)
    eps_inf = l2_budget(x, psr) / np.sqrt(x[0].numel())
    s = torch.where(g >= 0, 1.0, -1.0).to(x)  # sign(0) = +1 so the budget is spent
    return _per_frame(eps_inf) * s


def _radius(x, psr, norm):
    """Per-frame radius of the ball (L2, or the L-infinity box of the same PSR), also shaped
    to broadcast over frames."""
    eps = l2_budget(x, psr)
    if norm == "linf":
        eps = eps / np.sqrt(x[0].numel())
    return eps, _per_frame(eps)


def _start(x, eps_b, norm, random_start, generator):
    """PGD's starting point: uniform in radius along a random direction (L2), uniform in the
    box (L-infinity), or zero."""
    if not random_start:
        return torch.zeros_like(x)
    r = torch.randn(x.shape, generator=generator).to(x)
    if norm == "l2":
        return eps_b * _l2_unit(r) * torch.rand(x.shape[0], generator=generator).to(x).view(-1, 1, 1)
    return eps_b * (2 * torch.rand(x.shape, generator=generator).to(x) - 1)


def _ascend(delta, g, alpha, eps, eps_b, norm, generator):
    """One PGD step of relative size alpha along g, projected back into the ball."""
    if norm == "l2":
        delta = delta + alpha * eps_b * _l2_unit(g, generator)
        n = delta.flatten(1).norm(dim=1)
        return delta * _per_frame(torch.clamp(eps / n.clamp_min(_TINY), max=1.0))
    return torch.maximum(torch.minimum(delta + alpha * eps_b * g.sign(), eps_b), -eps_b)


def pgd(fn, x, y, psr, norm: str = "l2", steps: int = 10, step_size: float | None = None,
        random_start: bool = True, restarts: int = 1, loss: str = "ce",
        generator: torch.Generator | None = None, early_stop: int | None = None) -> torch.Tensor:
    """Projected gradient descent (ascent on the loss) in the L2 or L-infinity ball.

    `loss`: "ce" on labels `y`, "dlr" (APGD-DLR's margin loss) on labels, or "kl" with `y` the
    probabilities of a reference. `step_size` is relative to the radius (default 2.5 / steps,
    Madry et al.). Across steps and restarts each frame keeps its strongest perturbation
    (misclassified first, then highest loss), so PGD is never weaker than its own first step. L2 results are scaled onto the
    sphere so the achieved PSR is the requested one.

    `early_stop` = tau makes it the "friendly" attack of Zhang et al. 2020 (FAT, for training):
    a frame stops moving once it has been misclassified at tau + 1 iterates, and its
    perturbation is returned where it stopped (inside the ball, not scaled onto the sphere).
    """
    if norm not in ("l2", "linf"):
        raise ValueError(f"unknown norm {norm!r} (l2, linf)")
    if steps < 1 or restarts < 1:
        raise ValueError("steps and restarts must be >= 1")
    if early_stop is not None:
        if early_stop < 0 or loss != "ce" or restarts != 1:
            raise ValueError("early_stop needs tau >= 0, the ce loss and one restart")
        return _friendly_pgd(fn, x.detach(), y, psr, norm, steps, step_size, random_start,
                             generator, early_stop)
    x = x.detach()
    alpha = (2.5 / steps) if step_size is None else step_size
    eps, eps_b = _radius(x, psr, norm)
    best = torch.zeros_like(x)
    best_score = torch.full((x.shape[0],), -float("inf"), device=x.device)

    def score(logits, per):
        # misclassified frames rank above every correctly classified one
        wrong = ((logits.argmax(1) != y) if loss in ("ce", "dlr")
                 else torch.zeros_like(per, dtype=torch.bool))
        return per + wrong.float() * 1e6

    for _ in range(restarts):
        delta = _start(x, eps_b, norm, random_start, generator)
        for _ in range(steps):
            with torch.enable_grad():
                d = delta.detach().requires_grad_(True)
                logits = fn(x + d)
                per = _loss(logits, y, loss)
                (g,) = torch.autograd.grad(per.sum(), d)
            sc = score(logits.detach(), per.detach())
            better = sc > best_score
            best[better], best_score[better] = delta[better], sc[better]
            delta = _ascend(delta, g, alpha, eps, eps_b, norm, generator)
        with torch.no_grad():
            logits = fn(x + delta)
            sc = score(logits, _loss(logits, y, loss))
        better = sc > best_score
        best[better], best_score[better] = delta[better], sc[better]
    if norm == "l2":
        best = eps_b * _l2_unit(best, generator)
    return best.detach()


def _friendly_pgd(fn, x, y, psr, norm, steps, step_size, random_start, generator, tau):
    alpha = (2.5 / steps) if step_size is None else step_size
    eps, eps_b = _radius(x, psr, norm)
    delta = _start(x, eps_b, norm, random_start, generator)
    left = torch.full((x.shape[0],), tau, device=x.device)
    moving = torch.ones(x.shape[0], dtype=torch.bool, device=x.device)
    for _ in range(steps):
        with torch.enable_grad():
            d = delta.detach().requires_grad_(True)
            logits = fn(x + d)
            (g,) = torch.autograd.grad(_loss(logits, y, "ce").sum(), d)
        wrong = logits.detach().argmax(1) != y
        moving &= ~(wrong & (left <= 0))
        left = left - (wrong & moving).long()
        if not moving.any():
            break
        m = _per_frame(moving.to(x.dtype))
        delta = m * _ascend(delta, g, alpha, eps, eps_b, norm, generator) + (1 - m) * delta
    return delta.detach()


# --------------------------------------------------------------------------- APGD
def dlr_loss(logits: torch.Tensor, y: torch.Tensor, target: torch.Tensor | None = None
             ) -> torch.Tensor:
    """Difference-of-logits-ratio losses (Croce & Hein 2020, eqs. 5 and 6), per frame, to be
    maximised. Untargeted: -(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3); targeted at class t:
    -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2). Both are invariant to shifting and scaling
    the logits, so a model cannot hide behind logit scale (gradient masking by saturation)."""
    srt = logits.sort(dim=1, descending=True).values
    z_y = logits.gather(1, y[:, None])[:, 0]
    if target is None:
        other = logits.clone()
        other.scatter_(1, y[:, None], -float("inf"))
        return -(z_y - other.max(1).values) / (srt[:, 0] - srt[:, 2] + _TINY)
    z_t = logits.gather(1, target[:, None])[:, 0]
    return -(z_y - z_t) / (srt[:, 0] - (srt[:, 2] + srt[:, 3]) / 2 + _TINY)


def _checkpoints(iters: int) -> list[int]:
    """The iterations at which APGD checks its progress: p_0 = 0, p_1 = 0.22,
    p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06), as fractions of `iters`."""
    p = [0.0, 0.22]
    while p[-1] < 1:
        p.append(p[-1] + max(p[-1] - p[-2] - 0.03, 0.06))
    return sorted({int(np.ceil(round(f * iters, 6))) for f in p if f <= 1})


def apgd(fn, x, y, psr, loss: str = "ce", iters: int = 100, restarts: int = 1,
         target: torch.Tensor | None = None, rho: float = 0.75, alpha: float = 0.75,
         generator: torch.Generator | None = None) -> torch.Tensor:
    """Auto-PGD in the L2 ball of PSR `psr` dB (Croce & Hein, ICML 2020, Algorithm 1).

    Gradient ascent on `loss` ("ce", "dlr", or "dlr-targeted" with `target` classes) with
    momentum `alpha`, a step size that starts at twice the radius and halves at checkpoints
    where fewer than `rho` of the steps since the last one raised the loss (or nothing
    improved and the step did not change), restarting from the best point then. Each frame
    keeps its strongest perturbation over iterations and `restarts` random starts
    (misclassified first, then highest loss), so a frame once misclassified stays so.
    Returns delta on the sphere of the budget (the achieved PSR is the requested one).
    """
    if loss not in ("ce", "dlr", "dlr-targeted"):
        raise ValueError(f"unknown APGD loss {loss!r} (ce, dlr, dlr-targeted)")
    if (loss == "dlr-targeted") != (target is not None):
        raise ValueError("dlr-targeted needs target classes, and only it takes them")
    if iters < 1 or restarts < 1:
        raise ValueError("iters and restarts must be >= 1")
    x = x.detach()
    eps = l2_budget(x, psr)
    eps_b = _per_frame(eps)
    checks = set(_checkpoints(iters)[1:])

    def objective(logits):
        if loss == "ce":
            return F.cross_entropy(logits, y, reduction="none")
        return dlr_loss(logits, y, target)

    def project(d):
        n = d.flatten(1).norm(dim=1)
        return d * _per_frame(torch.clamp(eps / n.clamp_min(_TINY), max=1.0))

    def value_and_grad(d):
        with torch.enable_grad():
            d = d.detach().requires_grad_(True)
            logits = fn(x + d)
            per = objective(logits)
            (g,) = torch.autograd.grad(per.sum(), d)
        return per.detach(), logits.detach(), g

    best = torch.zeros_like(x)
    best_score = torch.full((x.shape[0],), -float("inf"), device=x.device)

    def keep(d, per, logits):
        sc = per + (logits.argmax(1) != y).float() * 1e6   # misclassified ranks first
        better = sc > best_score
        best[better], best_score[better] = d[better], sc[better]

    for _ in range(restarts):
        r = torch.randn(x.shape, generator=generator).to(x)
        u = torch.rand(x.shape[0], generator=generator).to(x)
        d = eps_b * _l2_unit(r) * u.view(-1, 1, 1)            # uniform radius in the ball
        eta = 2 * eps_b                                       # step size, per frame
        per, logits, g = value_and_grad(d)
        keep(d, per, logits)
        d_max, f_max, g_max = d.clone(), per.clone(), g
        d_prev = d
        d = project(d + eta * _l2_unit(g, generator))         # the first step: no momentum
        f_prev = f_max.clone()
        per, logits, g = value_and_grad(d)
        keep(d, per, logits)
        up = (per > f_prev).float()        # steps that raised the loss since the checkpoint
        f_prev = per
        improved = per > f_max
        d_max[improved], f_max[improved] = d[improved], per[improved]
        g_max = torch.where(_per_frame(improved.float()) > 0, g, g_max)
        last_check, eta_halved_last = 0, torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)
        f_max_at_check = f_max.clone()
        for k in range(1, iters):
            z = project(d + eta * _l2_unit(g, generator))
            d_next = project(d + alpha * (z - d) + (1 - alpha) * (d - d_prev))
            d_prev, d = d, d_next
            per, logits, g = value_and_grad(d)
            keep(d, per, logits)
            up += (per > f_prev).float()
            f_prev = per
            improved = per > f_max
            d_max[improved], f_max[improved] = d[improved], per[improved]
            g_max = torch.where(_per_frame(improved.float()) > 0, g, g_max)
            if k in checks:
                steps = k - last_check
                cond1 = up < rho * steps
                cond2 = (~eta_halved_last) & (f_max_at_check >= f_max)
                halve = cond1 | cond2
                eta = torch.where(_per_frame(halve.float()) > 0, eta / 2, eta)
                # restart the halved frames from their best point so far
                d = torch.where(_per_frame(halve.float()) > 0, d_max, d)
                g = torch.where(_per_frame(halve.float()) > 0, g_max, g)
                d_prev = torch.where(_per_frame(halve.float()) > 0, d_max, d_prev)
                eta_halved_last, f_max_at_check = halve, f_max.clone()
                up = torch.zeros_like(up)
                last_check = k
    return (eps_b * _l2_unit(best, generator)).detach()


def apgd_targeted(fn, x, y, psr, targets: int = 3, iters: int = 100, restarts: int = 1,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """APGD with the targeted DLR loss, once for each of the `targets` classes the model
    ranks highest after the true one on the clean frame; per frame the strongest result."""
    with torch.no_grad():
        logits = fn(x)
    ranked = logits.clone()
    ranked.scatter_(1, y[:, None], -float("inf"))
    order = ranked.argsort(dim=1, descending=True)
    best = torch.zeros_like(x)
    best_score = torch.full((x.shape[0],), -float("inf"), device=x.device)
    for i in range(min(targets, logits.shape[1] - 1)):
        d = apgd(fn, x, y, psr, loss="dlr-targeted", iters=iters, restarts=restarts,
                 target=order[:, i], generator=generator)
        with torch.no_grad():
            lg = fn(x + d)
        sc = F.cross_entropy(lg, y, reduction="none") + (lg.argmax(1) != y).float() * 1e6
        better = sc > best_score
        best[better], best_score[better] = d[better], sc[better]
    return best


def gaussian(x: torch.Tensor, psr, generator: torch.Generator | None = None) -> torch.Tensor:
    """White Gaussian noise at exactly the given PSR per frame: the jamming baseline."""
    r = torch.randn(x.shape, generator=generator).to(x)
    return _per_frame(l2_budget(x, psr)) * _l2_unit(r)


# --------------------------------------------------------------------------- universal
def _roll_frames(p: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """p (2, W) rolled by a different number of samples for each of len(shifts) frames."""
    w = p.shape[-1]
    idx = (torch.arange(w, device=p.device)[None, :] - shifts[:, None]) % w
    return p[:, idx].permute(1, 0, 2)


def universal_perturbation(fn, x: torch.Tensor, y: torch.Tensor, psr: float, steps: int = 500,
                           batch_size: int = 256, lr: float = 0.05, shift_invariant: bool = True,
                           generator: torch.Generator | None = None, progress: bool = False):
    """One perturbation direction (2, W) of unit L2 norm that raises the loss on all frames.

    Trained by normalised gradient ascent on random batches of `x`, applied to each frame at
    PSR `psr` dB. With `shift_invariant` every frame sees the perturbation at a random cyclic
    shift (expectation over shifts), so it works without synchronisation, as a transmitter
    that tiles it over the air would.
    """
    w = x.shape[-1]
    p = _l2_unit(torch.randn((1,) + tuple(x.shape[1:]), generator=generator).to(x))[0]
    it = range(steps)
    if progress:
        from tqdm import tqdm
        it = tqdm(it, desc="universal perturbation", unit="step", leave=False)
    for _ in it:
        idx = torch.randint(0, len(x), (batch_size,), generator=generator).to(x.device)
        xb, yb = x[idx], y[idx]
        shifts = (torch.randint(0, w, (len(xb),), generator=generator) if shift_invariant
                  else torch.zeros(len(xb), dtype=torch.long)).to(x.device)
        with torch.enable_grad():
            q = p.detach().requires_grad_(True)
            d = _roll_frames(q, shifts) * _per_frame(l2_budget(xb, psr))
            (g,) = torch.autograd.grad(_loss(fn(xb + d), yb, "ce").mean(), q)
        p = p + lr * g / g.norm().clamp_min(_TINY)
        p = p / p.norm()
    return p.detach()


def apply_universal(x: torch.Tensor, p: torch.Tensor, psr, shifts: torch.Tensor | None = None):
    """delta for frames x: the unit-norm perturbation p, rolled by `shifts`, at PSR `psr`."""
    if shifts is None:
        shifts = torch.zeros(len(x), dtype=torch.long, device=x.device)
    return _roll_frames(p.to(x), shifts.to(x.device)) * _per_frame(l2_budget(x, psr))


def save_perturbation(path, p: torch.Tensor, meta: dict) -> Path:
    """Write a universal perturbation as .npz: `perturbation` complex64 (W,) of unit mean
    power (what the injector tiles) and `meta` JSON (model, PSR trained for, ...)."""
    import json
    path = Path(path)
    p = p.detach().cpu().numpy().astype(np.float64)
    c = (p[0] + 1j * p[1]).astype(np.complex64)
    c = c / np.sqrt(np.mean(np.abs(c) ** 2))
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, perturbation=c, meta=np.array(json.dumps(meta)))
    tmp.replace(path)
    return path


def load_perturbation(path) -> tuple[np.ndarray, dict]:
    """(complex64 (W,) unit-mean-power perturbation, meta dict); no pickles are loaded."""
    import json
    import zipfile
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            c = z["perturbation"]
            meta = json.loads(str(z["meta"]))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path}: not a gr-robustamc perturbation file ({e})") from None
    if c.ndim != 1 or not np.iscomplexobj(c) or len(c) == 0 or not np.all(np.isfinite(c)):
        raise ValueError(f"{path}: 'perturbation' must be a non-empty finite complex vector")
    return c.astype(np.complex64), meta


def perturbation_frame(c: np.ndarray) -> torch.Tensor:
    """complex (W,) -> unit-L2-norm (2, W) float tensor, the form `apply_universal` takes."""
    p = torch.from_numpy(np.stack([c.real, c.imag]).astype(np.float32))
    return p / p.norm()
