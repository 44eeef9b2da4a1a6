"""The robustness report: Markdown tables, plots and metrics.json from an evaluation's numbers.

Every bundle has a unique label (its name, or its path when names repeat). Bundles that are
seeds of one method (same name, method and architecture, different seeds) form one group:
tables give mean +- std over the group (sample std; a single seed shows no std). The paper's
claims are checked mechanically from the same numbers, so the verdicts are reproducible and
never written by hand.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch

from .plots import (plot_accuracy_vs_snr, plot_attention_maps, plot_heatmap,
                    plot_robust_vs_psr)

KEY = "mean_snr_ge0"   # headline robustness figure: mean accuracy over SNR >= 0 dB


def bundle_labels(bundles) -> list[str]:
    """A unique label per bundle: its name where no other bundle has it, else
    `folder/name` (`shipped/name` for a shipped bundle), else its whole path."""
    from .bundle import DEFAULT_DIR
    names = [b.name for b in bundles]
    labels = []
    for b in bundles:
        if names.count(b.name) == 1:
            labels.append(b.name)
        else:
            folder = Path(b.path).resolve().parent
            labels.append(f"{'shipped' if folder == DEFAULT_DIR else folder.name}/{b.name}")
    return [lab if labels.count(lab) == 1 else str(Path(b.path).resolve().with_suffix(""))
            for lab, b in zip(labels, bundles)]


def confusion_file(group: str) -> str:
    """The confusion plot's file name for a group (labels may hold slashes)."""
    return "confusion_" + re.sub(r"[^A-Za-z0-9._-]+", "_", group).strip("_") + ".png"


def seed_groups(models: dict) -> dict[str, str]:
    """label -> group for an evaluation's `models`: bundles with the same name, method and
    architecture and distinct seeds are seeds of one method (group = the name), unless one
    is shipped and another is not (a user's run is never a seed of a shipped model); any
    other bundle is a group of its own, under its label."""
    from .bundle import DEFAULT_DIR
    keys: dict[tuple, list[str]] = {}
    for label, m in models.items():
        arch = json.dumps(m.get("architecture_config", m["architecture"]), sort_keys=True)
        shipped = bool(m.get("path")) and Path(m["path"]).resolve().parent == DEFAULT_DIR
        keys.setdefault((m["name"], m["method"], arch, shipped), []).append(label)
    names = [k[0] for k in keys]
    out = {}
    for (name, _, _, _), members in keys.items():
        seeds = [models[m].get("seed") for m in members]
        is_seeds = (len(members) > 1 and None not in seeds and len(set(seeds)) == len(seeds)
                    and names.count(name) == 1)
        for m in members:
            out[m] = name if is_seeds else m
    return out


def _groups(models: dict) -> dict[str, list[str]]:
    g: dict[str, list[str]] = {}
    for label, m in models.items():
        g.setdefault(m.get("group", m["name"]), []).append(label)
    return g


def _stat(values) -> tuple[float, float | None]:
    v = 100 * np.asarray(values, dtype=float)
    return float(v.mean()), (float(v.std(ddof=1)) if len(v) > 1 else None)


def _fmt(mean: float, std: float | None) -> str:
    return f"{mean:.1f}" if std is None else f"{mean:.1f} ± {std:.1f}"


def summarise(metrics: dict) -> dict:
    """Per group: clean and attacked accuracies as (mean, std) in percent, plus facts."""
    models = metrics["models"]
    out = {}
    for name, members in _groups(models).items():
        first = models[members[0]]
        g = {"members": members, "seeds": [models[m]["seed"] for m in members],
             "method": first["method"], "architecture": first["architecture"],
             "parameters": first["parameters"], "macs_per_frame": first["macs_per_frame"],
             "clean": {k: _stat([models[m]["clean"][k] for m in members])
                       for k in ("mean_over_snr", KEY, "high_snr")},
             "clean_attack_set": {k: _stat([models[m]["clean_attack_set"][k] for m in members])
                                  for k in ("mean_over_snr", KEY)}
             if "clean_attack_set" in first else None,
             "attacks": {}}
        for attack, budgets in first["attacks"].items():
            g["attacks"][attack] = {
                psr: {k: _stat([models[m]["attacks"][attack][psr][k] for m in members])
                      for k in ("mean_over_snr", KEY)}
                for psr in budgets}
        out[name] = g
    return out


