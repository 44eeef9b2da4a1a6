"""The `field` synthesiser preset: per-frame symbol rates, pulses, carriers and receiver
impairments drawn from documented ranges, measured back from the frames."""
import dataclasses

import numpy as np
import pytest
import torch

from robustamc.constants import CLASSES, SAMPLE_RATE
from robustamc.field_synth import FIELD, FieldSynthesizer
from robustamc.spectrum.scene import occupied_band
from robustamc.synth import make_synthesizer

CLEAN = dataclasses.replace(
    FIELD, cfo_max_hz=0.0, drift_max_hz=0.0, sro_max_ppm=0.0, rician_k=(1e6, 1e6),
    path_gains=(1.0, 0.0, 0.0), phase_noise=(0.0, 0.0), iq_gain_db=0.0, iq_phase_deg=0.0,
    dc_prob=0.0, quant_prob=0.0, adjacent_prob=0.0)


def _frames(cls, n, snr=18, cfg=FIELD, seed=0):
    syn = FieldSynthesizer(cfg)
    y = torch.full((n,), CLASSES.index(cls))
    x, params = syn.frames(y, torch.full((n,), float(snr)), torch.Generator().manual_seed(seed),
                           return_params=True)
    return (x[:, 0] + 1j * x[:, 1]).numpy(), params


def test_reproducible_finite_and_every_class():
    syn = FieldSynthesizer()
    a, y, s = syn.random(400, seed=5)
    b, _, _ = syn.random(400, seed=5)
    assert torch.equal(a, b) and a.shape == (400, 2, 128) and torch.isfinite(a).all()
    assert set(y.tolist()) == set(range(len(CLASSES)))
    assert make_synthesizer("field").describe()["preset"] == "field"
    assert make_synthesizer("rml2016").describe()["generator"] == "robustamc.synth"
    with pytest.raises(ValueError, match="preset"):
        make_synthesizer("sig53")


def test_draws_stay_in_their_documented_ranges():
    x, p = _frames("QPSK", 500)
    assert (p["sps"] >= 4).all() and (p["sps"] <= 16).all()
    assert p["sps"].max() / p["sps"].min() > 3           # the whole range is used
    assert (p["rolloff"] >= 0.2).all() and (p["rolloff"] <= 0.5).all()
    assert p["cfo_hz"].abs().max() <= 4000 and p["cfo_hz"].abs().max() > 3000
    _, q = _frames("GFSK", 300)
    assert (q["fsk_h"] >= 0.3).all() and (q["fsk_h"] <= 1.0).all()
    assert (q["gfsk_bt"] >= 0.3).all() and (q["gfsk_bt"] <= 0.5).all()
    share = p["quantised"].float().mean()
    assert 0.4 < share < 0.6


def test_symbol_rate_is_continuous_and_measurable():
    """The symbol rate, read from the spectral line of |x|^2, matches each frame's drawn
    samples per symbol (noise-free, impairment-free frames, roll-off 0.5)."""
    cfg = dataclasses.replace(CLEAN, rolloff=(0.5, 0.5))
    syn = FieldSynthesizer(cfg, window=1024)
    y = torch.full((40,), CLASSES.index("QPSK"))
    x, p = syn.frames(y, torch.full((40,), 100.0), torch.Generator().manual_seed(1),
                      return_params=True)
    z = (x[:, 0] + 1j * x[:, 1]).numpy()
    env = np.abs(z) ** 2
    spec = np.abs(np.fft.rfft(env - env.mean(1, keepdims=True), 8 * 1024, axis=1))
    f = np.fft.rfftfreq(8 * 1024)
    band = (f > 1 / 20) & (f < 1 / 3.5)
    est = 1 / f[band][spec[:, band].argmax(1)]
    assert np.allclose(est, p["sps"].numpy(), rtol=0.04), (est, p["sps"])


def test_cpfsk_deviation_follows_index_and_rate():
    """Peak instantaneous frequency of noise-free CPFSK is h / (2 sps) cycles per sample."""
    z, p = _frames("CPFSK", 60, snr=100, cfg=CLEAN)
    inst = np.angle(z[:, 1:] * np.conj(z[:, :-1])) / (2 * np.pi)
    want = (p["fsk_h"] / (2 * p["sps"])).numpy()
    assert np.allclose(np.abs(inst).max(1), want, rtol=0.02)


