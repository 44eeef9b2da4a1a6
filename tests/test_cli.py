"""The offline programs, run as a user runs them."""
import json

import numpy as np
import pytest

from conftest import run_app


@pytest.mark.parametrize("app", ["robustamc-train", "robustamc-dataset", "robustamc-model",
                                 "robustamc-evaluate",
                                 "robustamc-demo", "robustamc-bench"])
def test_help(app):
    p = run_app(app, "--help")
    assert "usage:" in p.stdout and len(p.stdout) > 300


def test_dataset_synth_info_and_train_from_file(tmp_path):
    data = tmp_path / "d.npz"
    run_app("robustamc-dataset", "synth", "--out", data, "--per-pair", "3", "--seed", "5")
    assert np.load(data)["x"].shape == (3 * 11 * 20, 2, 128)
    p = run_app("robustamc-dataset", "info", data)
    assert "QAM64" in p.stdout and '"seed": 5' in p.stdout
    out = tmp_path / "run"
    run_app("robustamc-train", "--model", "compact", "--data", data, "--out", out,
            "--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "32", "--no-progress")
    meta = json.loads((out / "compact.json").read_text())
    assert meta["data"]["source"] == "file" and "--data" in meta["training_command"]
    for f in ("accuracy_vs_snr.png", "confusion.png", "metrics.json", "report.md", "checkpoint.pt"):
        assert (out / f).is_file(), f


def test_train_on_the_fly_resume_and_bundle(tmp_path):
    out = tmp_path / "run"
    args = ["--model", "compact", "--out", out, "--epochs", "2", "--steps-per-epoch", "3",
            "--batch-size", "32", "--val-per-pair", "1", "--seed", "3", "--no-progress"]
    p = run_app("robustamc-train", *args)
    assert "epoch 2/2" in p.stdout
    first = (out / "compact.safetensors").read_bytes()
    p = run_app("robustamc-train", *args, "--resume")
    assert "resumed" in p.stdout and "epoch 2/2" not in p.stdout
    assert (out / "compact.safetensors").read_bytes() == first  # nothing left to train
    p = run_app("robustamc-model", "info", out / "compact.json", "teacher")
    assert "compact" in p.stdout and "teacher" in p.stdout and "MACs/frame" in p.stdout
    bad = run_app("robustamc-train", *args[:-1], "--lr", "1", "--resume", check=False)
    assert bad.returncode == 2 and "other training settings" in bad.stderr


def test_model_info_default_and_errors(tmp_path):
    p = run_app("robustamc-model", "info")
    assert "bundle" in p.stdout and "training_command" in p.stdout
    p = run_app("robustamc-model", "info", tmp_path / "nope.json", check=False)
    assert p.returncode == 2 and "neither a bundle nor a config" in p.stderr
    (tmp_path / "x.json").write_text("[]")
    p = run_app("robustamc-model", "info", tmp_path / "x.json", check=False)
    assert p.returncode == 2 and "error:" in p.stderr


def test_bad_data_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(b"garbage")
    p = run_app("robustamc-train", "--data", bad, "--out", tmp_path / "o", check=False)
    assert p.returncode == 2 and "RadioML 2016.10a" in p.stderr


def test_evaluate_writes_report(tmp_path, small_bundle):
    out = tmp_path / "rep"
    p = run_app("robustamc-evaluate", small_bundle, "--out", out, "--per-pair", "2",
                "--no-progress")
    assert "tiny:" in p.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["frames"] == 2 * 11 * 20
    assert set(metrics["models"]["tiny"]["by_snr"]) == {str(s) for s in range(-20, 20, 2)}
    report = (out / "report.md").read_text()
    assert "| tiny |" in report and "SNR >= 10 dB" in report
    for f in ("accuracy_vs_snr.png", "confusion_tiny.png", "confusion_tiny_high_snr.png"):
        assert (out / f).stat().st_size > 1000
