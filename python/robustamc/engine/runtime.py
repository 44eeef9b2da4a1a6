"""Loading bundles into the native engine (the `_robustamc_engine` module that CMake builds
and installs beside the blocks)."""
from __future__ import annotations

import importlib

import numpy as np

from ..bundle import BundleError, verified_weights
from ..configs import parse_config
from .blob import EngineUnsupported, engine_blob
from .safetensors_reader import read_safetensors


class EngineUnavailable(RuntimeError):
    """The native module is not installed or cannot run this bundle."""


def native_module():
    """The `_robustamc_engine` extension; EngineUnavailable says why it cannot be imported."""
    try:
        return importlib.import_module("_robustamc_engine")
    except ImportError as e:
        raise EngineUnavailable(f"the inference engine is not installed ({e}); build and install "
                                "the module with `bash scripts/bootstrap.sh`") from None


class NativeClassifier:
    """A bundle loaded into the engine: `classify(windows)` -> probabilities (N, classes)
    of complex windows (N, window), finite and with power (the caller checks)."""

    def __init__(self, bundle=None, isa: str = "auto"):
        mod = native_module()
        weights, meta_path, meta = verified_weights(bundle)
        config = parse_config(meta["architecture"])
        from ..quantize import dequantize_state
        try:
            tensors = dequantize_state(read_safetensors(weights))
        except (OSError, ValueError) as e:
            raise BundleError(f"{weights} is not a valid safetensors file: {e}") from None
        bad = [k for k, v in tensors.items()
               if v.dtype.kind == "f" and not np.isfinite(v).all()]
        if bad:
            raise BundleError(f"{weights}: non-finite weights in {bad[:3]} (a diverged training run?)")
        try:
            blob = engine_blob(config, meta["normalization"], tensors)
        except EngineUnsupported as e:
            raise EngineUnavailable(str(e)) from None
        except ValueError as e:
            raise BundleError(f"{meta_path}: weights do not fit the architecture: {e}") from None
        self.engine = mod.Engine(blob, isa)
        self.blob, self.meta, self.path = blob, meta, meta_path
        self.isa = self.engine.isa

    def classify(self, windows: np.ndarray, logits: bool = False) -> np.ndarray:
        return self.engine.classify(np.ascontiguousarray(windows, dtype=np.complex64), logits)
