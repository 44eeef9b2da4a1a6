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
        assert a_fgm <= last_fgm and a_pgd <= last_pgd, psr
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
