"""Defects found by attacking the product with bad input (issue: holds under bad input).

Each test reproduces one defect: hostile bundles, non-finite training data, absurd sample
rates and declared sizes, malformed annotations and checkpoints. A refusal is a clear error
(`BundleError`, `DatasetError`, `RecordingError`, or an `error:` line from a program), never
a traceback, and is quick and small: nothing is allocated from a size a file declares."""
import json
import resource
import shutil
import time
import zipfile

import numpy as np
import pytest
import torch

from conftest import run_app
from robustamc.bundle import BundleError, load_bundle, save_bundle
from robustamc.models import build_model


def _copy_bundle(src, dst_dir, edit):
    """A copy of bundle `src` in `dst_dir` whose JSON `edit(meta)` changes (weights kept)."""
    src = src.with_suffix("")
    for ext in (".json", ".safetensors"):
        shutil.copy(src.with_suffix(ext), dst_dir / f"b{ext}")
    meta_path = dst_dir / "b.json"
    meta = json.loads(meta_path.read_text())
    out = edit(meta)
    meta_path.write_text(out if isinstance(out, str) else json.dumps(meta))
    return meta_path


def _quick(fn):
    """Runs fn, asserting it takes under 10 s and under 1 GB more peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.time()
    fn()
    assert time.time() - t < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1 << 20  # kB


@pytest.mark.parametrize("edit, expect", [
    (lambda m: m["architecture"].update(depth=10 ** 6), "depth = 1000000 is outside"),
    (lambda m: m["architecture"].update(dim=100_000, mlp_dim=100_000), "dim = 100000"),
    (lambda m: m["architecture"].update(dim=2048, mlp_dim=16384, depth=48), "parameters"),
    (lambda m: m.update(architecture=None), "'architecture' must be a JSON object"),
    (lambda m: m["architecture"].update(heads=0), "heads = 0 is outside"),
    (lambda m: m["architecture"].update(heads=5), "not divisible by heads"),
    (lambda m: m["architecture"].update(dim="32"), "must be an integer"),
    (lambda m: m["architecture"].update(depth=True), "must be an integer"),
    (lambda m: m["architecture"].update(dim=64), "weights do not fit"),
    (lambda m: m["architecture"].update(features=["iq"]), "must be strings"),
    (lambda m: m.update(window="128"), "'window' must be a JSON integer"),
    (lambda m: json.dumps(m)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested too deeply"),
    (lambda m: json.dumps(m)[:-1] + ', "x": ' + "9" * 5000 + "}", "not valid JSON"),
])
def test_hostile_bundle_is_a_clear_error_before_anything_is_built(small_bundle, tmp_path,
                                                                   edit, expect):
    path = _copy_bundle(small_bundle, tmp_path, edit)

    def load():
        with pytest.raises(BundleError, match=expect):
            load_bundle(path)
    _quick(load)


def test_hostile_bundle_in_a_program_is_an_error_line(small_bundle, tmp_path):
    path = _copy_bundle(small_bundle, tmp_path, lambda m: m.update(architecture=None))
    p = run_app("robustamc-model", "info", path, check=False)
    assert p.returncode == 2 and p.stderr.startswith("error:") and "Traceback" not in p.stderr


def test_bundle_with_non_finite_weights_is_neither_written_nor_loaded(small_bundle, tmp_path):
    model = build_model("compact")
    with torch.no_grad():
        model.head.weight[0, 0] = float("nan")
    with pytest.raises(BundleError, match="non-finite"):
        save_bundle(model, tmp_path / "nan.json")
    assert not (tmp_path / "nan.json").exists()
