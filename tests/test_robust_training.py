"""Adversarial training, distillation methods, baselines and distributed training, run as a
user runs them (the programs) plus the attention-alignment pieces they rest on."""
import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import APPS, run_app
from robustamc.bundle import default_bundle_path, load_bundle
from robustamc.models import BASELINES, CONFIGS, build_model, count_macs, count_parameters
from robustamc.objectives import (AttentionTransfer, align_heads, align_tokens,
                                  attention_distance, match_layers)

TEACHER = default_bundle_path("teacher")
QUICK = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "16", "--val-per-pair", "1",
         "--train-pgd-steps", "2", "--no-progress", "--threads", "1"]


def test_layer_head_and_token_alignment():
    assert match_layers(2, 4, "all") == [(0, 1), (1, 3)]
    assert match_layers(2, 4, "last") == [(1, 3)]
    assert match_layers(2, 4, "first") == [(0, 0)]
    assert match_layers(3, 4, "all") == [(0, 0), (1, 2), (2, 3)]
    t = torch.softmax(torch.randn(3, 8, 17, 17), -1)
    g = align_heads(t, 4, "group")
    assert g.shape == (3, 4, 17, 17) and torch.allclose(g[:, 0], t[:, :2].mean(1))
    assert align_heads(t, 4, "mean").shape == (3, 1, 17, 17)
    with pytest.raises(ValueError, match="multiple"):
        align_heads(t, 3, "group")
    assert align_tokens(t, 17) is t
    small = align_tokens(t, 9)      # e.g. a student with patches twice as long
    assert small.shape == (3, 8, 9, 9)
    assert torch.allclose(small.sum(-1), torch.ones(3, 8, 9), atol=1e-5)
    for kind in ("l2", "kl"):
        assert attention_distance(t, t, kind).abs() < 1e-6
        assert attention_distance(t, torch.softmax(torch.randn_like(t), -1), kind) > 0.01


def test_attention_transfer_loss_pulls_student_maps_to_the_teacher():
    """A few steps on the attention term alone bring the student's maps closer."""
    torch.manual_seed(0)
    teacher, student = build_model("teacher").eval(), build_model("compact")
    obj = AttentionTransfer(weight=1.0, teacher=teacher)
    x = torch.randn(32, 2, 128)
    opt = torch.optim.Adam(student.parameters(), lr=3e-3)

    def at_loss():
        _, s = student(x, return_attention=True)
        _, t = obj.teacher_out(x, return_attention=True)
        return obj.loss_terms(s, t, s[0].shape[1])
    before = at_loss().item()
    for _ in range(30):
        opt.zero_grad()
        at_loss().backward()
        opt.step()
    assert at_loss().item() < 0.5 * before


@pytest.mark.parametrize("method", ["pgd-at", "kd", "ard", "rslad", "trades", "attention"])
def test_every_method_trains_from_the_cli(tmp_path, method):
    out = tmp_path / method
    extra = [] if method in ("pgd-at", "trades") else ["--teacher", TEACHER]
    p = run_app("robustamc-train", "--model", "compact", "--method", method, "--out", out,
                *extra, *QUICK)
    assert "epoch 1/1" in p.stdout
    meta = json.loads((out / "compact.json").read_text())
    assert meta["training_method"]["method"] == method
    if method != "kd":
        assert meta["training_method"]["attack"]["psr_db"] == -20.0
    if method == "trades":
        assert meta["training_method"]["beta"] == 6.0
    if method == "pgd-at":
        assert "early_stop" not in meta["training_method"]["attack"]   # off: as before it existed
    if extra:
        assert meta["teacher"]["weights_sha256"] == load_bundle(TEACHER).meta["weights_sha256"]


def test_friendly_adversarial_training_option(tmp_path):
    """--train-early-stop makes PGD-AT friendly (FAT) and is recorded; other methods refuse it."""
    out = tmp_path / "fat"
    run_app("robustamc-train", "--method", "pgd-at", "--train-early-stop", "1", "--out", out,
            *QUICK)
    meta = json.loads((out / "compact.json").read_text())
    assert meta["training_method"]["attack"]["early_stop"] == 1
    bad = run_app("robustamc-train", "--method", "trades", "--train-early-stop", "1",
                  "--out", tmp_path / "b", check=False)
    assert bad.returncode == 2 and "--train-early-stop needs --method pgd-at" in bad.stderr