def test_carrier_offset_is_where_it_says():
    cfg = dataclasses.replace(CLEAN, cfo_max_hz=4000.0)
    z, p = _frames("AM-DSB", 40, snr=100, cfg=cfg)
    # AM-DSB's carrier is a spectral line at the offset
    spec = np.abs(np.fft.fft(z, 16 * 128, axis=1))
    f = np.fft.fftfreq(16 * 128) * 200e3
    peak = f[spec.argmax(1)]
    assert np.allclose(peak, p["cfo_hz"].numpy(), atol=200e3 / (16 * 128))


def _band(z, share=0.99):
    """(lowest, highest) frequency in Hz of the band holding `share` of each frame's power."""
    mb = np.array([occupied_band(f, 200e3, share, nfft=z.shape[1]) for f in z])
    return mb[:, 1] - mb[:, 0] / 2, mb[:, 1] + mb[:, 0] / 2


def test_ssb_comes_in_both_sidebands_and_at_any_centring():
    """Tuned to the suppressed carrier, an upper sideband lies above 0 Hz and a lower one
    below; centred as the scanner does, the occupied band's middle is at 0 Hz."""
    def frames(centring):
        cfg = dataclasses.replace(CLEAN, pause_prob=0.0, ssb_centring=(centring, centring))
        syn = FieldSynthesizer(cfg, window=2048)
        y = torch.full((60,), CLASSES.index("AM-SSB"))
        x, p = syn.frames(y, torch.full((60,), 100.0), torch.Generator().manual_seed(3),
                          return_params=True)
        return (x[:, 0] + 1j * x[:, 1]).numpy(), p["ssb_lower"].numpy().astype(bool)

    z, lower = frames(0.0)
    assert 0.25 < lower.mean() < 0.75
    lo, hi = _band(z, 0.95)
    assert (lo[~lower] > -500).all() and (hi[lower] < 500).all()
    z, _ = frames(1.0)
    lo, hi = _band(z)
    assert (np.abs((lo + hi) / 2) < 0.15 * (hi - lo) + 500).all()   # harmonics: coarse quantiles


def _long(cls, cfg, n=40, window=8192):
    """`n` clean frames of `window` samples (several pitch periods of the audio)."""
    syn = FieldSynthesizer(dataclasses.replace(cfg, pause_prob=0.0), window=window)
    y = torch.full((n,), CLASSES.index(cls))
    x = syn.frames(y, torch.full((n,), 100.0), torch.Generator().manual_seed(4))
    return (x[:, 0] + 1j * x[:, 1]).numpy()


def test_am_depth_and_wbfm_deviation_are_the_peaks_they_name():
    """am_index and wbfm_dev_hz are reached at full loudness and never exceeded (the audio's
    peak, not its harmonics' sum, is its loudness), with or without pre-emphasis."""
    z = _long("AM-DSB", dataclasses.replace(CLEAN, am_index=(0.8, 0.8)))
    env = np.abs(z)
    depth = np.abs(env / env.mean(axis=1, keepdims=True) - 1).max(axis=1)
    assert depth.max() < 0.85 and depth.max() > 0.7           # loudness 0.3-1.0 of 0.8
    assert np.median(depth) > 0.4
    for tau in (0.0, 75.0):
        cfg = dataclasses.replace(CLEAN, wbfm_dev_hz=(50e3, 50e3), wbfm_preemphasis_us=(tau, tau),
                                  audio_scale=(1.0, 1.0))
        z = _long("WBFM", cfg)
        f = np.abs(np.angle(z[:, 1:] * np.conj(z[:, :-1]))) * SAMPLE_RATE / (2 * np.pi)
        peak = f.max(axis=1)
        assert peak.max() < 52e3 and peak.max() > 45e3, tau


def test_quantised_frames_sit_on_the_8_bit_grid():
    z, p = _frames("QAM16", 200)
    q = p["quantised"].numpy()
    for frame in z[q][:20]:
        levels = np.unique(np.round(frame.real / np.min(np.abs(frame.real[frame.real != 0])), 3))
        assert len(np.unique(np.round(frame.real, 6))) <= 2 * 127 + 1
        assert len(levels) > 5


