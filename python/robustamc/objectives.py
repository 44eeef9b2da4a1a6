"""Training objectives: what each training or distillation method minimises on a batch.

Each objective is called as `objective(net, module, x, y, gen)` with `net` the model being trained
(possibly wrapped in DistributedDataParallel), `module` the bare model (adversarial examples
are crafted on it, so crafting never triggers gradient synchronisation), frames `x` already
normalised, labels `y` and `gen` the generator for the attack's random start (seeded per
step by the trainer, so resumed runs repeat exactly). It returns (loss, logits) where logits are the student's on the
frames it was trained on, for the progress bar. Teachers are frozen and in eval mode.

Every forward pass of `net` happens once per step (clean and adversarial frames are
concatenated) because DistributedDataParallel expects one forward per backward.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from .attacks import classifier_fn, pgd


@dataclass
class AttackConfig:
    """The PGD adversary used during training (L2 ball at a PSR in dB, the default threat)."""

    psr_db: float = -20.0
    steps: int = 5
    norm: str = "l2"
    step_size: float | None = None
    early_stop: int | None = None   # FAT's tau (attacks.pgd); None: the full-strength attack
    # the loss PGD ascends on labelled frames: "ce", "dlr" (APGD-DLR's margin loss, scale-free)
    # or "worst" (both attacks, per frame the one that fools the model or leaves it the
    # higher cross-entropy: the evaluation's per-frame worst case, at twice the cost)
    loss: str = "ce"

    def __post_init__(self):
        if self.loss not in ATTACK_LOSSES:
            raise ValueError(f"unknown training attack loss {self.loss!r} {ATTACK_LOSSES}")


ATTACK_LOSSES = ("ce", "dlr", "worst")


def _craft(module, x, target, atk: AttackConfig, normalization: str, gen, loss: str | None = None):
    """x plus the training adversary's perturbation; `loss` overrides the config's ("kl":
    `target` holds probabilities, as TRADES and RSLAD attack)."""
    was_training = module.training
    module.eval()
    fn = classifier_fn(module, normalization)
    losses = [loss] if loss else (["ce", "dlr"] if atk.loss == "worst" else [atk.loss])
    best = best_score = None
    for kind in losses:
        delta = pgd(fn, x, target, atk.psr_db, norm=atk.norm, steps=atk.steps,
                    step_size=atk.step_size, loss=kind, generator=gen,
                    early_stop=atk.early_stop if kind == "ce" else None)
        if len(losses) == 1:
            best = delta
            break
        with torch.no_grad():
            logits = fn(x + delta)
            score = (F.cross_entropy(logits, target, reduction="none")
                     + (logits.argmax(1) != target).float() * 1e6)
        if best is None:
            best, best_score = delta, score
        else:
            better = score > best_score
            best = torch.where(better[:, None, None], delta, best)
            best_score = torch.where(better, score, best_score)
    module.train(was_training)
    return x + best


def _kd(student_logits, teacher_probs_t, temperature: float):
    """Hinton's distillation term, T^2-scaled KL(teacher || student) at temperature T."""
    return F.kl_div(F.log_softmax(student_logits / temperature, 1), teacher_probs_t,
                    reduction="batchmean") * temperature ** 2


class Objective:
    name = "?"
    needs_teacher = False

    def __init__(self, normalization: str = "unit-power", attack: AttackConfig | None = None,
                 teacher: torch.nn.Module | None = None, teacher_normalization: str | None = None):
        self.normalization = normalization
        self.attack = attack or AttackConfig()
        self.teacher = teacher
        self.teacher_normalization = teacher_normalization or normalization
        if self.needs_teacher:
            if teacher is None:
                raise ValueError(f"method {self.name!r} needs a teacher bundle")
            teacher.eval()
            for p in teacher.parameters():
                p.requires_grad_(False)

    def teacher_out(self, x, return_attention: bool = False):
        from .normalize import normalize
        with torch.no_grad():
            xt = normalize(x, self.teacher_normalization)
            return self.teacher(xt, return_attention=True) if return_attention else self.teacher(xt)

    def describe(self) -> dict:
        d = {"method": self.name}
        if self.uses_attack:
            # early_stop and loss are left out when off / "ce", so runs from before them
            # resume and compare equal
            d["attack"] = {k: v for k, v in asdict(self.attack).items()
                           if not (k == "early_stop" and v is None)
                           and not (k == "loss" and v == "ce")}
        d.update(self.options())
        return d

    uses_attack = False

    def options(self) -> dict:
        return {}


class Standard(Objective):
    """Cross-entropy on clean frames."""
    name = "standard"

    def __call__(self, net, module, x, y, gen=None):
        logits = net(x)
        return F.cross_entropy(logits, y), logits


