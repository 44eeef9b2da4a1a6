"""Inference without PyTorch: the C++ engine (lib/engine) for the transformer family.

`safetensors_reader` reads bundle weights with NumPy; `blob` lays them out for the engine;
`runtime` loads a bundle into the native module. robustamc.inference.FrameClassifier uses it
by default (docs/ENGINE.md).
"""
from .blob import EngineUnsupported, engine_blob
from .runtime import EngineUnavailable, NativeClassifier, native_module
from .safetensors_reader import read_safetensors

__all__ = ["EngineUnavailable", "EngineUnsupported", "NativeClassifier", "engine_blob",
           "native_module", "read_safetensors"]
