import numpy as np
import pytest
import torch

from robustamc.constants import CLASSES, SNRS_DB, WINDOW
from robustamc.normalize import normalize
from robustamc.synth import CONSTELLATIONS, Synthesizer, rrc_taps


def test_shapes_labels_and_determinism():
    syn = Synthesizer()
    x, y, snr = syn.random(660, seed=3)
    assert x.shape == (660, 2, WINDOW) and x.dtype == torch.float32
    assert set(y.tolist()) == set(range(len(CLASSES)))
    assert set(snr.tolist()) <= set(SNRS_DB)
    assert torch.isfinite(x).all()
    x2, y2, snr2 = syn.random(660, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2) and torch.equal(snr, snr2)
    x3, _, _ = syn.random(660, seed=4)
    assert not torch.equal(x, x3)


def test_snr_definition_per_frame():
    """Noise power equals frame signal power / 10^(SNR/10) (checked on the AWGN stage)."""
    syn = Synthesizer()
    g = torch.Generator().manual_seed(0)
    clean = syn._channel(syn._modulate("QPSK", 4000, g), g)
    snr = torch.full((4000,), 6.0)
    noisy = syn._awgn(clean, snr, g)
    p_s = clean.abs().pow(2).mean(1)
    p_n = (noisy - clean).abs().pow(2).mean(1)
    measured = 10 * torch.log10(p_s.mean() / p_n.mean())
    assert abs(measured.item() - 6.0) < 0.1


def test_constellations_unit_power_and_rrc_energy():
    for pts in CONSTELLATIONS.values():
        assert np.isclose(np.mean(np.abs(pts) ** 2), 1.0)
    taps = rrc_taps(8, 0.35, 8)
    assert np.isclose(np.sum(taps ** 2), 1.0) and len(taps) == 65


def test_high_snr_classes_differ_in_expected_ways():
    """Constant-envelope classes have constant |x|; PSK/QAM do not; AM-SSB is one-sided."""
    syn = Synthesizer()
    g = torch.Generator().manual_seed(1)
    for name in ("CPFSK", "GFSK", "WBFM"):
        s = syn._modulate(name, 50, g)
        assert torch.allclose(s.abs(), torch.ones_like(s.abs()), atol=1e-4), name
    s = syn._modulate("QAM16", 50, g)
    assert s.abs().std() > 0.3 * s.abs().mean()  # envelope varies
    # AM-SSB (upper sideband): the spectrum's negative half holds little power
    s = syn._modulate("AM-SSB", 200, g)
    spec = torch.fft.fft(s * torch.hann_window(s.shape[1]), dim=1).abs().pow(2).mean(0)
    half = spec.numel() // 2
    assert spec[half + 1:].sum() < 0.05 * spec[1:half].sum()


@pytest.mark.parametrize("name", ["unit-power", "rml-l1"])
def test_normalisations(name):
    x = torch.randn(8, 2, WINDOW) * 37.0
    z = normalize(x, name)
    mag = z[:, 0] ** 2 + z[:, 1] ** 2
    if name == "unit-power":
        assert torch.allclose(mag.mean(1), torch.ones(8), atol=1e-5)
    else:
        assert torch.allclose(mag.sqrt().sum(1), torch.ones(8), atol=1e-5)
    zn = normalize(x.numpy(), name)
    assert np.allclose(zn, z.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalize(x, "peak")
