"""Attacks: budgets are honoured, strength is ordered as theory says, files are safe."""
import numpy as np
import pytest
import torch

from robustamc.attacks import (apply_universal, classifier_fn, fgm, fgsm, gaussian,
                               load_perturbation, perturbation_frame, pgd, pnr_to_psr, psr_db,
                               save_perturbation, universal_perturbation)
from robustamc.bundle import default_bundle_path, load_bundle
from robustamc.datasets import synthesize_grid
from robustamc.models import build_model
from robustamc.robustness import accuracy_on, craft


@pytest.fixture(scope="module")
def standard():
    """The shipped standard-trained compact model and high-SNR frames it mostly gets right."""
    b = load_bundle(default_bundle_path("compact"))
    fs = synthesize_grid(4, seed=77)
    keep = fs.snr >= 6
    return b, torch.from_numpy(fs.x[keep]), torch.from_numpy(fs.y[keep]), fs.snr[keep]


@pytest.mark.parametrize("psr", [-30.0, -20.0, -10.0])
def test_achieved_psr_equals_requested(standard, psr):
    b, x, y, _ = standard
    fn = classifier_fn(b.model, b.normalization)
    gen = torch.Generator().manual_seed(0)
    for delta in (fgm(fn, x, y, psr), fgsm(fn, x, y, psr), gaussian(x, psr, gen),
                  pgd(fn, x, y, psr, steps=3, generator=gen)):
        assert torch.allclose(psr_db(x, delta), torch.full((len(x),), psr), atol=1e-3)
    # the L-infinity box holds at most the energy of its corner
    d = pgd(fn, x, y, psr, norm="linf", steps=3, generator=gen)
    assert (psr_db(x, d) <= psr + 1e-3).all()
    # per-frame budgets, e.g. from a perturbation-to-noise ratio
    snr = torch.from_numpy(standard[3]).float()
    per = pnr_to_psr(0.0, snr)
    assert torch.allclose(psr_db(x, fgm(fn, x, y, per)), per, atol=1e-3)


def test_pgd_never_weaker_than_fgm_and_accuracy_falls_with_budget(standard):
    b, x, y, snr = standard
    clean = accuracy_on(b.model, b.normalization, x.numpy(), 0.0, y.numpy(), snr)["overall"]
    last_fgm, last_pgd = clean, clean
    for psr in (-30, -25, -20, -15, -10):
        a_fgm = accuracy_on(b.model, b.normalization, x.numpy(),
                            craft(b.model, b.normalization, x, y, "fgm", psr), y.numpy(), snr)["overall"]
        a_pgd = accuracy_on(b.model, b.normalization, x.numpy(),
                            craft(b.model, b.normalization, x, y, "pgd", psr, pgd_steps=10),
                            y.numpy(), snr)["overall"]
        assert a_pgd <= a_fgm, (psr, a_pgd, a_fgm)
        # PGD's larger balls hold its smaller ones: it never gets weaker with the budget. FGM
        # takes one step along the same gradient at every budget, and a step past the
        # boundary can land back in the right class, so once it has broken most frames its
        # accuracy may level out: it may rise by a few frames, no more
        assert a_pgd <= last_pgd and a_fgm <= last_fgm + 0.05, (psr, a_fgm, last_fgm)
        last_fgm, last_pgd = a_fgm, a_pgd
    assert last_pgd < 0.2 < clean - 0.5   # -10 dB breaks a standard model
    # Gaussian noise at the strongest budget barely matters: the attacks are not just power
    noise = craft(b.model, b.normalization, x, y, "gaussian", -10)
    assert accuracy_on(b.model, b.normalization, x.numpy(), noise, y.numpy(), snr)["overall"] > clean - 0.15


def test_forward_and_attacks_are_deterministic(standard):
    b, x, y, _ = standard
    m = build_model("teacher")
    xb = x[:8]
    m.train()
    assert torch.equal(m(xb), m(xb))          # no dropout or other randomness, even in train mode
    d1 = craft(b.model, b.normalization, x, y, "pgd", -20, pgd_steps=3, seed=5)
    d2 = craft(b.model, b.normalization, x, y, "pgd", -20, pgd_steps=3, seed=5)
    assert np.array_equal(d1, d2)
    # gradients reach the input for every frame: robustness is never hidden gradients
    xg = x.clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(classifier_fn(b.model, b.normalization)(xg), y,
                                      reduction="sum").backward()
    assert (xg.grad.flatten(1).norm(dim=1) > 0).all()


