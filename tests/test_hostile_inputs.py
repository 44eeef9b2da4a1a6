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


# --------------------------------------------------------------------------- training data
def _npz_with_nan(path, nan_frames=5):
    from robustamc.datasets import save_frames, synthesize_grid
    fs = synthesize_grid(2, seed=3)
    fs.x[:nan_frames, 0, 7] = np.nan
    fs.x[nan_frames, :, :] = 0.0          # and one frame of silence
    save_frames(fs, path)
    return len(fs)


def test_non_finite_frames_are_dropped_counted_and_reported(tmp_path):
    from robustamc.datasets import load_frames
    n = _npz_with_nan(tmp_path / "nan.npz")
    fs = load_frames(tmp_path / "nan.npz")
    assert len(fs) == n - 6 and np.isfinite(fs.x).all()
    assert fs.meta["dropped_frames"] == {"nonfinite": 5, "no_power": 1}
    p = run_app("robustamc-dataset", "info", tmp_path / "nan.npz")
    assert "dropped 5 frames with NaN/Inf samples and 1 without power" in p.stderr


def test_hdf5_with_nan_frames_converts_to_a_clean_file(tmp_path):
    h5py = pytest.importorskip("h5py")
    from robustamc.datasets import RML2018_CLASSES
    rng = np.random.default_rng(0)
    n = 12
    x = rng.standard_normal((n, 1024, 2)).astype(np.float32)
    x[3, 100, 0] = np.inf
    y = np.zeros((n, 24), np.int64)
    y[:, RML2018_CLASSES.index("QPSK")] = 1
    with h5py.File(tmp_path / "r.hdf5", "w") as f:
        f["X"], f["Y"], f["Z"] = x, y, np.full((n, 1), 10)
    run_app("robustamc-dataset", "convert", tmp_path / "r.hdf5", "--out", tmp_path / "r.npz")
    from robustamc.datasets import load_frames
    fs = load_frames(tmp_path / "r.npz")
    assert len(fs) == (n - 1) * 8 - 0 or len(fs) == n * 8 - 1   # the one bad window goes
    assert np.isfinite(fs.x).all()


def test_training_on_nan_data_writes_a_clean_bundle_and_a_nan_loss_stops(tmp_path):
    """Frames with NaN are dropped before training; a loss that becomes non-finite anyway
    (here: a learning rate of 1e30) stops the run with an error and writes no bundle."""
    _npz_with_nan(tmp_path / "nan.npz")
    small = ["--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "32",
             "--warmup-steps", "1", "--no-progress", "--data", tmp_path / "nan.npz"]
    p = run_app("robustamc-train", "--out", tmp_path / "ok", *small)
    b = load_bundle(tmp_path / "ok" / "compact.json")
    assert all(torch.isfinite(v).all() for v in b.model.state_dict().values())
    assert "dropped 5 frames" in p.stderr
    p = run_app("robustamc-train", "--out", tmp_path / "diverged", *small, "--lr", "1e30",
                check=False)
    assert p.returncode == 2 and "error: the loss became" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "diverged" / "compact.json").exists()


def test_npz_declaring_more_than_it_holds_is_refused_before_allocating(tmp_path):
    """A .npz whose x header declares 1e12 frames (a hostile or truncated file)."""
    from robustamc.datasets import DatasetError, load_frames, save_frames, synthesize_grid
    good = tmp_path / "good.npz"
    save_frames(synthesize_grid(1, seed=0), good)
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "x.npy":
                data = data.replace(b"(220, 2, 128)", b"(10000000000000, 2, 128)")
            zout.writestr(info.filename, data)

    def load():
        with pytest.raises(DatasetError, match="declares"):
            load_frames(bad)
    _quick(load)


def test_hdf5_declaring_a_huge_dataset_is_refused_before_allocating(tmp_path):
    h5py = pytest.importorskip("h5py")
    from robustamc.datasets import DatasetError, load_frames
    with h5py.File(tmp_path / "huge.hdf5", "w") as f:
        f.create_dataset("X", shape=(10 ** 9, 1024, 2), dtype="f4")   # nothing stored
        f.create_dataset("Y", shape=(10 ** 9, 24), dtype="f4")
        f.create_dataset("Z", shape=(10 ** 9, 1), dtype="f4")

    def load():
        with pytest.raises(DatasetError, match="stores|memory"):
            load_frames(tmp_path / "huge.hdf5")
    _quick(load)
    p = run_app("robustamc-dataset", "convert", tmp_path / "huge.hdf5", "--out",
                tmp_path / "o.npz", check=False)
    assert p.returncode == 2 and p.stderr.startswith("error:")


def test_hostile_checkpoint_is_one_error_line(tmp_path):
    import pickle
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes(pickle.dumps({"model": print}))
    p = run_app("robustamc-train", "--out", out, "--resume", "--epochs", "1",
                "--steps-per-epoch", "1", "--no-progress", check=False)
    assert p.returncode == 2 and p.stderr.splitlines()[-1].startswith("error:")
    assert "not a gr-robustamc checkpoint" in p.stderr and "Traceback" not in p.stderr
    assert "weights_only" not in p.stderr   # no advice to load it unsafely


