"""PNG plots (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .constants import CLASSES  # noqa: E402


def plot_accuracy_vs_snr(results: dict[str, dict], path, title: str = "Accuracy vs SNR") -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, r in results.items():
        snrs = sorted(r["by_snr"])
        ax.plot(snrs, [100 * r["by_snr"][s] for s in snrs], marker="o", label=name)
    ax.set(xlabel="SNR (dB)", ylabel="accuracy (%)", title=title, ylim=(0, 100))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confusion(matrix: np.ndarray, path, title: str = "Confusion matrix") -> None:
    fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(CLASSES)), CLASSES, rotation=60, ha="right")
    ax.set_yticks(range(len(CLASSES)), CLASSES)
    for i in range(len(CLASSES)):
        for j in range(len(CLASSES)):
            if matrix[i, j] >= 0.05:
                ax.text(j, i, f"{100 * matrix[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > 0.5 else "black")
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
