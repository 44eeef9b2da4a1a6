import json
import pickle

import pytest
import torch

from robustamc.bundle import BundleError, load_bundle, read_meta, save_bundle
from robustamc.constants import CLASSES
from robustamc.models import CONFIGS, build_model, count_macs, count_parameters


def test_named_configs_sizes_and_attention_maps():
    compact, teacher = build_model("compact"), build_model("teacher")
    assert count_parameters(compact) <= 25_000
    assert count_parameters(teacher) >= 20 * count_parameters(compact)
    x = torch.randn(3, 2, 128)
    logits, maps = teacher(x, return_attention=True)
    c = CONFIGS["teacher"]
    assert logits.shape == (3, len(CLASSES))
    assert len(maps) == c.depth
    assert all(m.shape == (3, c.heads, c.tokens, c.tokens) for m in maps)
    assert torch.allclose(maps[0].sum(-1), torch.ones(3, c.heads, c.tokens), atol=1e-5)
    # the attention path and the fused path give the same logits
    assert torch.allclose(teacher(x), logits, atol=1e-5)
    assert count_macs(c) > count_macs(CONFIGS["compact"]) > 0
    # the whole architecture is counted, not the class-token-only last layer of inference
    assert count_macs(CONFIGS["compact"]) == 389_600


def test_class_token_path_is_the_full_forward():
    """Without attention maps the last layer computes the class token alone: same logits,
    same gradients (training takes that path too)."""
    torch.manual_seed(0)
    for name in ("compact", "teacher"):
        m = build_model(name)
        x = torch.randn(5, 2, 128)
        fast = m(x)
        full, _ = m(x, return_attention=True)
        assert torch.allclose(fast, full, atol=1e-5)
        g_fast = torch.autograd.grad(fast.square().sum(), list(m.parameters()))
        g_full = torch.autograd.grad(full.square().sum(), list(m.parameters()),
                                     allow_unused=True)
        for a, b in zip(g_fast, g_full):
            assert torch.allclose(a, b, atol=1e-4, rtol=1e-3)


def test_forward_is_deterministic():
    m = build_model("compact").eval()
    x = torch.randn(5, 2, 128)
    assert torch.equal(m(x), m(x))


def test_bad_configs():
    with pytest.raises(ValueError, match="unknown model config"):
        build_model("huge")
    with pytest.raises(ValueError, match="unknown architecture fields"):
        build_model({"dim": 32, "wings": 2})


def test_overlapping_embed_span():
    """Tokens embed `embed_span` samples centred on their patch: same token count, and a
    sample moves the tokens whose spans hold it (the neighbours' too), no others."""
    import dataclasses
    plain = dataclasses.replace(CONFIGS["compact"], embed_span=0)
    c = dataclasses.replace(CONFIGS["compact"], embed_span=16)
    m = build_model(c).eval()
    assert count_parameters(m) == count_parameters(build_model(plain)) + 6 * 8 * c.dim
    assert count_parameters(build_model("compact")) == count_parameters(m) + 6 * 8 * c.dim
    x = torch.randn(2, 2, 128)
    logits, maps = m(x, return_attention=True)
    assert logits.shape == (2, len(CLASSES)) and maps[0].shape[-1] == c.tokens == 17
    tokens = {}
    m.embed.register_forward_hook(lambda mod, i, o: tokens.__setitem__("t", o))
    m(x)
    before = tokens["t"].clone()
    y = x.clone()
    y[:, :, 8 * 5 + 1] += 1.0          # early in patch 5: inside patch 4's span too
    m(y)
    moved = (tokens["t"] - before).abs().amax(dim=(0, 2)) > 0
    assert moved.nonzero().flatten().tolist() == [4, 5]
    for bad in (4, 11):
        with pytest.raises(ValueError, match="embed_span"):
            build_model(dataclasses.replace(CONFIGS["compact"], embed_span=bad))


def test_bundle_roundtrip(tmp_path):
    torch.manual_seed(1)
    m = build_model("compact").eval()
    path = save_bundle(m, tmp_path / "m.json", extra={"seed": 1})
    b = load_bundle(path)
    x = torch.randn(4, 2, 128)
    assert torch.equal(b.model(x), m(x))
    assert b.meta["seed"] == 1 and b.meta["classes"] == list(CLASSES)
    assert b.normalization == "unit-power" and b.window == 128
    assert (tmp_path / "m.safetensors").is_file()
    # either file or the stem names the bundle
    assert load_bundle(tmp_path / "m.safetensors").name == "m"


def test_default_bundle_ships_and_loads():
    b = load_bundle(None)
    assert b.meta["parameters"] <= 25_000
    assert "training_command" in b.meta and "metrics" in b.meta
    assert (b.path.parent / "teacher.json").is_file()


