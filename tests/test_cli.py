"""The offline programs, run as a user runs them."""
import json

import numpy as np
import pytest

from conftest import APPS, run_app


@pytest.mark.parametrize("app", ["robustamc-train", "robustamc-distill", "robustamc-dataset",
                                 "robustamc-model", "robustamc-evaluate", "robustamc-attack",
                                 "robustamc-demo", "robustamc-bench", "robustamc-classify",
                                 "robustamc-capture"])
def test_help(app):
    p = run_app(app, "--help")
    assert "usage:" in p.stdout and len(p.stdout) > 300


def test_bench_sections(gr_robustamc):
    p = run_app("robustamc-bench", "--only", "model", "--batch-sizes", "8", "--seconds", "0.2")
    assert "| batch (windows) |" in p.stdout and "synthesiser" not in p.stdout
    assert "occupancy_gate_cc" not in p.stdout
    p = run_app("robustamc-bench", "--only", "gates", check=False)
    assert p.returncode == 2 and "unknown sections" in p.stderr


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
    assert bad.returncode == 2 and "differ" in bad.stderr and "--init" in bad.stderr


def test_data_workers_train_the_same_model(tmp_path):
    """Batches made ahead by worker processes are the batches the loop would make."""
    args = ["--model", "compact", "--preset", "field", "--epochs", "2", "--steps-per-epoch", "4",
            "--batch-size", "32", "--val-per-pair", "1", "--seed", "7", "--no-progress"]
    run_app("robustamc-train", *args, "--out", tmp_path / "loop")
    run_app("robustamc-train", *args, "--out", tmp_path / "workers", "--data-workers", "2")
    assert ((tmp_path / "loop/compact.safetensors").read_bytes()
            == (tmp_path / "workers/compact.safetensors").read_bytes())
    bad = run_app("robustamc-train", *args, "--out", tmp_path / "b", "--data-workers", "-1",
                  check=False)
    assert bad.returncode == 2 and "--data-workers" in bad.stderr
    data = tmp_path / "d.npz"
    run_app("robustamc-dataset", "synth", "--out", data, "--per-pair", "1")
    bad = run_app("robustamc-train", "--data", data, "--out", tmp_path / "b", "--data-workers",
                  "1", check=False)
    assert bad.returncode == 2 and "need none" in bad.stderr
    assert not (tmp_path / "b").exists()


def test_train_shape_override_and_errors(tmp_path):
    """--shape builds a resized named config; its bundle records and reloads that shape."""
    out = tmp_path / "wide"
    p = run_app("robustamc-train", "--shape", "dim=40,mlp_dim=48,embed_span=0", "--out", out,
                "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "16",
                "--val-per-pair", "1", "--no-progress")
    assert "compact (dim=40,mlp_dim=48,embed_span=0): 24,507 parameters" in p.stdout
    arch = json.loads((out / "compact.json").read_text())["architecture"]
    assert (arch["dim"], arch["mlp_dim"], arch["depth"], arch["embed_span"]) == (40, 48, 2, 0)
    p = run_app("robustamc-model", "info", out / "compact.json")
    assert "24,507" in p.stdout or "24507" in p.stdout
    for shape, msg in [("dim=30", "not divisible by heads"), ("foo=3", "not FIELD=N"),
                       ("dim=x", "positive integer"), ("depth=0", "positive integer")]:
        bad = run_app("robustamc-train", "--shape", shape, "--out", tmp_path / "b", check=False)
        assert bad.returncode == 2 and msg in bad.stderr, (shape, bad.stderr)
    bad = run_app("robustamc-train", "--init", out / "compact.json", "--shape", "dim=32",
                  "--out", tmp_path / "b", check=False)
    assert bad.returncode == 2 and "--init" in bad.stderr
    assert not (tmp_path / "b").exists()


def test_model_info_default_and_errors(tmp_path):
    p = run_app("robustamc-model", "info")
    assert "bundle" in p.stdout and "training_command" in p.stdout
    assert "shipped bundles (usable by name" in p.stdout and "teacher-robust" in p.stdout
    p = run_app("robustamc-model", "info", tmp_path / "nope.json", check=False)
    assert p.returncode == 2 and "neither a bundle file nor a shipped bundle" in p.stderr
    (tmp_path / "x.json").write_text("[]")
    p = run_app("robustamc-model", "info", tmp_path / "x.json", check=False)
    assert p.returncode == 2 and "error:" in p.stderr


