"""Model bundles: `<name>.safetensors` (weights) + `<name>.json` (everything else).

Never pickle: weights are read with safetensors, metadata with json, and anything that does
not match the format fails with BundleError before a model is built. Reading metadata needs
no PyTorch (the engine reads weights itself: robustamc.engine); building models does.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .configs import parse_config
from .constants import CLASSES, SAMPLE_RATE, SAMPLES_PER_SYMBOL
from .normalize import NORMALIZATIONS

FORMAT = "robustamc-bundle"
FORMAT_VERSION = 1
DEFAULT_DIR = Path(__file__).resolve().parent / "default_models"
DEFAULT_NAME = "compact-robust"


class BundleError(Exception):
    """A bundle is missing, malformed, tampered with or incompatible."""


@dataclass
class Bundle:
    model: object   # a torch.nn.Module (load_bundle)
    meta: dict
    path: Path = field(default=None)

    @property
    def name(self) -> str:
        return self.meta["name"]

    @property
    def normalization(self) -> str:
        return self.meta["normalization"]

    @property
    def window(self) -> int:
        return self.meta["window"]


def bundle_paths(path) -> tuple[Path, Path]:
    """(weights, json) paths for a bundle given by either file or the common stem."""
    p = Path(path)
    if p.suffix in (".json", ".safetensors"):
        p = p.with_suffix("")
    return p.with_suffix(".safetensors"), p.with_suffix(".json")


def default_bundle_path(name: str = DEFAULT_NAME) -> Path:
    return DEFAULT_DIR / f"{name}.json"


def shipped_bundles() -> list[str]:
    """Names of the bundles shipped with gr-robustamc."""
    return sorted(p.stem for p in DEFAULT_DIR.glob("*.json"))


def resolve_bundle(path) -> Path:
    """The JSON path of a bundle given as a path, a stem, a shipped name or None/'' (the
    default). A file that exists wins over a shipped bundle of the same name."""
    if not path:
        return default_bundle_path()
    _, meta_path = bundle_paths(path)
    if not meta_path.is_file() and Path(path).parent == Path(".") \
            and default_bundle_path(meta_path.stem).is_file():
        return default_bundle_path(meta_path.stem)
    return meta_path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # writers may create private files; bundles are shared
    os.replace(tmp, path)


def save_bundle(model, path, *, name: str | None = None,
                normalization: str = "unit-power", extra: dict | None = None,
                state: dict | None = None) -> Path:
    """Write a bundle of a torch model; `extra` adds keys (training command, data, seed,
    metrics...); `state` replaces the model's own state dict (int8 weights:
    robustamc.quantize)."""
    import torch
    from safetensors.torch import save_file

    from .models import count_macs, count_parameters
    weights, meta_path = bundle_paths(path)
    weights.parent.mkdir(parents=True, exist_ok=True)
    if normalization not in NORMALIZATIONS:
        raise BundleError(f"unknown normalisation {normalization!r}")
    state = {k: v.detach().cpu().contiguous()
             for k, v in (model.state_dict() if state is None else state).items()}
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise BundleError(f"refusing to write a bundle with non-finite weights ({bad[:3]})")
    _atomic_write(weights, lambda p: save_file(state, str(p)))
    cfg = model.config
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name or weights.stem,
        "architecture": cfg.to_dict(),
        "classes": list(CLASSES),
        "window": cfg.window,
        "normalization": normalization,
        "sample_rate": SAMPLE_RATE,
        "samples_per_symbol": SAMPLES_PER_SYMBOL,
        "parameters": count_parameters(model),
        "macs_per_frame": count_macs(model),
        "weights_file": weights.name,
        "weights_sha256": _sha256(weights),
    }
    meta.update(extra or {})
    synth = (meta.get("data") or {}).get("synthesizer") or {}
    if "sps" in (synth.get("field") or {}):   # trained on a range of symbol rates
        meta["samples_per_symbol"] = synth["field"]["sps"]
    _atomic_write(meta_path, lambda p: p.write_text(json.dumps(meta, indent=2) + "\n"))
    return meta_path


#: Largest bundle files read: the JSON is a few kB, the weights of the teacher 2 MB.
MAX_META_BYTES = 4 << 20
MAX_WEIGHTS_BYTES = 512 << 20


def read_meta(path) -> dict:
    """Validated bundle metadata (no weights loaded)."""
    weights, meta_path = bundle_paths(path)
    if not meta_path.is_file():
        raise BundleError(f"bundle metadata not found: {meta_path} (shipped bundles: "
                          f"{', '.join(shipped_bundles())})")
    if meta_path.stat().st_size > MAX_META_BYTES:
        raise BundleError(f"{meta_path}: {meta_path.stat().st_size:,} bytes is too large for "
                          f"bundle metadata (at most {MAX_META_BYTES:,})")
    raw = meta_path.read_bytes()
    if raw[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
        raise BundleError(f"{meta_path} is a pickle; bundles are JSON + safetensors only")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:  # JSONDecodeError, 5000-digit numbers
        raise BundleError(f"{meta_path} is not valid JSON: {e}") from None
    except RecursionError:
        raise BundleError(f"{meta_path} is not valid bundle JSON: nested too deeply") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BundleError(f"{meta_path} is not a {FORMAT} file")
    if meta.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{meta_path}: unsupported format version {meta.get('format_version')!r}"
                          f" (this gr-robustamc reads version {FORMAT_VERSION})")
    if meta.get("classes") != list(CLASSES):
        raise BundleError(f"{meta_path}: class list {meta.get('classes')} differs from "
                          f"gr-robustamc's {list(CLASSES)}")
    if meta.get("normalization") not in NORMALIZATIONS:
        raise BundleError(f"{meta_path}: unknown normalisation {meta.get('normalization')!r}")
    for key in ("architecture", "window", "weights_sha256"):
        if key not in meta:
            raise BundleError(f"{meta_path}: missing field {key!r}")
    for key, kind in (("architecture", dict), ("window", int), ("weights_sha256", str),
                      ("name", str)):
        if key in meta and (not isinstance(meta[key], kind) or isinstance(meta[key], bool)):
            raise BundleError(f"{meta_path}: field {key!r} must be a JSON "
                              f"{ {dict: 'object', int: 'integer', str: 'string'}[kind]}, "
                              f"not {json.dumps(meta[key])[:40]}")
    try:
        parse_config(meta["architecture"])
    except (ValueError, TypeError) as e:
        raise BundleError(f"{meta_path}: bad architecture: {e}") from None
    return meta


def _check_weight_shapes(weights: Path, config, meta_path: Path) -> None:
    """Compare the safetensors header's tensor names and shapes with the architecture's,
    built on the meta device (nothing allocated), before any weight is read."""
    import torch
    from safetensors import SafetensorError, safe_open

    from .models import build_model
    from .quantize import INT8_SUFFIX, SCALE_SUFFIX
    try:
        with safe_open(str(weights), framework="pt") as f:
            have = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as e:
        raise BundleError(f"{weights} is not a valid safetensors file: {e}") from None
    # int8 weights stand for the float weight of their shape; their scales are checked
    # against it (one per output channel)
    for k in [k for k in have if k.endswith(INT8_SUFFIX)]:
        base = k[:-len(INT8_SUFFIX)]
        if have.pop(base + SCALE_SUFFIX, None) != have[k][:1]:
            raise BundleError(f"{meta_path}: int8 weight {base} has no scale per output channel")
        have[base + ".weight"] = have.pop(k)
    with torch.device("meta"):
        model = build_model(config)
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    if have != want:
        missing = sorted(set(want) - set(have))[:3]
        extra = sorted(set(have) - set(want))[:3]
        wrong = [f"{k} {have[k]} != {want[k]}" for k in sorted(set(have) & set(want))
                 if have[k] != want[k]][:3]
        raise BundleError(f"{meta_path}: weights do not fit the architecture "
                          f"(missing {missing}, unexpected {extra}, shapes {wrong})")


def verified_weights(path=None) -> tuple[Path, Path, dict]:
    """(weights, json, meta) of a bundle (a path, a shipped name or None/'' for the default)
    whose metadata is valid and whose weights file exists, is not too large and matches the
    recorded sha256; nothing is parsed from the weights yet."""
    weights, meta_path = bundle_paths(resolve_bundle(path))
    meta = read_meta(meta_path)
    if not weights.is_file():
        raise BundleError(f"bundle weights not found: {weights}")
    if weights.stat().st_size > MAX_WEIGHTS_BYTES:
        raise BundleError(f"{weights}: {weights.stat().st_size:,} bytes of weights is more than "
                          f"a bundle may hold ({MAX_WEIGHTS_BYTES:,})")
    digest = _sha256(weights)
    if digest != meta["weights_sha256"]:
        raise BundleError(f"{weights}: sha256 {digest[:12]}... does not match the bundle's "
                          f"{str(meta['weights_sha256'])[:12]}... (file changed or corrupted)")
    return weights, meta_path, meta


def load_bundle(path=None, device="cpu") -> Bundle:
    """Load and verify a bundle: a path, a shipped name (`compact`, `teacher`, ...) or
    None/'' for the shipped default. The model is a torch module in eval mode."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from .models import build_model
    weights, meta_path, meta = verified_weights(path)
    config = parse_config(meta["architecture"])   # checked by read_meta
    _check_weight_shapes(weights, config, meta_path)
    from .quantize import dequantize_state
    try:
        state = dequantize_state(load_file(str(weights), device="cpu"))
    except (SafetensorError, OSError, ValueError) as e:
        raise BundleError(f"{weights} is not a valid safetensors file: {e}") from None
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise BundleError(f"{weights}: non-finite weights in {bad[:3]} (a diverged training run?)")
    try:
        model = build_model(config)
        model.load_state_dict(state, strict=True)
    except (ValueError, TypeError, RuntimeError) as e:
        raise BundleError(f"{meta_path}: weights do not fit the architecture: {e}") from None
    if model.config.window != meta["window"]:
        raise BundleError(f"{meta_path}: window {meta['window']} != architecture window")
    return Bundle(model.to(device).eval(), meta, meta_path)