@pytest.mark.parametrize("damage, message", [
    ("pickle_json", "is a pickle"),
    ("pickle_weights", "sha256"),
    ("tamper", "sha256"),
    ("classes", "class list"),
    ("version", "unsupported format version"),
    ("not_json", "not valid JSON"),
    ("no_weights", "weights not found"),
])
def test_bad_bundles_fail_clearly(small_bundle, tmp_path, damage, message):
    src_meta = json.loads(small_bundle.read_text())
    weights = small_bundle.with_suffix(".safetensors").read_bytes()
    meta_p, w_p = tmp_path / "b.json", tmp_path / "b.safetensors"
    w_p.write_bytes(weights)
    meta_p.write_text(json.dumps(src_meta))
    if damage == "pickle_json":
        meta_p.write_bytes(pickle.dumps({"format": "robustamc-bundle"}, protocol=4))
    elif damage == "pickle_weights":
        w_p.write_bytes(pickle.dumps(torch.zeros(3).numpy(), protocol=4))
    elif damage == "tamper":
        w_p.write_bytes(weights[:-8] + b"\x00" * 8)
    elif damage == "classes":
        meta_p.write_text(json.dumps({**src_meta, "classes": list(reversed(CLASSES))}))
    elif damage == "version":
        meta_p.write_text(json.dumps({**src_meta, "format_version": 99}))
    elif damage == "not_json":
        meta_p.write_text("{this is not json")
    elif damage == "no_weights":
        w_p.unlink()
    with pytest.raises(BundleError, match=message):
        load_bundle(meta_p)


def test_pickle_with_matching_hash_is_still_rejected(small_bundle, tmp_path):
    """Even a pickle whose sha256 is recorded is not loaded: safetensors refuses it."""
    import hashlib
    w_p = tmp_path / "p.safetensors"
    w_p.write_bytes(pickle.dumps({"x": 1}, protocol=4))
    meta = json.loads(small_bundle.read_text())
    meta["weights_sha256"] = hashlib.sha256(w_p.read_bytes()).hexdigest()
    (tmp_path / "p.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="not a valid safetensors"):
        load_bundle(tmp_path / "p.json")
    assert read_meta(tmp_path / "p.json")["name"] == meta["name"]


def test_core_never_imports_gnuradio():
    """The ML core must work on machines without GNU Radio (a GPU box, a laptop)."""
    import subprocess
    import sys
    code = ("import sys, robustamc, robustamc.synth, robustamc.datasets, robustamc.models, "
            "robustamc.training, robustamc.bundle, robustamc.inference, robustamc.evaluation, "
            "robustamc.plots, robustamc.cli; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('gnuradio', 'pmt')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_iq_moments_double_and_quadruple_the_phase():
    from robustamc.models import iq_moments
    phase = torch.linspace(-3, 3, 128)
    mag = torch.linspace(0.5, 2, 128)
    x = torch.stack([mag * torch.cos(phase), mag * torch.sin(phase)])[None]
    f = iq_moments(x)
    assert f.shape == (1, 6, 128)
    assert torch.allclose(f[0, :2], x[0])
    for k, (re, im) in ((2, (2, 3)), (4, (4, 5))):
        assert torch.allclose(torch.atan2(f[0, im], f[0, re]),
                              torch.atan2(torch.sin(k * phase), torch.cos(k * phase)), atol=1e-4)
        assert torch.allclose(torch.hypot(f[0, re], f[0, im]), mag, atol=1e-5)
    # QPSK symbols all map to one point under the 4th power: the feature that separates PSK orders
    qpsk = torch.tensor([[1.0, -1.0, -1.0, 1.0], [1.0, 1.0, -1.0, -1.0]])[None] / 2 ** 0.5
    z4 = iq_moments(qpsk)[0, 4:]
    assert torch.allclose(z4, z4[:, :1].expand_as(z4), atol=1e-5)


def test_bundle_files_are_readable_by_others(tmp_path):
    import os
    import stat
    old = os.umask(0o022)
    try:
        save_bundle(build_model("compact"), tmp_path / "m.json")
    finally:
        os.umask(old)
    for f in ("m.json", "m.safetensors"):
        assert stat.S_IMODE((tmp_path / f).stat().st_mode) == 0o644, f


def test_shipped_bundles_by_name(tmp_path, monkeypatch):
    from robustamc.bundle import default_bundle_path, resolve_bundle, shipped_bundles
    assert {"compact", "teacher"} <= set(shipped_bundles())
    monkeypatch.chdir(tmp_path)
    assert resolve_bundle("teacher") == default_bundle_path("teacher")
    assert load_bundle("teacher").name == "teacher"
    # a bundle file in the working directory wins over a shipped one of the same name
    save_bundle(build_model("compact"), tmp_path / "teacher.json", name="mine")
    assert load_bundle("teacher").name == "mine"
    with pytest.raises(BundleError, match="shipped bundles: .*compact"):
        load_bundle("no-such-model")


def test_shipped_bundles_have_named_configs():
    """`--model compact3` / `compact` / `teacher` train the shapes that ship as `compact` and
    the default, `compact-robust-fast` and `teacher`."""
    from robustamc.bundle import default_bundle_path
    for shipped, config in (("compact", "compact3"), ("compact-robust", "compact3"),
                            ("compact-robust-fast", "compact"),
                            ("teacher", "teacher"), ("teacher-robust", "teacher")):
        arch = read_meta(default_bundle_path(shipped))["architecture"]
        assert build_model(arch).config == CONFIGS[config], shipped
    assert count_parameters(build_model("compact3")) <= 25_000
