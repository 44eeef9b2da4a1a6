"""Clean-accuracy measurements: predictions, accuracy per SNR, confusion matrices."""
from __future__ import annotations

import numpy as np
import torch

from .constants import CLASSES
from .normalize import normalize


@torch.no_grad()
def predict(model: torch.nn.Module, x, normalization: str, batch_size: int = 1024,
            device: str | torch.device = "cpu") -> np.ndarray:
    """Class indices predicted for raw frames `x` (N, 2, W) after the named normalisation."""
    model.eval()
    x = torch.as_tensor(x)
    out = []
    for i in range(0, len(x), batch_size):
        xb = normalize(x[i:i + batch_size].to(device).float(), normalization)
        out.append(model(xb).argmax(1).cpu())
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.int64)


def accuracy_by_snr(pred, y, snr) -> dict:
    """{'overall': acc, 'by_snr': {snr: acc}, 'mean_over_snr', 'mean_snr_ge0' (mean over
    SNR >= 0 dB), 'high_snr' (mean over SNR >= 10 dB)}."""
    pred, y, snr = (np.asarray(a) for a in (pred, y, snr))
    by = {int(s): float(np.mean(pred[snr == s] == y[snr == s])) for s in np.unique(snr)}

    def mean_from(lo):
        v = [a for s, a in by.items() if s >= lo]
        return float(np.mean(v)) if v else float("nan")
    return {"overall": float(np.mean(pred == y)), "by_snr": by,
            "mean_over_snr": float(np.mean(list(by.values()))),
            "mean_snr_ge0": mean_from(0), "high_snr": mean_from(10)}


def confusion(pred, y, num_classes: int = len(CLASSES)) -> np.ndarray:
    """Row-normalised confusion matrix: rows true class, columns predicted."""
    m = np.zeros((num_classes, num_classes))
    np.add.at(m, (np.asarray(y), np.asarray(pred)), 1)
    return m / np.maximum(m.sum(1, keepdims=True), 1)


def format_snr_table(results: dict[str, dict]) -> str:
    """Markdown table of accuracy per SNR, one column per model."""
    names = list(results)
    snrs = sorted({s for r in results.values() for s in r["by_snr"]})
    lines = ["| SNR (dB) | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
    for s in snrs:
        lines.append(f"| {s} | " + " | ".join(f"{100 * results[n]['by_snr'].get(s, float('nan')):.1f}"
                                              for n in names) + " |")
    for label, key in (("mean over SNR", "mean_over_snr"), ("SNR >= 10 dB", "high_snr")):
        lines.append(f"| **{label}** | " + " | ".join(f"**{100 * results[n][key]:.1f}**"
                                                       for n in names) + " |")
    return "\n".join(lines)