class AdversarialTraining(Objective):
    """Madry PGD adversarial training; `clean_weight` mixes in the clean cross-entropy."""
    name = "pgd-at"
    uses_attack = True

    def __init__(self, clean_weight: float = 0.0, **kw):
        super().__init__(**kw)
        if not 0.0 <= clean_weight <= 1.0:
            raise ValueError("clean weight must be in [0, 1]")
        self.clean_weight = clean_weight

    def options(self):
        return {"clean_weight": self.clean_weight}

    def __call__(self, net, module, x, y, gen=None):
        x_adv = _craft(module, x, y, self.attack, self.normalization, gen)
        if self.clean_weight == 0:
            logits = net(x_adv)
            return F.cross_entropy(logits, y), logits
        logits = net(torch.cat([x, x_adv]))
        clean, adv = logits[:len(x)], logits[len(x):]
        w = self.clean_weight
        return w * F.cross_entropy(clean, y) + (1 - w) * F.cross_entropy(adv, y), adv


class LogitKD(Objective):
    """Hinton knowledge distillation on clean frames: (1-a) CE + a T^2 KL(teacher || student)."""
    name = "kd"
    needs_teacher = True

    def __init__(self, temperature: float = 4.0, kd_weight: float = 0.9, **kw):
        super().__init__(**kw)
        self.temperature, self.kd_weight = temperature, kd_weight

    def options(self):
        return {"temperature": self.temperature, "kd_weight": self.kd_weight}

    def __call__(self, net, module, x, y, gen=None):
        t = F.softmax(self.teacher_out(x) / self.temperature, 1)
        logits = net(x)
        a = self.kd_weight
        return (1 - a) * F.cross_entropy(logits, y) + a * _kd(logits, t, self.temperature), logits


class ARD(LogitKD):
    """Adversarially robust distillation (Goldblum et al. 2020): the student's adversarial
    frames (crafted on the student's cross-entropy) are pulled to the teacher's soft labels of
    the clean frames, plus (1-a) clean cross-entropy. Same options as `kd`."""
    name = "ard"
    uses_attack = True

    def __call__(self, net, module, x, y, gen=None):
        t = F.softmax(self.teacher_out(x) / self.temperature, 1)
        x_adv = _craft(module, x, y, self.attack, self.normalization, gen)
        logits = net(torch.cat([x, x_adv]))
        clean, adv = logits[:len(x)], logits[len(x):]
        a = self.kd_weight
        return a * _kd(adv, t, self.temperature) + (1 - a) * F.cross_entropy(clean, y), adv


class RSLAD(Objective):
    """Robust soft label adversarial distillation (Zi et al. 2021): the teacher's soft labels
    of clean frames replace the hard labels in both terms, and the student's adversarial
    frames are crafted to maximise KL to those soft labels. Weights 5/6 and 1/6 as published."""
    name = "rslad"
    needs_teacher = True
    uses_attack = True

    def __init__(self, adv_weight: float = 5 / 6, **kw):
        super().__init__(**kw)
        if not 0.0 <= adv_weight <= 1.0:
            raise ValueError("adversarial weight must be in [0, 1]")
        self.adv_weight = adv_weight

    def options(self):
        return {"adv_weight": self.adv_weight}

    def __call__(self, net, module, x, y, gen=None):
        t = F.softmax(self.teacher_out(x), 1)
        x_adv = _craft(module, x, t, self.attack, self.normalization, gen, loss="kl")
        logits = net(torch.cat([x, x_adv]))
        clean, adv = logits[:len(x)], logits[len(x):]
        w = self.adv_weight
        return w * _kd(adv, t, 1.0) + (1 - w) * _kd(clean, t, 1.0), adv


class TRADES(Objective):
    """TRADES (Zhang et al. 2019): clean cross-entropy plus `beta` times KL(clean || adversarial)
    of the model's own predictions, the adversarial frames crafted to maximise that KL. The
    trade-off between clean accuracy and robustness is set by `beta` (6 as published)."""
    name = "trades"
    uses_attack = True

    def __init__(self, beta: float = 6.0, **kw):
        super().__init__(**kw)
        if beta < 0:
            raise ValueError("beta must be >= 0")
        self.beta = beta

    def options(self):
        return {"beta": self.beta}

    def __call__(self, net, module, x, y, gen=None):
        was_training = module.training
        module.eval()
        with torch.no_grad():
            p_clean = F.softmax(classifier_fn(module, self.normalization)(x), 1)
        module.train(was_training)
        x_adv = _craft(module, x, p_clean, self.attack, self.normalization, gen, loss="kl")
        logits = net(torch.cat([x, x_adv]))
        clean, adv = logits[:len(x)], logits[len(x):]
        kl = F.kl_div(F.log_softmax(adv, 1), F.softmax(clean, 1), reduction="batchmean")
        return F.cross_entropy(clean, y) + self.beta * kl, adv


# --------------------------------------------------------------------------- attention
def match_layers(student_depth: int, teacher_depth: int, which: str) -> list[tuple[int, int]]:
    """(student layer, teacher layer) pairs: `last` matches the last layers, `first` the first
    ones; `all` matches every student layer i to teacher layer round((i+1) L_t / L_s) - 1
    (same relative depth)."""
    if which == "last":
        return [(student_depth - 1, teacher_depth - 1)]
    if which == "first":
        return [(0, 0)]
    if which == "all":
        return [(i, round((i + 1) * teacher_depth / student_depth) - 1)
                for i in range(student_depth)]
    raise ValueError(f"unknown layer matching {which!r} (last, first, all)")