def test_band_limited_noise_keeps_its_power_and_leaves_other_frames_as_they_were():
    """--band-limit-prob: the noise of a share of frames through a channel filter (the
    scanner's, or a flowgraph's low-pass); off in the preset, whose frames stay the same."""
    y, snr = torch.zeros(400, dtype=torch.long), torch.full((400,), -20.0)
    plain = FieldSynthesizer().frames(y, snr, torch.Generator().manual_seed(3))
    off = FieldSynthesizer(dataclasses.replace(FIELD, band_limit_prob=0.0)).frames(
        y, snr, torch.Generator().manual_seed(3))
    assert torch.equal(plain, off)
    cfg = dataclasses.replace(CLEAN, band_limit_prob=1.0, band_limit_pass=(0.2, 0.2))
    x, p = FieldSynthesizer(cfg).frames(y, snr, torch.Generator().manual_seed(3),
                                        return_params=True)
    assert torch.allclose(p["band_limit"], torch.full((400,), 0.2))
    z = torch.complex(x[:, 0], x[:, 1])
    psd = torch.fft.fft(z).abs().pow(2).mean(0)
    f = torch.fft.fftfreq(128).abs()
    # at -20 dB the frame is noise: flat to 0.2 of the rate, nothing from 0.3
    assert psd[f >= 0.31].max() < 1e-3 * psd[f <= 0.15].mean()
    white = FieldSynthesizer(CLEAN).frames(y, snr, torch.Generator().manual_seed(3))
    ratio = x.pow(2).sum((1, 2)).mean() / white.pow(2).sum((1, 2)).mean()
    assert 0.9 < float(ratio) < 1.1          # the same noise power: the SNR means the same
    half = dataclasses.replace(FIELD, band_limit_prob=0.5)
    _, p = FieldSynthesizer(half).frames(y, snr, torch.Generator().manual_seed(4),
                                         return_params=True)
    on = torch.isfinite(p["band_limit"])
    assert 150 < int(on.sum()) < 250
    assert ((p["band_limit"][on] >= 0.2) & (p["band_limit"][on] <= 0.45)).all()


def test_band_limit_is_refused_where_it_means_nothing(tmp_path):
    from conftest import run_app
    p = run_app("robustamc-train", "--preset", "rml2016", "--band-limit-prob", "0.5", "--out",
                tmp_path / "t", "--epochs", "1", "--steps-per-epoch", "1", check=False)
    assert p.returncode != 0 and "--band-limit-prob" in p.stderr and "rml2016" in p.stderr
    p = run_app("robustamc-evaluate", "compact", "--preset", "field", "--band-limit-prob", "2",
                "--out", tmp_path / "e", "--attacks", "none", check=False)
    assert p.returncode != 0 and "0..1" in p.stderr and not (tmp_path / "e").exists()


def test_programs_take_the_preset_and_bundles_record_it(tmp_path):
    from conftest import run_app
    from robustamc.bundle import load_bundle
    run_app("robustamc-train", "--preset", "field", "--out", tmp_path / "t", "--epochs", "1",
            "--steps-per-epoch", "2", "--batch-size", "16", "--val-per-pair", "1",
            "--warmup-steps", "1", "--no-progress")
    meta = load_bundle(tmp_path / "t" / "compact.json").meta
    assert meta["preset"] == "field" and meta["data"]["synthesizer"]["preset"] == "field"
    assert meta["data"]["synthesizer"]["field"]["sps"] == [4.0, 16.0]
    run_app("robustamc-dataset", "synth", "--preset", "field", "--per-pair", "1", "--out",
            tmp_path / "d.npz", "--no-progress")
    p = run_app("robustamc-dataset", "info", tmp_path / "d.npz")
    assert "220 frames" in p.stdout
    p = run_app("robustamc-evaluate", "compact", "--preset", "field", "--per-pair", "1",
                "--attacks", "none", "--no-transfer", "--out", tmp_path / "e", "--no-progress")
    assert "field preset" in (tmp_path / "e" / "report.md").read_text()
    run_app("robustamc-train", "--preset", "field", "--band-limit-prob", "0.5", "--out",
            tmp_path / "b", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "16",
            "--val-per-pair", "1", "--warmup-steps", "1", "--no-progress")
    meta = load_bundle(tmp_path / "b" / "compact.json").meta
    assert meta["data"]["synthesizer"]["field"]["band_limit_prob"] == 0.5
    run_app("robustamc-evaluate", "compact", "--preset", "field", "--band-limit-prob", "1",
            "--per-pair", "1", "--attacks", "none", "--no-transfer", "--out", tmp_path / "f",
            "--no-progress")
    assert "band-limited" in (tmp_path / "f" / "report.md").read_text()
