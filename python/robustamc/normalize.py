"""Named per-frame normalisations; the bundle records which one its model was trained with."""
from __future__ import annotations

import numpy as np

NORMALIZATIONS = ("unit-power", "rml-l1")
_EPS = 1e-12


def normalize(x, name: str):
    """Normalise frames `x` (N, 2, W), torch or NumPy, per frame.

    `unit-power`: divide by the RMS magnitude, so mean |x|^2 = 1.
    `rml-l1`: divide by the sum over the frame of |x| (complex magnitude).
    """
    if name not in NORMALIZATIONS:
        raise ValueError(f"unknown normalisation {name!r}; known: {', '.join(NORMALIZATIONS)}")
    lib = np if isinstance(x, np.ndarray) else __import__("torch")
    mag2 = (x[:, 0] ** 2 + x[:, 1] ** 2)
    if name == "unit-power":
        scale = lib.sqrt(mag2.mean(1))
    else:
        scale = lib.sqrt(mag2).sum(1)
    return x / (scale[:, None, None] + _EPS)