def _role(g: dict) -> str | None:
    if g["architecture"] != "transformer":
        return None
    return "teacher" if g["parameters"] > 100_000 else "compact" if g["parameters"] <= 25_000 else None


def _find(groups: dict, role: str, method: str) -> tuple[str, dict] | tuple[None, None]:
    for name, g in groups.items():
        if _role(g) == role and g["method"] == method:
            return name, g
    return None, None


def check_claims(groups: dict, psr_list: list[str], headline_psr: str = "-20") -> list[str]:
    """The paper's claims and the project's aim, each with the numbers and a verdict. Robust
    accuracy is the per-frame worst case over PGD-20 and the APGD family when they were run
    (the headline), else PGD alone."""
    lines = []
    head = "worst-case" if any("worst-case" in g["attacks"] for g in groups.values()) else "pgd"
    what = "worst case of PGD-20 and APGD" if head == "worst-case" else "PGD"

    def pgd(g, psr=headline_psr):
        return g["attacks"].get(head, {}).get(psr, {}).get(KEY, (float("nan"), None))

    tn, ts = _find(groups, "teacher", "standard")
    ta_n, ta = _find(groups, "teacher", "pgd-at")
    cn, cs = _find(groups, "compact", "standard")
    can, ca = _find(groups, "compact", "pgd-at")
    atn, at = _find(groups, "compact", "attention")
    if ts and ta and head in ta["attacks"]:
        gain = pgd(ta)[0] - pgd(ts)[0]
        lines.append(f"1. **Adversarial training makes the large teacher robust.** {what} at PSR "
                     f"{headline_psr} dB, SNR >= 0 dB: {ta_n} {pgd(ta)[0]:.1f}% vs {tn} "
                     f"{pgd(ts)[0]:.1f}% ({gain:+.1f} points). "
                     f"**{'Supported' if gain >= 5 else 'Not supported'}** (threshold +5 points).")
    if ts and ta and cs and ca and head in ca["attacks"]:
        t_gain, c_gain = pgd(ta)[0] - pgd(ts)[0], pgd(ca)[0] - pgd(cs)[0]
        ok = c_gain < t_gain and pgd(ca)[0] < pgd(ta)[0]
        lines.append(f"2. **Plain adversarial training helps the compact model clearly less.** "
                     f"Gain from PGD-AT at {headline_psr} dB: compact {c_gain:+.1f} points "
                     f"(to {_fmt(*pgd(ca))}%), teacher {t_gain:+.1f} points (to {pgd(ta)[0]:.1f}%). "
                     f"**{'Supported' if ok else 'Not supported'}**.")
    if at and head in at["attacks"]:
        names = {"pgd-at": "plain AT", "ard": "ARD", "rslad": "RSLAD", "trades": "TRADES"}
        found = [(names[m], *_find(groups, "compact", m)) for m in names]
        rivals = [(n, g) for _, n, g in found if g]
        beaten = [m for m, _, g in found if g] or ["plain AT", "ARD", "RSLAD"]
        beaten = ", ".join(beaten[:-1]) + " and " + beaten[-1] if len(beaten) > 1 else beaten[0]
        wins, rows = True, []
        for psr in psr_list:
            a = pgd(at, psr)
            cells = []
            for n, g in rivals:
                r = pgd(g, psr)
                wins &= a[0] > r[0]
                cells.append(f"{n} {_fmt(*r)}")
            rows.append(f"   - PSR {psr} dB: {atn} {_fmt(*a)} vs " + ", ".join(cells))
        lines.append(f"3. **The attention-transfer student beats {beaten} at each "
                     f"budget ({what}, SNR >= 0 dB, %).** "
                     f"**{'Supported' if wins and rivals else 'Not supported'}**"
                     f"{'' if rivals else ' (no rival methods evaluated)'}.")
        lines += rows
    if at and ta and cs and head in at["attacks"]:
        ratio = pgd(at)[0] / max(pgd(ta)[0], 1e-9)
        loss = cs["clean"]["mean_over_snr"][0] - at["clean"]["mean_over_snr"][0]
        small = at["parameters"] < 25_000 and at["parameters"] * 20 <= ta["parameters"]
        lines.append(f"4. **Aim: the student keeps >= 90% of the teacher's robust accuracy and "
                     f"loses <= 5 clean points.** {atn}: {100 * ratio:.0f}% of {ta_n}'s PGD accuracy "
                     f"at {headline_psr} dB (SNR >= 0 dB); clean mean over SNR "
                     f"{at['clean']['mean_over_snr'][0]:.1f}% vs {cn} "
                     f"{cs['clean']['mean_over_snr'][0]:.1f}% ({loss:+.1f} points lost); "
                     f"{at['parameters']:,} parameters ({ta['parameters'] / at['parameters']:.0f}x "
                     f"smaller). **{'Met' if ratio >= 0.9 and loss <= 5 and small else 'Not met'}**.")
    return lines