def test_model_info_of_a_shipped_name_shows_the_bundle():
    """`compact` is both a configuration and a shipped bundle: info shows the bundle (with
    its training command and weights), --config the untrained architecture."""
    p = run_app("robustamc-model", "info", "compact")
    assert "bundle" in p.stdout and "training_command" in p.stdout and "weights_sha256" in p.stdout
    p = run_app("robustamc-model", "info", "--config", "compact")
    assert "config" in p.stdout and "training_command" not in p.stdout


def test_bad_data_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(b"garbage")
    p = run_app("robustamc-train", "--data", bad, "--out", tmp_path / "o", check=False)
    assert p.returncode == 2 and "RadioML 2016.10a" in p.stderr


def test_evaluate_writes_report(tmp_path, small_bundle):
    """Clean and attacked accuracy, seeds summarised, transfer matrix, plots, JSON."""
    import shutil
    for seed in (1, 2):   # two "seeds" of one method (the same weights, so the std is 0)
        folder = tmp_path / f"seed{seed}"
        folder.mkdir()
        shutil.copy(small_bundle.with_suffix(".safetensors"), folder / "tiny.safetensors")
        meta = json.loads(small_bundle.read_text())
        (folder / "tiny.json").write_text(json.dumps(dict(meta, seed=seed)))
    seed1, seed2 = tmp_path / "seed1", tmp_path / "seed2"
    out = tmp_path / "rep"
    p = run_app("robustamc-evaluate", small_bundle, "no-such-model", "--out", out, check=False)
    assert p.returncode == 2 and "no-such-model" in p.stderr
    p = run_app("robustamc-evaluate", seed1 / "tiny.json", seed2 / "tiny.json", "compact", "--out", out,
                "--per-pair", "2", "--attack-per-pair", "1", "--pgd-steps", "2", "--uap-steps", "3",
                "--psr-db", "-25", "-15", "--attacks", "fgm", "pgd", "gaussian", "uap",
                "--no-progress")
    assert "seed2/tiny: clean" in p.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["frames"] == 2 * 11 * 20
    m = metrics["models"]["seed2/tiny"]
    assert set(m["clean"]["by_snr"]) == {str(s) for s in range(-20, 20, 2)}
    assert set(m["attacks"]) == {"fgm", "pgd", "gaussian", "uap", "worst-case"}
    assert set(m["attacks"]["pgd"]) == {"-25", "-15"}
    g = metrics["groups"]["tiny"]
    assert len(g["members"]) == 2 and g["clean"]["mean_over_snr"][1] == 0.0  # same weights
    t = metrics["transfer"]
    assert len(t["models"]) == 2 and len(t["accuracy_snr_ge0"]) == 2   # one per name
    report = (out / "report.md").read_text()
    assert "| tiny | transformer | standard |" in report and "± 0.0" in report
    assert "### pgd" in report and "Transfer" in report
    for f in ("accuracy_vs_snr.png", "robust_vs_psr.png", "transfer.png", "attention.png",
              "confusion_tiny.png", "confusion_compact.png"):
        assert (out / f).stat().st_size > 1000, f
    bad = run_app("robustamc-evaluate", small_bundle, "--out", out, "--attacks", "deepfool",
                  check=False)
    assert bad.returncode == 2 and "unknown attack" in bad.stderr
    # ship a bundle under a new name with its report numbers
    dest = tmp_path / "shipped" / "compact-robust.json"
    run_app("robustamc-model", "ship", seed2 / "tiny.json", dest, "--report",
            out / "metrics.json", "--label", "seed2/tiny")
    from robustamc.bundle import load_bundle
    b = load_bundle(dest)
    assert b.name == "compact-robust" and b.meta["shipped_from"]["name"] == "tiny"
    assert b.meta["robustness"]["attacks_mean_snr_ge0"]["pgd"]["-15"] == m["attacks"]["pgd"]["-15"]["mean_snr_ge0"]
    p = run_app("robustamc-model", "ship", seed2 / "tiny.json", dest, "--report",
                out / "metrics.json", "--label", "nobody", check=False)
    assert p.returncode == 2 and "no model 'nobody'" in p.stderr
    clean = json.loads((out / "metrics.json").read_text())     # as --attacks none writes it
    for mm in clean["models"].values():
        mm.pop("attacks"), mm.pop("clean_attack_set")
    (out / "clean.json").write_text(json.dumps(clean))
    before = dest.read_bytes()
    p = run_app("robustamc-model", "ship", seed2 / "tiny.json", dest, "--report",
                out / "clean.json", "--label", "seed2/tiny", check=False)
    assert p.returncode == 2 and "clean-only report" in p.stderr and dest.read_bytes() == before