def test_universal_perturbation_shift_invariant_and_file(tmp_path, standard):
    b, x, y, snr = standard
    fn = classifier_fn(b.model, b.normalization)
    gen = torch.Generator().manual_seed(1)
    p = universal_perturbation(fn, x, y, -10.0, steps=60, batch_size=128, generator=gen)
    assert p.shape == (2, 128) and abs(float(p.norm()) - 1) < 1e-5
    shifts = torch.randint(0, 128, (len(x),), generator=gen)
    d = apply_universal(x, p, -10.0, shifts)
    assert torch.allclose(psr_db(x, d), torch.full((len(x),), -10.0), atol=1e-3)
    hit = accuracy_on(b.model, b.normalization, x.numpy(), d.numpy(), y.numpy(), snr)["overall"]
    jam = accuracy_on(b.model, b.normalization, x.numpy(), gaussian(x, -10.0, gen).numpy(),
                      y.numpy(), snr)["overall"]
    assert hit < jam - 0.1   # far stronger than noise of the same power, at any shift
    path = save_perturbation(tmp_path / "uap.npz", p, {"psr_db": -10.0, "model": b.name})
    c, meta = load_perturbation(path)
    assert c.dtype == np.complex64 and c.shape == (128,) and meta["model"] == b.name
    assert abs(np.mean(np.abs(c) ** 2) - 1) < 1e-4
    assert torch.allclose(perturbation_frame(c), p, atol=1e-5)