def align_heads(t: torch.Tensor, student_heads: int, how: str) -> torch.Tensor:
    """Teacher maps (N, Ht, T, T) -> (N, Hs', T, T): `mean` averages all heads (and the
    student's are averaged too, Hs' = 1); `group` averages teacher heads in Ht/Hs groups."""
    if how == "mean":
        return t.mean(1, keepdim=True)
    if how == "group":
        n, h, a, b = t.shape
        if h % student_heads:
            raise ValueError(f"teacher heads {h} are not a multiple of student heads {student_heads}")
        return t.view(n, student_heads, h // student_heads, a, b).mean(2)
    raise ValueError(f"unknown head alignment {how!r} (mean, group)")


def align_tokens(t: torch.Tensor, tokens: int) -> torch.Tensor:
    """Resample maps (N, H, Tt, Tt) with a class token first to `tokens` x `tokens`: the
    patch-to-patch block by area averaging, class row/column likewise; rows renormalised."""
    if t.shape[-1] == tokens:
        return t
    n, h, tt, _ = t.shape
    flat = t.reshape(n * h, tt, tt)
    cls_cls = flat[:, :1, :1]
    cls_row = F.adaptive_avg_pool1d(flat[:, :1, 1:], tokens - 1)
    cls_col = F.adaptive_avg_pool1d(flat[:, 1:, :1].transpose(1, 2), tokens - 1).transpose(1, 2)
    block = F.adaptive_avg_pool2d(flat[:, 1:, 1:].unsqueeze(1), tokens - 1).squeeze(1)
    out = torch.cat([torch.cat([cls_cls, cls_row], 2), torch.cat([cls_col, block], 2)], 1)
    out = out / out.sum(-1, keepdim=True).clamp_min(1e-12)
    return out.view(n, h, tokens, tokens)


def attention_distance(s: torch.Tensor, t: torch.Tensor, kind: str) -> torch.Tensor:
    """Distance between aligned maps (N, H, T, T), averaged over the batch.

    `l2`: squared L2 distance of the maps flattened per frame and scaled to unit norm
    (Zagoruyko & Komodakis' attention transfer); `kl`: KL(teacher row || student row),
    averaged over heads and query tokens (rows are distributions)."""
    if kind == "l2":
        sf, tf = F.normalize(s.flatten(1), dim=1), F.normalize(t.flatten(1), dim=1)
        return (sf - tf).pow(2).sum(1).mean()
    if kind == "kl":
        return (t * (t.clamp_min(1e-12).log() - s.clamp_min(1e-12).log())).sum(-1).mean()
    raise ValueError(f"unknown attention distance {kind!r} (l2, kl)")


class AttentionTransfer(Objective):
    """The proposed method: cross-entropy of the student on adversarial frames plus `weight`
    times the distance between the student's and the adversarially trained teacher's
    attention maps on those same adversarial frames.

    Options: `layers` (last | first | all), `heads` (mean | group), `distance` (l2 | kl), `craft_on`
    (student: PGD on the student's loss, cheap; teacher: PGD on the teacher's, frozen model).
    """
    name = "attention"
    needs_teacher = True
    uses_attack = True

    def __init__(self, weight: float = 10.0, layers: str = "all", heads: str = "mean",
                 distance: str = "l2", craft_on: str = "student", **kw):
        super().__init__(**kw)
        if craft_on not in ("student", "teacher"):
            raise ValueError(f"craft_on must be student or teacher, not {craft_on!r}")
        self.weight, self.layers, self.heads = weight, layers, heads
        self.distance, self.craft_on = distance, craft_on
        attention_distance(torch.ones(1, 1, 2, 2) / 2, torch.ones(1, 1, 2, 2) / 2, distance)
        align_heads(torch.ones(1, 1, 2, 2), 1, heads)

    def options(self):
        return {"weight": self.weight, "layers": self.layers, "heads": self.heads,
                "distance": self.distance, "craft_on": self.craft_on}

    def loss_terms(self, student_maps, teacher_maps, student_heads: int):
        pairs = match_layers(len(student_maps), len(teacher_maps), self.layers)
        total = 0.0
        for si, ti in pairs:
            s = student_maps[si]
            t = align_tokens(align_heads(teacher_maps[ti], student_heads, self.heads), s.shape[-1])
            if self.heads == "mean":
                s = s.mean(1, keepdim=True)
            total = total + attention_distance(s, t, self.distance)
        return total / len(pairs)

    def __call__(self, net, module, x, y, gen=None):
        if self.craft_on == "student":
            x_adv = _craft(module, x, y, self.attack, self.normalization, gen)
        else:
            x_adv = _craft(self.teacher, x, y, self.attack, self.teacher_normalization, gen)
        _, t_maps = self.teacher_out(x_adv, return_attention=True)
        logits, s_maps = net(x_adv, return_attention=True)
        at = self.loss_terms(s_maps, t_maps, s_maps[0].shape[1])
        return F.cross_entropy(logits, y) + self.weight * at, logits


METHODS = {c.name: c for c in (Standard, AdversarialTraining, LogitKD, ARD, RSLAD, TRADES,
                               AttentionTransfer)}