def test_training_attack_loss_option(tmp_path):
    """--train-attack-loss dlr / worst trains PGD-AT against APGD-DLR's margin loss or the
    per-frame stronger of both attacks, and is recorded (ce, the default, is left out of the
    bundle as before the option existed); other methods and FAT refuse it."""
    out = tmp_path / "worst"
    run_app("robustamc-train", "--method", "pgd-at", "--train-attack-loss", "worst", "--out", out,
            *QUICK)
    meta = json.loads((out / "compact.json").read_text())
    assert meta["training_method"]["attack"]["loss"] == "worst"
    for bad_args in (["--method", "trades", "--train-attack-loss", "dlr"],
                     ["--method", "pgd-at", "--train-attack-loss", "dlr", "--train-early-stop", "1"]):
        bad = run_app("robustamc-train", *bad_args, "--out", tmp_path / "b", check=False)
        assert bad.returncode == 2 and "--train-attack-loss other than ce" in bad.stderr
    assert not (tmp_path / "b").exists()


def test_the_worst_training_attack_is_at_least_as_strong_as_either():
    """Per frame the stronger of the CE and DLR attacks: at least as many frames fooled and at
    least the cross-entropy of either attack alone, from the same random starts."""
    from robustamc.attacks import classifier_fn
    from robustamc.datasets import synthesize_grid
    from robustamc.objectives import AttackConfig, _craft
    b = load_bundle("compact-robust")
    fs = synthesize_grid(2, seed=31)
    keep = fs.snr >= 6
    x, y = torch.from_numpy(fs.x[keep]), torch.from_numpy(fs.y[keep])
    fn = classifier_fn(b.model, b.normalization)

    def attacked(loss):
        xa = _craft(b.model, x, y, AttackConfig(steps=3, loss=loss), b.normalization,
                    torch.Generator().manual_seed(5))
        with torch.no_grad():
            logits = fn(xa)
        return ((logits.argmax(1) != y).float().mean().item(),
                torch.nn.functional.cross_entropy(logits, y, reduction="none"))

    (w_ce, l_ce), (w_dlr, l_dlr), (w_worst, l_worst) = (attacked(k) for k in ("ce", "dlr", "worst"))
    assert w_worst >= max(w_ce, w_dlr) - 1e-9 and w_dlr > 0.05
    # the CE attack of "worst" starts from the same draw as "ce" alone: the loss per frame is
    # at least that attack's wherever neither fooled the model
    assert (l_worst >= l_ce - 1e-4).float().mean() > 0.95
    with pytest.raises(ValueError, match="unknown training attack loss"):
        AttackConfig(loss="kl")


def test_rslad_adversarial_weight_option(tmp_path):
    """--adv-weight reaches the RSLAD objective and its bundle; out-of-range values fail."""
    out = tmp_path / "r"
    run_app("robustamc-train", "--method", "rslad", "--teacher", TEACHER, "--adv-weight", "0.5",
            "--out", out, *QUICK)
    assert json.loads((out / "compact.json").read_text())["training_method"]["adv_weight"] == 0.5
    bad = run_app("robustamc-train", "--method", "rslad", "--teacher", TEACHER, "--adv-weight",
                  "1.5", "--out", tmp_path / "b", check=False)
    assert bad.returncode == 2 and "adversarial weight must be in [0, 1]" in bad.stderr
    assert not (tmp_path / "b").exists()