def test_bad_perturbation_files_are_refused(tmp_path):
    hostile = tmp_path / "h.npz"
    np.savez(hostile, perturbation=np.array([object()], dtype=object), meta=np.array("{}"))
    with pytest.raises(ValueError, match="not a gr-robustamc perturbation file"):
        load_perturbation(hostile)
    real = tmp_path / "r.npz"
    np.savez(real, perturbation=np.ones(8, np.float32), meta=np.array("{}"))
    with pytest.raises(ValueError, match="complex"):
        load_perturbation(real)
    (tmp_path / "t.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError):
        load_perturbation(tmp_path / "t.npz")


def test_bad_attack_arguments(standard):
    b, x, y, _ = standard
    fn = classifier_fn(b.model, b.normalization)
    with pytest.raises(ValueError, match="unknown norm"):
        pgd(fn, x, y, -20, norm="l1")
    with pytest.raises(ValueError, match="unknown attack"):
        craft(b.model, b.normalization, x, y, "deepfool", -20)
    with pytest.raises(ValueError, match="universal perturbation"):
        craft(b.model, b.normalization, x, y, "uap", -20)


# --------------------------------------------------------------------------- APGD
def test_apgd_checkpoints_follow_the_paper():
    from robustamc.attacks import _checkpoints
    assert _checkpoints(100) == [0, 22, 41, 57, 70, 80, 87, 93, 99]


def test_dlr_loss_ignores_logit_shift_and_scale():
    from robustamc.attacks import dlr_loss
    torch.manual_seed(0)
    z, y = torch.randn(16, 11), torch.randint(0, 11, (16,))
    t = (y + 1) % 11
    for target in (None, t):
        a = dlr_loss(z, y, target)
        assert torch.allclose(a, dlr_loss(3 * z + 5, y, target), atol=1e-5)


@pytest.fixture(scope="module")
def robust_frames():
    from robustamc.attacks import classifier_fn
    from robustamc.bundle import load_bundle
    from robustamc.datasets import synthesize_grid
    b = load_bundle("compact-robust")
    fs = synthesize_grid(1, seed=20261125)
    keep = fs.snr >= 0
    return classifier_fn(b.model, b.normalization), torch.from_numpy(fs.x[keep]), \
        torch.from_numpy(fs.y[keep])


def test_apgd_spends_the_budget_and_is_no_weaker_than_pgd(robust_frames):
    """On the robust default: every APGD variant at -20 dB spends exactly the budget and
    fools at least as many frames as PGD-20 with the same seed; the per-frame worst case is
    below each."""
    from robustamc.attacks import apgd, apgd_targeted, pgd, psr_db
    fn, x, y = robust_frames
    acc = {}
    correct = {}
    for name, make in [
            ("pgd", lambda g: pgd(fn, x, y, -20, steps=20, generator=g)),
            ("apgd-ce", lambda g: apgd(fn, x, y, -20, loss="ce", iters=100, generator=g)),
            ("apgd-dlr", lambda g: apgd(fn, x, y, -20, loss="dlr", iters=100, generator=g)),
            ("apgd-t", lambda g: apgd_targeted(fn, x, y, -20, targets=3, iters=100, generator=g))]:
        d = make(torch.Generator().manual_seed(0))
        assert torch.allclose(psr_db(x, d), torch.full((len(x),), -20.0), atol=1e-3)
        with torch.no_grad():
            correct[name] = fn(x + d).argmax(1) == y
        acc[name] = correct[name].float().mean().item()
    assert acc["apgd-ce"] <= acc["pgd"] and acc["apgd-t"] <= acc["pgd"]
    worst = torch.stack(list(correct.values())).all(0).float().mean().item()
    assert worst <= min(acc.values())
    with pytest.raises(ValueError, match="target"):
        apgd(fn, x, y, -20, loss="dlr-targeted")


def test_evaluate_headline_is_the_worst_case(tmp_path, small_bundle):
    from conftest import run_app
    import json
    out = tmp_path / "rep"
    run_app("robustamc-evaluate", "compact-robust", "--out", out, "--per-pair", "1",
            "--attack-per-pair", "1", "--attacks", "pgd", "apgd-ce", "apgd-t", "--apgd-iters", "5",
            "--pgd-steps", "3", "--psr-db", "-20", "--no-transfer", "--no-progress")
    m = json.loads((out / "metrics.json").read_text())["models"]["compact-robust"]["attacks"]
    w = m["worst-case"]["-20"]
    assert w["attacks"] == ["pgd", "apgd-ce", "apgd-t"]
    assert w["mean_snr_ge0"] <= min(m[a]["-20"]["mean_snr_ge0"] for a in ("pgd", "apgd-ce", "apgd-t"))
    assert "worst case per frame" in (out / "report.md").read_text()


def test_friendly_pgd_stops_each_frame_tau_steps_after_it_fools_the_model(standard):
    """FAT's early-stopped attack (Zhang et al. 2020): a frame stops moving once it is
    misclassified (tau = 0), so the frames it fools carry less than the budget, never more;
    with a larger tau the attack is at least as strong; frames it cannot fool take every
    step like plain PGD."""
    b, x, y, _ = standard
    fn = classifier_fn(b.model, b.normalization)
    full = pgd(fn, x, y, -10, steps=10, generator=torch.Generator().manual_seed(3))
    d0 = pgd(fn, x, y, -10, steps=10, early_stop=0, generator=torch.Generator().manual_seed(3))
    d2 = pgd(fn, x, y, -10, steps=10, early_stop=2, generator=torch.Generator().manual_seed(3))
    p_full, p0, p2 = (psr_db(x, d) for d in (full, d0, d2))
    assert (p0 <= -10 + 1e-3).all() and (p2 <= -10 + 1e-3).all()
    fooled0 = fn(x + d0).argmax(1) != y
    assert fooled0.float().mean() > 0.5            # -10 dB fools a standard model mostly ...
    assert p0[fooled0].mean() < p_full[fooled0].mean() - 1.0    # ... with less than the budget
    assert p2[fooled0].mean() >= p0[fooled0].mean()
    wrong = lambda d: (fn(x + d).argmax(1) != y).float().mean()
    assert wrong(d2) >= wrong(d0) - 0.02 and wrong(full) >= wrong(d2) - 0.02
    with pytest.raises(ValueError, match="early_stop"):
        pgd(fn, x, y, -10, early_stop=-1)
    with pytest.raises(ValueError, match="early_stop"):
        pgd(fn, x, y, -10, early_stop=1, restarts=2)
