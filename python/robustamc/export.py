"""Export a bundle for other runtimes: ONNX (the model with its normalisation, for ONNX
Runtime and the toolchains of edge accelerators) and the C++ engine's weights blob (for the
engine on other machines, e.g. the 64-bit Arm build; docs/ENGINE.md)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .bundle import BundleError, verified_weights
from .configs import parse_config
from .engine import engine_blob, read_safetensors

FORMATS = ("onnx", "engine")
#: The ONNX opset written: 17 has LayerNormalization; ONNX Runtime 1.14+ and most
#: accelerator toolchains of 2023 on read it.
OPSET = 17


def export_engine_blob(bundle, out) -> Path:
    """Write the engine's weights blob of a transformer bundle to `out`."""
    from .quantize import dequantize_state
    weights, meta_path, meta = verified_weights(bundle)
    try:
        blob = engine_blob(parse_config(meta["architecture"]), meta["normalization"],
                           dequantize_state(read_safetensors(weights)))
    except ValueError as e:
        raise BundleError(f"{meta_path}: {e}") from None
    out = Path(out)
    out.write_bytes(blob)
    return out


def export_onnx(bundle, out, opset: int = OPSET) -> Path:
    """Write an ONNX graph of the bundle: input `iq` float32 (N, 2, window), raw samples as
    the radio gives them; outputs `logits` and `probabilities` (N, classes). The bundle's
    normalisation is part of the graph; N is dynamic. Metadata: classes, sample rate,
    window, the bundle's name and weights sha256."""
    import json
    import warnings

    import torch

    from .bundle import load_bundle
    from .normalize import normalize

    b = load_bundle(bundle)

    class Deployed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = b.model

        def forward(self, iq):
            logits = self.model(normalize(iq, b.normalization))
            return logits, torch.softmax(logits, dim=1)

    out = Path(out)
    x = torch.randn(3, 2, b.window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the tracer's notes on shape arithmetic
        torch.onnx.export(Deployed().eval(), (x,), str(out), input_names=["iq"],
                          output_names=["logits", "probabilities"],
                          dynamic_axes={"iq": {0: "n"}, "logits": {0: "n"},
                                        "probabilities": {0: "n"}},
                          opset_version=int(opset), dynamo=False)
    try:
        import onnx
    except ImportError:
        return out
    m = onnx.load(str(out))
    for key, value in (("classes", json.dumps(b.meta["classes"])),
                       ("sample_rate", str(b.meta.get("sample_rate"))),
                       ("window", str(b.window)), ("bundle", b.name),
                       ("weights_sha256", b.meta["weights_sha256"]),
                       ("input", "raw IQ float32 (N, 2, window); normalisation "
                                 f"{b.normalization} inside the graph")):
        m.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(m)
    onnx.save(m, str(out))
    return out


def check_onnx(path, bundle, frames: np.ndarray) -> dict:
    """Run an exported graph on `frames` (float32 (N, 2, window)) and compare it with the
    bundle in PyTorch: {'runtime', 'max_abs_diff' (probabilities), 'argmax_agreement'}.
    The runtime is ONNX Runtime where it is installed, else the ONNX reference evaluator."""
    import torch

    from .bundle import load_bundle
    from .normalize import normalize
    b = load_bundle(bundle)
    with torch.inference_mode():
        ref = torch.softmax(b.model(normalize(torch.from_numpy(frames), b.normalization)), 1).numpy()
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = sess.run(["probabilities"], {"iq": frames})[0]
        runtime = f"onnxruntime {ort.__version__}"
    except ImportError:
        from onnx.reference import ReferenceEvaluator
        got = ReferenceEvaluator(str(path)).run(["probabilities"], {"iq": frames})[0]
        runtime = "onnx reference evaluator"
    return {"runtime": runtime, "max_abs_diff": float(np.abs(got - ref).max()),
            "argmax_agreement": float((got.argmax(1) == ref.argmax(1)).mean())}