def test_distill_defaults_resume_and_errors(tmp_path):
    out = tmp_path / "d"
    args = ["--out", out, "--teacher", TEACHER, "--epochs", "2", "--at-layers", "last", "--craft-on", "teacher",
            "--seed", "4", *QUICK[2:]]
    run_app("robustamc-distill", *args)
    meta = json.loads((out / "compact.json").read_text())
    assert meta["training_method"]["method"] == "attention"
    assert meta["training_method"]["craft_on"] == "teacher"
    weights = (out / "compact.safetensors").read_bytes()
    # resuming a finished adversarial run changes nothing; other settings are refused
    p = run_app("robustamc-distill", *args, "--resume")
    assert "resumed" in p.stdout and (out / "compact.safetensors").read_bytes() == weights
    bad = run_app("robustamc-distill", *args, "--at-weight", "3", "--resume", check=False)
    assert bad.returncode == 2 and "differ" in bad.stderr and "--init" in bad.stderr
    p = run_app("robustamc-distill", "--out", out, check=False)
    assert p.returncode == 2 and "--teacher" in p.stderr
    p = run_app("robustamc-train", "--method", "ard", "--out", out, check=False)
    assert p.returncode == 2 and "needs --teacher" in p.stderr
    p = run_app("robustamc-train", "--method", "pgd-at", "--teacher", TEACHER, "--out", out,
                check=False)
    assert p.returncode == 2 and "does not use a teacher" in p.stderr


def test_resume_of_adversarial_training_is_exact(tmp_path):
    """A run killed after epoch 1 and resumed ends bit-identical to an uninterrupted run."""
    from robustamc.datasets import SyntheticStream, synthesize_grid
    from robustamc.objectives import AdversarialTraining, AttackConfig
    from robustamc.training import TrainConfig, train

    cfg = TrainConfig(epochs=2, steps_per_epoch=2, batch_size=16, seed=9)
    val = synthesize_grid(1, seed=1)
    obj = AdversarialTraining(clean_weight=0.5, attack=AttackConfig(steps=2))

    def run(out, log=lambda line: None, resume=False):
        torch.manual_seed(9)
        m = build_model("compact")
        train(m, SyntheticStream(9), val, cfg, out, resume=resume, progress=False, log=log,
              objective=obj)
        return m

    full = run(tmp_path / "full")

    class Killed(Exception):
        pass

    def die_after_first_epoch(line):
        if line.startswith("epoch 1/2"):
            raise Killed
    with pytest.raises(Killed):
        run(tmp_path / "part", log=die_after_first_epoch)
    resumed = run(tmp_path / "part", resume=True)
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k


@pytest.mark.parametrize("arch", sorted(BASELINES))
def test_baselines_build_train_and_load(tmp_path, arch):
    m = build_model(arch)
    assert m(torch.randn(4, 2, 128)).shape == (4, 11)
    assert count_parameters(m) > 10_000 and count_macs(m) > 100_000
    out = tmp_path / arch
    run_app("robustamc-train", "--model", arch, "--out", out, *QUICK)
    b = load_bundle(out / f"{arch}.json")
    assert b.meta["architecture"]["arch"] == arch and b.meta["parameters"] == count_parameters(m)
    p = run_app("robustamc-train", "--model", "compact", "--method", "attention", "--teacher",
                out / f"{arch}.json", "--out", tmp_path / "x", *QUICK, check=False)
    assert p.returncode == 2 and "transformer teacher" in p.stderr


def test_model_info_lists_every_config():
    p = run_app("robustamc-model", "info", "--config", *CONFIGS)
    for name in CONFIGS:
        assert name in p.stdout


def test_torchrun_two_cpu_processes(tmp_path):
    """The same program under torchrun: two gloo processes train one DDP model."""
    out = tmp_path / "ddp"
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(APPS / "robustamc-train"), "--model", "compact", "--method", "pgd-at",
           "--out", str(out), "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "32",
           "--val-per-pair", "1", "--train-pgd-steps", "1", "--no-progress", "--threads", "1"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "distributed: 2 processes" in p.stdout
    assert p.stdout.count("epoch 2/2") == 1          # only rank 0 logs
    meta = json.loads((out / "compact.json").read_text())
    assert meta["training_method"]["method"] == "pgd-at"
    ck = torch.load(out / "checkpoint.pt", weights_only=True)
    assert ck["train_config"]["world"] == 2
    bad_cmd = cmd.copy()
    bad_cmd[bad_cmd.index("--batch-size") + 1] = "33"
    bad = subprocess.run(bad_cmd, capture_output=True, text=True, timeout=300, env=env)
    assert bad.returncode != 0 and "not divisible by 2 processes" in bad.stderr