def _attention_figure(bundles: dict, groups: dict, attack_set, path: Path, psr: float,
                      device) -> bool:
    """Last-layer attention (heads averaged) of one transformer per group on one clean frame
    and its PGD version crafted on that model."""
    from .attacks import classifier_fn, pgd
    from .constants import CLASSES
    from .normalize import normalize
    reps, seen = {}, set()
    for label, b in bundles.items():
        if hasattr(b.model, "layers") and groups.get(label, label) not in seen:
            seen.add(groups.get(label, label))
            reps[label] = b
    if not reps or attack_set is None:
        return False
    pick = np.flatnonzero((attack_set.y == CLASSES.index("QPSK")) & (attack_set.snr == 18))
    if not len(pick):
        return False
    x = torch.from_numpy(attack_set.x[pick[:1]]).to(device)
    y = torch.from_numpy(attack_set.y[pick[:1]]).to(device)
    maps = {}
    for label, b in reps.items():
        m = b.model.to(device).eval()
        d = pgd(classifier_fn(m, b.normalization), x, y, psr, steps=20,
                generator=torch.Generator().manual_seed(0))
        row, said = [], []
        for frame in (x, x + d):
            with torch.no_grad():
                logits, att = m(normalize(frame, b.normalization), return_attention=True)
            row.append(att[-1][0].mean(0).cpu().numpy())
            said.append(CLASSES[int(logits.argmax(1))])
        maps[f"{label} (says {said[0]} / {said[1]})"] = row
    plot_attention_maps(maps, ["clean QPSK, 18 dB", f"PGD-20, PSR {psr:g} dB"], path,
                        "Last-layer attention (heads averaged; token 0 = class token)")
    return True


def attention_entropy(bundles: dict, attack_set, device="cpu", groups: dict | None = None
                      ) -> dict:
    """Mean row entropy (nats) of each layer's attention, per head and of the head-averaged
    map, on the clean frames at SNR >= 0 dB: log(T) means uniform attention (nothing to
    transfer), lower means focused. One transformer per group (`groups`: label -> group)."""
    from .normalize import normalize
    groups = groups or {}
    keep = attack_set.snr >= 0
    x = torch.from_numpy(attack_set.x[keep]).to(device)
    out, seen = {}, set()
    for label, b in bundles.items():
        group = groups.get(label, label)
        if not hasattr(b.model, "layers") or group in seen:
            continue
        seen.add(group)
        m = b.model.to(device).eval()
        with torch.no_grad():
            _, maps = m(normalize(x, b.normalization), return_attention=True)
        ent = lambda a: float(-(a * a.clamp_min(1e-12).log()).sum(-1).mean())  # noqa: E731
        out[group] = {"per_head": [ent(a) for a in maps],
                       "head_mean": [ent(a.mean(1)) for a in maps],
                       "uniform": float(np.log(maps[0].shape[-1]))}
    return out