def test_evaluate_keeps_a_users_bundle_apart_from_a_shipped_one_of_the_same_name(tmp_path):
    """A user's runs/x/compact.json (named `compact` by default) and the shipped `compact`
    are two models: two rows, labelled by where they come from, two confusion plots."""
    run_app("robustamc-train", "--out", tmp_path / "x", "--epochs", "1", "--steps-per-epoch", "2",
            "--batch-size", "16", "--val-per-pair", "1", "--warmup-steps", "1", "--no-progress")
    out = tmp_path / "rep"
    p = run_app("robustamc-evaluate", tmp_path / "x" / "compact.json", "compact", "--out", out,
                "--per-pair", "1", "--attacks", "none", "--no-transfer", "--no-progress")
    assert "x/compact: clean" in p.stdout and "shipped/compact: clean" in p.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    # same name, method and architecture, different seeds: still not seeds of one method
    assert set(metrics["groups"]) == {"x/compact", "shipped/compact"}
    assert [len(g["members"]) for g in metrics["groups"].values()] == [1, 1]
    assert "| x/compact | transformer | standard |" in (out / "report.md").read_text()
    assert len(list(out.glob("confusion_*.png"))) == 2
    p = run_app("robustamc-evaluate", "compact", "compact", "--out", out, check=False)
    assert p.returncode == 2 and "given twice" in p.stderr


def test_class_names_are_case_insensitive_and_the_help_examples_work(tmp_path):
    from robustamc.constants import CLASSES, class_name
    assert [class_name(c.lower()) for c in CLASSES] == list(CLASSES)
    assert class_name("am_dsb") == "AM-DSB" and class_name("FM") == "WBFM"
    assert class_name("16qam") == "QAM16"
    with pytest.raises(ValueError, match="known: 8PSK"):
        class_name("LoRa")
    import re
    for app in ("robustamc-capture", "robustamc-demo"):
        # the command lines of the help's examples
        for label in re.findall(r"^\s+robustamc-\S+ .*--label (\S+)", (APPS / app).read_text(),
                                re.M):
            class_name(label)
    p = run_app("robustamc-capture", "--source", "sim", "--label", "qpsk", "--seconds", "0.02",
                "--out", tmp_path / "q")
    meta = json.loads((tmp_path / "q.sigmf-meta").read_text())
    assert {a["core:label"] for a in meta["annotations"]} == {"QPSK"}
    p = run_app("robustamc-demo", "--narrowband", "--modulations", "bpsk,Am-Dsb", "--segment", "0.05", "--fast",
                "--quiet", "--average", "8")
    assert "accuracy:" in p.stdout


def test_attack_frames_and_uap(tmp_path):
    adv = tmp_path / "adv.npz"
    p = run_app("robustamc-attack", "frames", "--attack", "fgm", "--psr-db", "-15",
                "--per-pair", "1", "--out", adv)
    assert "achieved PSR mean -15.00 dB" in p.stdout
    from robustamc.datasets import load_frames
    fs = load_frames(adv)
    assert len(fs) == 220 and fs.meta["attack"]["attack"] == "fgm"
    p = run_app("robustamc-attack", "frames", "--attack", "pgd", "--pnr-db", "0",
                "--pgd-steps", "2", "--per-pair", "1", "--data", adv, "--out", tmp_path / "b.npz")
    assert "PNR 0 dB" in p.stdout
    uap = tmp_path / "uap.npz"
    p = run_app("robustamc-attack", "uap", "--steps", "5", "--per-pair", "5", "--out", uap,
                "--no-progress")
    assert "Gaussian noise at the same power" in p.stdout
    from robustamc.attacks import load_perturbation
    c, meta = load_perturbation(uap)
    assert len(c) == 128 and meta["shift_invariant"] is True and meta["psr_db"] == -20.0
    for bad_args, msg in ((["frames", "--attack", "uap", "--out", adv], "unknown attack"),
                          (["uap", "--out", tmp_path / "u.bin"], ".npz"),
                          (["uap", "--bundle", tmp_path / "no.json", "--out", uap], "not found")):
        p = run_app("robustamc-attack", *bad_args, check=False)
        assert p.returncode == 2 and msg in p.stderr, p.stderr