def test_resume_with_other_settings_says_how_to_train_further(tmp_path):
    small = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "16",
             "--val-per-pair", "1", "--warmup-steps", "1", "--no-progress"]
    run_app("robustamc-train", "--out", tmp_path, *small)
    p = run_app("robustamc-train", "--out", tmp_path, *small, "--lr", "1e-4", "--resume",
                check=False)
    assert p.returncode == 2 and "--init" in p.stderr and "lr 0.002 -> 0.0001" in p.stderr


def test_training_logs_every_step_plots_curves_and_warns_about_long_warmup(tmp_path):
    p = run_app("robustamc-train", "--out", tmp_path, "--epochs", "2", "--steps-per-epoch", "3",
                "--batch-size", "16", "--val-per-pair", "1", "--no-progress")
    assert "warning: --warmup-steps 200 is longer than the run" in p.stderr
    from robustamc.training import read_step_log
    rows = read_step_log(tmp_path / "steps.csv")
    assert [r["global_step"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(np.isfinite(r["loss"]) and 0 <= r["accuracy"] <= 1 for r in rows)
    assert (tmp_path / "training_curves.png").stat().st_size > 10_000


# --------------------------------------------------------------------------- recordings
@pytest.mark.parametrize("rate, expect", [
    ("2.048", "did you mean 2.048e+06"), ("100", "outside"), ("1e-3", "outside"),
    ("5e9", "too high"), ("nan", "positive number"),
])
def test_absurd_sample_rates_are_clear_errors_not_huge_allocations(tmp_path, rate, expect):
    np.zeros(4096, np.complex64).tofile(tmp_path / "x.cf32")
    t = time.time()
    p = run_app("robustamc-classify", tmp_path / "x.cf32", "--samp-rate", rate, "--no-progress",
                check=False)
    assert time.time() - t < 30
    assert p.returncode == 2 and p.stderr.startswith("error:") and expect in p.stderr, p.stderr


def _sigmf(tmp_path, n=20000, rate=1e-3, annotations=()):
    from robustamc.recordings import SigMFWriter
    w = SigMFWriter(tmp_path / "rec", 200e3)
    rng = np.random.default_rng(0)
    w.write((rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64))
    for a in annotations:
        w.annotate(*a)
    meta = w.close()
    m = json.loads(meta.read_text())
    m["global"]["core:sample_rate"] = rate
    meta.write_text(json.dumps(m))
    return meta


def test_sigmf_with_an_absurd_rate_is_an_error_line(tmp_path):
    meta = _sigmf(tmp_path, rate=1e-3)
    p = run_app("robustamc-classify", meta, "--no-progress", check=False)
    assert p.returncode == 2 and "outside" in p.stderr and "Traceback" not in p.stderr


def test_sigmf_with_millions_of_annotations_is_refused_quickly(tmp_path):
    from robustamc.recordings import RecordingError, open_recording
    meta = _sigmf(tmp_path, rate=200e3)
    m = json.loads(meta.read_text())
    m["annotations"] = [{"core:sample_start": i % 1000, "core:sample_count": 1}
                        for i in range(300_000)]
    meta.write_text(json.dumps(m))

    def load():
        with pytest.raises(RecordingError, match="annotations is more than"):
            open_recording(meta)
    t = time.time()
    load()
    assert time.time() - t < 30


@pytest.mark.parametrize("start, count, expect", [
    (-5, 1000, "outside the recording"), (10 ** 9, 1000, "outside the recording"),
    (100, -3, "a count is an integer"),
])
def test_annotations_out_of_the_file_are_an_error_line_in_training(tmp_path, start, count, expect):
    meta = _sigmf(tmp_path, rate=200e3)
    m = json.loads(meta.read_text())
    m["annotations"] = [{"core:sample_start": start, "core:sample_count": count,
                         "core:label": "QPSK"}]
    meta.write_text(json.dumps(m))
    p = run_app("robustamc-train", "--data", meta, "--out", tmp_path / "t", "--epochs", "1",
                "--steps-per-epoch", "1", "--no-progress", check=False)
    assert p.returncode == 2 and expect in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_annotated_copy_is_valid_sigmf_and_trains(tmp_path):
    """classify -> annotate -> train on it: the copy validates against the SigMF schema, is
    read back by our own programs, and declares every robustamc key it uses."""
    from sigmf import sigmffile

    from robustamc.recordings import EXTENSION_KEYS
    from test_recordings import continuous
    from robustamc.recordings import SigMFWriter
    w = SigMFWriter(tmp_path / "cap", 200e3)
    w.write(continuous("QPSK", 60))
    w.close()
    (tmp_path / "labelled").mkdir()
    copy = tmp_path / "labelled" / "copy.sigmf-meta"
    run_app("robustamc-classify", tmp_path / "cap.sigmf-meta", "--annotate", copy,
            "--bundle", "compact", "--average", "8", "--no-progress")
    sigmffile.fromfile(str(copy)).validate()
    meta = json.loads(copy.read_text())
    assert "core:dataset" not in meta["global"]
    used = {k.split(":", 1)[1] for a in meta["annotations"] for k in a if k.startswith("robustamc:")}
    assert used and used <= set(EXTENSION_KEYS)
    p = run_app("robustamc-train", "--data", copy, "--out", tmp_path / "t", "--epochs", "1",
                "--steps-per-epoch", "2", "--batch-size", "8", "--warmup-steps", "1",
                "--no-progress")
    assert "bundle written" in p.stdout
    run_app("robustamc-classify", copy, "--no-progress")