def write_report(metrics: dict, out, bundles: dict | None = None, attack_set=None,
                 device="cpu") -> Path:
    """report.md, metrics.json and PNGs in `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    groups = summarise(metrics)
    metrics = dict(metrics, groups=groups)
    models = metrics["models"]
    order = ["worst-case", "fgm", "fgsm", "pgd", "pgd-linf", "apgd-ce", "apgd-dlr", "apgd-t",
             "gaussian", "uap"]
    attacks = sorted({a for m in models.values() for a in m["attacks"]}, key=order.index)
    psrs = metrics.get("attack_settings", {}).get("psr_db", [])
    psr_keys = [f"{p:g}" for p in psrs]
    L = [f"# {metrics.get('title', 'Evaluation')}\n", f"Command: `{metrics['command']}`\n",
         f"Clean test set: {metrics['test_set']} ({metrics['frames']} frames).  "]
    if "attack_set" in metrics:
        s = metrics["attack_settings"]
        L.append(f"Attacked set: {metrics['attack_set']}. PGD: {s['pgd_steps']} steps of "
                 f"{s['pgd_step_size']}, random start; UAP: {s['uap_steps']} steps at PSR "
                 f"{s['uap_psr_db']:g} dB, applied at a random cyclic shift per frame. Budgets "
                 "are PSR (perturbation-to-signal power of each frame, dB). Every model sees the "
                 "same frames and random draws.\n")
    L.append("Figures are accuracy in %; `a ± b` is mean ± sample std over the seeds of a "
             "method (bundles sharing name, method and architecture). 'SNR >= 0' is the mean "
             "over the SNRs 0..18 dB.\n")
    L += ["## Models\n", "| model | architecture | method | parameters | MACs/frame | seeds | "
          "clean, mean over SNR | clean, SNR >= 0 | clean, SNR >= 10 |",
          "|---|---|---|---:|---:|---|---:|---:|---:|"]
    for name, g in groups.items():
        c = g["clean"]
        L.append(f"| {name} | {g['architecture']} | {g['method']} | {g['parameters']:,} | "
                 f"{g['macs_per_frame']:,} | {', '.join(str(s) for s in g['seeds'])} | "
                 f"{_fmt(*c['mean_over_snr'])} | {_fmt(*c[KEY])} | {_fmt(*c['high_snr'])} |")
    L.append("")
    clean_curves = {}
    for name, g in groups.items():
        by = {}
        for s in models[g["members"][0]]["clean"]["by_snr"]:
            by[s] = float(np.mean([models[m]["clean"]["by_snr"][s] for m in g["members"]]))
        clean_curves[name] = {"by_snr": by}
    plot_accuracy_vs_snr(clean_curves, out / "accuracy_vs_snr.png", "Clean accuracy vs SNR")
    L.append("![clean accuracy vs SNR](accuracy_vs_snr.png)\n")
    L += [f"![{name}: clean confusion at SNR >= 10 dB]({confusion_file(name)})" for name in groups
          if (out / confusion_file(name)).is_file()]
    L.append("")
    if attacks:
        claims = check_claims(groups, psr_keys)
        if claims:
            L += ["## The paper's claims on our data\n", *claims, ""]
        for attack in attacks:
            title = ("worst case per frame over the white-box L2 attacks run "
                     "(fgm, pgd, apgd-ce, apgd-dlr, apgd-t; the headline robust accuracy)"
                     if attack == "worst-case" else attack)
            L += [f"### {title}: accuracy at SNR >= 0 dB vs PSR (clean: the same frames unattacked)\n",
                  "| model | clean | " + " | ".join(f"{p} dB" for p in psr_keys) + " |",
                  "|---|---:|" + "---:|" * len(psr_keys)]
            for name, g in groups.items():
                if attack in g["attacks"]:
                    L.append(f"| {name} | {_fmt(*g['clean_attack_set'][KEY])} | " + " | ".join(
                        _fmt(*g["attacks"][attack][p][KEY]) for p in psr_keys) + " |")
            L.append("")
        curves = {a: {name: (psrs, [g["attacks"][a][p][KEY][0] for p in psr_keys],
                             ([g["attacks"][a][p][KEY][1] for p in psr_keys]
                              if len(g["members"]) > 1 else None))
                      for name, g in groups.items() if a in g["attacks"]} for a in attacks}
        plot_robust_vs_psr(curves, out / "robust_vs_psr.png",
                           "Accuracy at SNR >= 0 dB under attack (bands: ± std over seeds)")
        L.append("![robust accuracy vs PSR](robust_vs_psr.png)\n")
        if "pgd" in attacks and "-20" in psr_keys:
            pgd_curves = {}
            for name, g in groups.items():
                ms = g["members"]
                snrs = models[ms[0]]["attacks"]["pgd"]["-20"]["by_snr"]
                pgd_curves[name] = {"by_snr": {s: float(np.mean(
                    [models[m]["attacks"]["pgd"]["-20"]["by_snr"][s] for m in ms])) for s in snrs}}
            plot_accuracy_vs_snr(pgd_curves, out / "pgd_-20dB_vs_snr.png",
                                 "Accuracy vs SNR under PGD at PSR -20 dB")
            L.append("![PGD at -20 dB vs SNR](pgd_-20dB_vs_snr.png)\n")
    if "transfer" in metrics:
        t = metrics["transfer"]
        mat = 100 * np.asarray(t["accuracy_snr_ge0"])
        L += [f"## Transfer: PGD at PSR {t['psr_db']:g} dB crafted on the row model, accuracy "
              "(SNR >= 0 dB) of the column model\n",
              "| crafted on \\ evaluated | " + " | ".join(t["models"]) + " |",
              "|---|" + "---:|" * len(t["models"])]
        for src, row in zip(t["models"], mat):
            L.append(f"| {src} | " + " | ".join(f"{v:.1f}" for v in row) + " |")
        L.append("")
        plot_heatmap(mat, t["models"], t["models"], out / "transfer.png",
                     f"Transfer of PGD (PSR {t['psr_db']:g} dB), accuracy at SNR >= 0 dB (%)",
                     "evaluated on", "crafted on")
        L.append("![transfer matrix](transfer.png)\n")
    label_group = {label: m.get("group", m["name"]) for label, m in models.items()}
    if bundles and attack_set is not None and _attention_figure(
            bundles, label_group, attack_set, out / "attention.png", -20.0, device):
        L += ["## Attention maps\n", "![attention maps](attention.png)\n"]
        ent = metrics["attention_entropy"] = attention_entropy(bundles, attack_set, device,
                                                               label_group)
        uni = next(iter(ent.values()))["uniform"]
        L += [f"Mean row entropy of the attention maps (nats; {uni:.2f} = uniform), clean frames "
              "at SNR >= 0 dB, layer by layer: per head / of the head-averaged map.\n",
              "| model | " + " | ".join(f"layer {i + 1}" for i in range(max(
                  len(e["per_head"]) for e in ent.values()))) + " |",
              "|---|" + "---:|" * max(len(e["per_head"]) for e in ent.values())]
        depth = max(len(e["per_head"]) for e in ent.values())
        for name, e in ent.items():
            cells = [f"{a:.2f} / {b:.2f}" for a, b in zip(e["per_head"], e["head_mean"])]
            L.append(f"| {name} | " + " | ".join(cells + ["–"] * (depth - len(cells))) + " |")
        L.append("")
    (out / "report.md").write_text("\n".join(L) + "\n")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return out / "report.md"
