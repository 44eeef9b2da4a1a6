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


def plot_robust_vs_psr(curves: dict[str, dict[str, tuple]], path, title: str) -> None:
    """One panel per attack; curves[attack][model] = (psr list, mean %, std % or None)."""
    attacks = list(curves)
    fig, axes = plt.subplots(1, len(attacks), figsize=(4.2 * len(attacks), 4), sharey=True,
                             squeeze=False)
    for ax, attack in zip(axes[0], attacks):
        for name, (psr, mean, std) in curves[attack].items():
            line, = ax.plot(psr, mean, marker="o", label=name)
            if std is not None:
                ax.fill_between(psr, np.subtract(mean, std), np.add(mean, std),
                                color=line.get_color(), alpha=0.2)
        ax.set(xlabel="PSR (dB)", title=attack, ylim=(0, 100))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("accuracy (%)")
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_heatmap(matrix, rows, cols, path, title: str, xlabel: str, ylabel: str) -> None:
    """Annotated heat map of percentages (e.g. the transfer matrix)."""
    m = np.asarray(matrix, dtype=float)
    fig, ax = plt.subplots(figsize=(1.0 * len(cols) + 3, 0.6 * len(rows) + 2.5))
    im = ax.imshow(m, cmap="viridis", vmin=0, vmax=100)
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, f"{m[i, j]:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if m[i, j] < 50 else "black")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_attention_maps(maps: dict[str, list], columns: list[str], path, title: str) -> None:
    """maps[model] = one (T, T) array per column (e.g. clean, adversarial)."""
    rows = list(maps)
    fig, axes = plt.subplots(len(rows), len(columns), figsize=(3.2 * len(columns), 3 * len(rows)),
                             squeeze=False)
    for i, name in enumerate(rows):
        for j, col in enumerate(columns):
            ax = axes[i][j]
            ax.imshow(maps[name][j], cmap="magma")
            ax.set_title(f"{name}\n{col}", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_training_curves(steps: list[dict], history: list[dict], path, title: str) -> None:
    """Loss and accuracy of a training run: per step (thin, smoothed over 20 steps) from
    steps.csv, and per epoch (markers) with the validation accuracy."""
    fig, (al, aa) = plt.subplots(1, 2, figsize=(11, 4))
    if steps:
        g = np.array([r["global_step"] for r in steps], dtype=float)
        for ax, key in ((al, "loss"), (aa, "accuracy")):
            v = np.array([r[key] for r in steps], dtype=float) * (100 if key == "accuracy" else 1)
            ax.plot(g, v, color="0.8", lw=0.6, label="per step")
            k = min(20, len(v))
            ax.plot(g[k - 1:], np.convolve(v, np.ones(k) / k, mode="valid"), color="C0",
                    lw=1.2, label=f"mean of {k} steps")
    if history:
        per = max(1, (steps[-1]["global_step"] // len(history)) if steps else 1)
        e = np.array([h["epoch"] for h in history]) * per
        al.plot(e, [h["train_loss"] for h in history], "o-", color="C1", label="epoch mean")
        aa.plot(e, [100 * h["train_acc"] for h in history], "o-", color="C1", label="train, epoch")
        aa.plot(e, [100 * h["val_acc"] for h in history], "s-", color="C2", label="validation")
    al.set(xlabel="step", ylabel="loss", title="training loss")
    aa.set(xlabel="step", ylabel="accuracy (%)", title="accuracy", ylim=(0, 100))
    for ax in (al, aa):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
