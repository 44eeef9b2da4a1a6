"""The wideband scanner's core (robustamc.spectrum): the channelizer's exactness, detection
of every signal of a scene with its centre, bandwidth and times, what is not a signal, bad
input, and the scanner's events with batched inference. Small scenes; the full-size table
is scripts/scan_scenes.py."""
import numpy as np
import pytest

from robustamc.spectrum.condition import Channelizer
from robustamc.spectrum.detect import Detector, DetectorConfig
from robustamc.spectrum.scanner import Scanner
from robustamc.spectrum.scene import SceneSignal, make_scene

RATE = 2.048e6


def test_channel_keeps_its_band_and_removes_a_neighbour_beyond_one_and_a_half_bandwidths():
    """The channel passes one bandwidth each side of its centre (room for an underestimated
    band) and nothing from 1.5 bandwidths, where a packed band's next signal lies: the model
    sees the signal, not its neighbour."""
    n = 200_000
    t = np.arange(n)
    edge = np.exp(2j * np.pi * (300e3 + 19e3) / RATE * t).astype(np.complex64)    # 0.95 bw
    near = np.exp(2j * np.pi * (300e3 + 31e3) / RATE * t).astype(np.complex64)    # 1.55 bw
    for tone, gain in ((edge, 1.0), (near, 0.0)):
        ch = Channelizer(RATE, noise_fill=False)
        ch.add("a", 300e3, 20e3)
        y = ch.process(tone)["a"][200:-200]
        assert np.abs(y).mean() == pytest.approx(gain, abs=1e-3)


def test_channelizer_moves_filters_and_resamples_exactly_across_any_chunking():
    n = 300_000
    t = np.arange(n)
    x = np.exp(2j * np.pi * (300e3 + 1234.5) / RATE * t + 0.3j).astype(np.complex64)
    x += 10 * np.exp(2j * np.pi * (300e3 + 120e3) / RATE * t).astype(np.complex64)  # neighbour
    outs = []
    for chunk in (1000, 30_000, n):
        ch = Channelizer(RATE, noise_fill=False)
        rate = ch.add("a", 300e3, 20e3)
        y = np.concatenate([ch.process(x[i:i + chunk])["a"] for i in range(0, n, chunk)])
        outs.append(y)
    assert rate == pytest.approx(100e3, rel=0.01)
    assert all(np.array_equal(outs[0], o) for o in outs[1:])   # chunking changes nothing
    y = outs[0][100:]
    assert np.abs(np.abs(y) - 1).max() < 1e-3        # the 10x neighbour 6 bandwidths away: gone
    d = np.angle(y[1:] * np.conj(y[:-1])) * rate / (2 * np.pi)
    assert np.allclose(d, 1234.5 + 300e3 - ch.center_hz("a"), atol=1.0)   # continuous phase
    k = 5000
    s = int(round(ch.sample_of("a", k)))
    ref = np.exp(2j * np.pi * (1234.5 + 300e3 - ch.center_hz("a")) / RATE * s + 0.3j)
    assert abs(outs[0][k] - ref) < 1e-3                # output sample k is input sample s


def test_noise_fill_gives_the_model_white_noise_at_the_level_beside_the_signal():
    """The noise the channel filter removes is put back at the noise's own level, so that the
    model's window holds white noise as in training; a neighbour stays removed, and the same
    stream gives the same samples in any chunking."""
    n = 1_000_000
    rng = np.random.default_rng(3)
    t = np.arange(n)
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) * np.sqrt(0.5)
    x = (noise + 30 * np.exp(2j * np.pi * (300e3 + 45e3) / RATE * t)).astype(np.complex64)
    outs = []
    for chunk in (50_000, n):
        ch = Channelizer(RATE)
        rate = ch.add("a", 300e3, 20e3)
        outs.append(np.concatenate([ch.process(x[i:i + chunk])["a"] for i in range(0, n, chunk)]))
    assert np.array_equal(outs[0], outs[1])
    y = outs[0][2000:]
    # input noise of unit power over 2.048 MHz: RATE / rate of it falls in the output band
    assert np.mean(np.abs(y) ** 2) == pytest.approx(rate / RATE, rel=0.05)
    m = 256
    f = np.abs(np.arange(m) - m // 2) / m
    psd = _psd(y, m)
    inband, outside = psd[f < 0.15], psd[(f > 0.35) & (f < 0.48)]
    assert inband.mean() == pytest.approx(1, abs=0.05)
    assert outside.mean() == pytest.approx(1, abs=0.05)     # white: as much noise outside
    assert psd.max() < 1.3                                  # the 30x neighbour at 2.25 bw: gone
    plain = Channelizer(RATE, noise_fill=False)
    plain.add("a", 300e3, 20e3)
    zp = _psd(plain.process(x)["a"][2000:], m)
    assert zp[(f > 0.35) & (f < 0.48)].mean() < 1e-3 * zp[f < 0.15].mean()  # without: nothing


def _psd(y, m):
    """Welch spectrum of y in m bins (Hann), fftshifted, over its mean."""
    seg = y[:len(y) // m * m].reshape(-1, m) * np.hanning(m)
    p = np.fft.fftshift(np.mean(np.abs(np.fft.fft(seg, axis=1)) ** 2, axis=0))
    return p / p.mean()


SCENE = [SceneSignal("QPSK", -600e3, 50e3, 20), SceneSignal("BPSK", -300e3, 20e3, 18, 0.05, 0.3),
         SceneSignal("GFSK", 150e3, 30e3, 15), SceneSignal("QAM16", 450e3, 100e3, 22),
         SceneSignal("8PSK", 750e3, 12e3, 16, 0.1, None)]


@pytest.fixture(scope="module")
def scene():
    return make_scene(RATE, 0.4, SCENE, seed=1)


def _run_detector(x, chunk=50_000):
    det = Detector(RATE)
    started, ended = [], []
    for i in range(0, len(x), chunk):
        s, _, e = det.process(x[i:i + chunk])
        started += s
        ended += e
    ended += det.close()
    return det, started, ended


def test_every_signal_found_once_with_centre_bandwidth_and_times(scene):
    x, truth = scene
    det, started, ended = _run_detector(x)
    assert len(started) == len(truth) == len(ended)
    for tr in truth:
        t = min(ended, key=lambda t: abs(t.center_hz - tr["center_hz"]))
        assert abs(t.center_hz - tr["center_hz"]) < tr["bandwidth_hz"] / 4
        assert t.bandwidth_hz == pytest.approx(tr["bandwidth_hz"], rel=0.25)
        assert abs(t.start / RATE - tr["start_s"]) < 0.01
        assert abs((t.stop + 1) / RATE - tr["stop_s"]) < 0.03
        assert t.snr_db > 8


def test_occupied_band_of_speech_signals_counts_their_faint_skirts():
    """AM-DSB, AM-SSB and broadcast FM carry speech: a few per cent of their power lies in
    skirts under the floor of any one spectrum, which cut the single-spectrum estimate to
    55-70 % of the occupied band. Summed over the track's spectra they count, beside a
    digital neighbour that must not leak in."""
    x, truth = make_scene(RATE, 0.4, [SceneSignal("AM-SSB", -500e3, 30e3, 20),
                                      SceneSignal("WBFM", -150e3, 50e3, 20),
                                      SceneSignal("AM-DSB", 250e3, 25e3, 20),
                                      SceneSignal("QPSK", 360e3, 60e3, 20)], seed=5)
    det, _, ended = _run_detector(x)
    alone = []
    for tr in truth:
        t = min(ended, key=lambda t: abs(t.center_hz - tr["center_hz"]))
        centre, bw = det.occupied(t)
        assert abs(centre - tr["center_hz"]) < tr["bandwidth_hz"] / 8, (tr, centre)
        assert bw == pytest.approx(tr["bandwidth_hz"], rel=0.25), (tr, bw)
        alone.append(t.bandwidth_hz / tr["bandwidth_hz"])
    assert min(alone[:3]) < 0.75, alone     # what the summed spectrum fixes


def test_the_noise_floor_of_a_busy_band_is_the_noise_level():
    """A band a third full of signals (five of 184 kHz in 2.048 MHz): a percentile of its
    spectrum holds signal bins and reads high; the floor taken again over the bins with no
    signal is the noise's level (noise of power 1 per sample: sum(win^2) per bin)."""
    sigs = [SceneSignal(m, -0.4 * RATE + i * 0.8 * RATE / 4, 0.09 * RATE / 1.35, 20)
            for i, m in enumerate(["QPSK", "8PSK", "QAM16", "GFSK", "PAM4"])]
    x, _ = make_scene(RATE, 0.1, sigs, seed=3)
    det, _, ended = _run_detector(x)
    assert len(ended) == len(sigs)
    noise = float(np.sum(det.win.astype(np.float64) ** 2))
    inner = slice(len(det.floor) // 8, -len(det.floor) // 8)
    first = det._percentile_floor(det.psd, None)[inner] / noise
    assert first.mean() > 1.1                         # what the second pass fixes
    floor = det.floor[inner] / noise
    assert abs(floor.mean() - 1) < 0.04 and abs(floor - 1).max() < 0.1, floor


def test_slow_and_fast_signals_are_found_at_a_usrp_rate():
    """At 8 Msps the automatic FFT size keeps 500 Hz bins: a 12 kbaud signal spans about 33 of
    them. A fixed 4096-point FFT (2 kHz bins) takes it for a carrier in every single spectrum;
    only its summed spectra show it modulated (found later, after `carrier_spectra`)."""
    rate = 8e6
    x, truth = make_scene(rate, 0.15, [SceneSignal("QPSK", -2.5e6, 12e3, 18),
                                       SceneSignal("QAM16", 1.2e6, 400e3, 18),
                                       SceneSignal("GFSK", 3.1e6, 15e3, 15)], seed=4)
    for nfft, carriers in ((0, 0), (4096, 1)):
        det = Detector(rate, DetectorConfig(nfft=nfft))
        det.process(x)
        ended = det.close()
        hit = [tr for tr in truth if any(abs(t.center_hz - tr["center_hz"]) < tr["bandwidth_hz"] / 4
                                         for t in ended)]
        assert len(hit) == 3, (nfft, [(t.center_hz, t.bandwidth_hz) for t in ended])
        assert (det.counters["carriers_modulated"] >= 1) == bool(carriers)
    assert det.counters["tones_rejected"] > 0
    assert Detector(rate).cfg.nfft == 16384 and Detector(RATE).cfg.nfft == 4096
    assert Detector(2.4e6).cfg.nfft == 4096 and Detector(20e6).cfg.nfft == 32768


def test_scene_wbfm_is_broadcast_fm_at_any_rate_and_is_found_whole():
    """A scene's WBFM is broadcast FM (75 kHz deviation) whatever its rate draw, at 2.048 and
    8 Msps alike, and the detector takes it for one signal."""
    for rate in (RATE, 8e6):
        x, truth = make_scene(rate, 0.2, [SceneSignal("WBFM", 300e3, 12e3, 20)], seed=3)
        assert 50e3 < truth[0]["bandwidth_hz"] < 200e3, truth
        det = Detector(rate)
        det.process(x)
        ended = det.close()
        assert len(ended) == 1 and abs(ended[0].center_hz - truth[0]["center_hz"]) < 20e3, \
            [(t.center_hz, t.bandwidth_hz) for t in ended]


def test_tones_dc_noise_zeros_and_nan_are_not_signals():
    rng = np.random.default_rng(0)
    n = int(0.3 * RATE)
    noise = ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(np.complex64)
    tone = 30 * np.exp(2j * np.pi * 250e3 / RATE * np.arange(n))
    x = (noise + tone + 5.0).astype(np.complex64)           # a carrier and a DC spike
    det, started, _ = _run_detector(x)
    assert not started and det.counters["tones_rejected"] > 0
    det, started, _ = _run_detector(noise)                    # a band full of noise
    assert not started
    det, started, _ = _run_detector(np.zeros(n, np.complex64))
    assert not started
    bad = noise.copy()
    bad[1000:3000] = np.nan
    det, started, _ = _run_detector(bad)
    assert not started and det.counters["nonfinite_blocks"] >= 1


def test_an_am_carrier_with_its_sidebands_is_one_signal_and_a_noisy_carrier_none():
    """GNU Radio's AM chain with a test tone: a carrier and two sideband lines, each narrower
    than a tone's lobe, are one signal as wide as the sidebands reach; a strong carrier whose
    phase noise spreads its skirt past the lobe is still a carrier."""
    rng = np.random.default_rng(2)
    n = int(0.3 * RATE)
    t = np.arange(n) / RATE
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
    for audio, depth in ((8e3, 0.8), (15e3, 0.3)):
        am = 3 * (1 + depth * np.cos(2 * np.pi * audio * t)) * np.exp(2j * np.pi * 300e3 * t)
        det, started, ended = _run_detector((noise + am).astype(np.complex64))
        assert len(started) == 1 and det.counters["sidebands_joined"] > 0
        assert abs(started[0].center_hz - 300e3) < 1e3
        assert started[0].bandwidth_hz == pytest.approx(2 * audio, rel=0.25)
    wander = np.cumsum(rng.standard_normal(n)) * 0.003   # an RTL-SDR-like LO: -80 dBc/Hz at 10 kHz
    carrier = 30 * np.exp(1j * (2 * np.pi * 250e3 * t + wander))
    det, started, _ = _run_detector((noise + carrier).astype(np.complex64))
    assert not started and det.counters["tones_rejected"] > 0


def test_weak_bare_carriers_are_not_signals():
    """A carrier just over the threshold (an RTL-SDR's spurs and birdies) is followed; its
    summed spectrum is mostly noise around the line, whose 99 % span is wide: without a test
    that the power beyond the line's core stands out of that noise, 9 of 36 such carriers were
    reported as modulated signals. Now at most one of twelve, by chance."""
    n = int(0.4 * RATE)
    t = np.arange(n) / RATE
    reported = 0
    for seed in range(4):
        rng = np.random.default_rng(seed)
        noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
        for level_db in (-25, -20, -15):      # 8, 13 and 18 dB over a 500 Hz bin's noise
            f = rng.uniform(-800e3, 800e3)
            wander = np.cumsum(rng.standard_normal(n)) * 0.003
            x = noise + 10 ** (level_db / 20) * np.exp(1j * (2 * np.pi * f * t + wander))
            det, started, ended = _run_detector(x.astype(np.complex64))
            reported += bool(ended)
    assert reported <= 1


def test_shallow_am_is_found_from_its_summed_spectra_and_stays_one_signal_through_a_pause():
    """An AM signal whose sidebands never rise above the threshold in one spectrum (shallow
    modulation of a weak carrier: every single spectrum shows a tone) is found as a carrier
    whose summed spectra hold modulation, from its first spectrum; a pause in its audio (a
    bare carrier for 100 ms) does not end it; the same carrier unmodulated is no signal."""
    rng = np.random.default_rng(5)
    n = int(0.4 * RATE)
    t = np.arange(n) / RATE
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)
    f = np.fft.fftfreq(n, 1 / RATE)
    audio = np.fft.ifft(np.fft.fft(rng.standard_normal(n)) * (np.abs(f) < 4e3)).real
    audio /= audio.std()
    for depth, pause in ((0.2, False), (0.2, True), (0.0, False)):
        a = audio.copy()
        if pause:
            a[int(0.15 * RATE):int(0.25 * RATE)] = 0
        am = 0.35 * (1 + depth * a) * np.exp(2j * np.pi * 300e3 * t)
        det, started, ended = _run_detector((noise + am).astype(np.complex64))
        if depth == 0:
            assert not started and not ended and det.counters["carriers_modulated"] == 0
            continue
        assert len(started) == 1 and len(ended) == 1 and det.counters["carriers_modulated"] == 1
        e = ended[0]
        assert abs(e.occupied[0] - 300e3) < 1e3
        assert 3e3 < e.occupied[1] < 8e3                  # 99 % of the power: about 5 kHz
        assert e.start / RATE < 0.03 and e.stop / RATE > 0.39


def test_a_burst_starting_beside_a_wide_signal_is_a_signal_of_its_own():
    """A burst that starts just outside a wide signal's band is no fragment of it: found, with
    its own start (reported once it has lasted `near_spectra` spectra)."""
    sigs = [SceneSignal("QPSK", -200e3, 110e3, 20), SceneSignal("BPSK", -90e3, 15e3, 20, 0.1, 0.3)]
    x, truth = make_scene(RATE, 0.4, sigs, seed=5)
    det, started, ended = _run_detector(x)
    assert len(ended) == 2
    burst = min(ended, key=lambda t: abs(t.center_hz - truth[1]["center_hz"]))
    assert abs(burst.center_hz - truth[1]["center_hz"]) < truth[1]["bandwidth_hz"] / 4
    assert abs(burst.start / RATE - 0.1) < 0.02


def test_a_strong_signal_does_not_hide_a_weak_neighbour_two_channels_away():
    sigs = [SceneSignal("QPSK", 0.0, 50e3, 45), SceneSignal("BPSK", 140e3, 25e3, 12)]
    x, truth = make_scene(RATE, 0.3, sigs, seed=4)
    _, started, _ = _run_detector(x)
    centres = sorted(t.center_hz for t in started)
    assert len(centres) == 2 and abs(centres[1] - 140e3) < 25e3 / 4


class CountingClassifier:
    """A FrameClassifier stand-in that counts its calls (batched inference)."""

    def __init__(self):
        from robustamc.inference import FrameClassifier
        self.inner = FrameClassifier("compact")
        self.window, self.classes, self.calls = self.inner.window, self.inner.classes, 0

    def classify(self, w):
        self.calls += 1
        return self.inner.classify(w)


def test_scanner_events_ids_and_batched_inference(scene):
    x, truth = scene
    clf = CountingClassifier()
    sc = Scanner(RATE, clf, average=4, interval_s=0.02)
    events = []
    for i in range(0, len(x), 65536):
        before = clf.calls
        events += sc.process(x[i:i + 65536])
        assert clf.calls - before <= 1                    # one call per chunk, all signals
    events += sc.close()
    decisions = [e for e in events if e["type"] == "decision"]
    ends = [e for e in events if e["type"] == "end"]
    assert len(ends) == len(truth)
    ids = {e["id"] for e in ends}
    assert {e["id"] for e in decisions} == ids            # ids stable over a signal's life
    for e in decisions:
        assert set(e) >= {"label", "confidence", "probabilities", "center_hz", "bandwidth_hz",
                          "snr_db", "first_sample", "time_s", "id"}
        assert len(e["probabilities"]) == 11 and e["windows"] == 4
    # about one decision every 20 ms of each signal's life
    for end in ends:
        n = sum(e["id"] == end["id"] for e in decisions)
        life = end["stop_s"] - end["start_s"]
        assert 0.6 * life / 0.02 <= n <= life / 0.02 + 3   # + the block before its start
    assert sc.counters["nonfinite_samples"] == 0


def test_a_signal_ending_before_its_first_decision_is_still_named(scene):
    """A track shorter than one decision group (here: groups of 4096 windows, longer than
    any signal of the scene) is named at its end from the whole windows it left."""
    x, truth = scene
    sc = Scanner(RATE, CountingClassifier(), average=4096)
    events = []
    for i in range(0, len(x), 65536):
        events += sc.process(x[i:i + 65536])
    events += sc.close()
    assert not [e for e in events if e["type"] == "decision"]
    ends = [e for e in events if e["type"] == "end"]
    assert len(ends) == len(truth)
    for e in ends:
        assert e["decisions"] == 0 and e["windows"] > 0 and e["label"] is not None, e


def test_classify_scan_writes_detections_and_sigmf_boxes_that_train(tmp_path):
    """robustamc-classify --scan on a SigMF recording of a scene: JSON and CSV detections,
    a SigMF copy with time-frequency boxes that validates and trains."""
    import csv
    import json

    from sigmf import sigmffile

    from conftest import run_app
    from robustamc.recordings import SigMFWriter
    x, truth = make_scene(RATE, 0.3, SCENE[:3], seed=2)
    w = SigMFWriter(tmp_path / "band", RATE, center_freq=433.9e6)
    w.write(x)
    w.close()
    meta = tmp_path / "band.sigmf-meta"
    p = run_app("robustamc-classify", meta, "--scan", "--out", tmp_path / "d.json",
                "--annotate", tmp_path / "boxes.sigmf-meta", "--bundle", "compact",
                "--no-progress")
    assert "3 signals" in p.stdout
    dets = json.loads((tmp_path / "d.json").read_text())["detections"]
    assert len(dets) == 3
    for d in dets:
        assert set(d) >= {"start_s", "stop_s", "center_hz", "frequency_hz", "bandwidth_hz",
                          "label", "confidence", "snr_db", "probabilities"}
        assert d["frequency_hz"] == pytest.approx(433.9e6 + d["center_hz"])
    copy = tmp_path / "boxes.sigmf-meta"
    sigmffile.fromfile(str(copy)).validate()
    boxes = json.loads(copy.read_text())["annotations"]
    assert len(boxes) == 3 and all(433.0e6 < b["core:freq_lower_edge"] < b["core:freq_upper_edge"]
                                   < 435e6 for b in boxes)
    run_app("robustamc-classify", meta, "--scan", "--out", tmp_path / "d.csv", "--no-progress",
            "--bundle", "compact")
    rows = list(csv.DictReader(open(tmp_path / "d.csv")))
    assert len(rows) == 3 and "p_QPSK" in rows[0] and rows[0]["frequency_hz"]
    # the boxes are training data: each is cut out by the scanner's own conditioning, in the
    # band it classified the signal in (beside the box's occupied band)
    from robustamc.datasets import load_frames
    fs = load_frames(copy)
    assert len(fs) > 100 and np.isfinite(fs.x).all()
    for b in boxes:
        lo, hi = b["robustamc:channel_lower_edge"], b["robustamc:channel_upper_edge"]
        assert b["core:freq_lower_edge"] < (lo + hi) / 2 < b["core:freq_upper_edge"]
        assert 0.5 < (hi - lo) / (b["core:freq_upper_edge"] - b["core:freq_lower_edge"]) < 1.5
        c = (lo + hi) / 2
        b["robustamc:channel_lower_edge"], b["robustamc:channel_upper_edge"] = (
            c - (hi - lo), c + (hi - lo))
    wide = json.loads(copy.read_text())
    wide["annotations"] = boxes
    (tmp_path / "wide.sigmf-meta").write_text(json.dumps(wide))
    (tmp_path / "wide.sigmf-data").symlink_to(copy.with_suffix(".sigmf-data"))
    assert len(load_frames(tmp_path / "wide.sigmf-meta")) > 1.7 * len(fs)   # twice the rate


def test_classify_scan_finds_narrow_voice_signals(tmp_path):
    """SSB and AM voice 2-4 kHz wide are tones in 500 Hz bins: their followed lines' fine
    spectrum shows the modulation; --bin-hz 125 sees them directly. Bad bin widths are
    refused."""
    import json

    from conftest import run_app
    sigs = [SceneSignal("AM-SSB", -400e3, 2.7e3 / 1.35, 25),     # SceneSignal's rate: its
            SceneSignal("AM-DSB", 200e3, 9e3 / 1.35, 25),       # nominal bandwidth / 1.35
            SceneSignal("AM-SSB", 500e3, 2.4e3 / 1.35, 25)]
    x, truth = make_scene(RATE, 0.6, sigs, seed=25)
    x.astype(np.complex64).tofile(tmp_path / "voice.cf32")
    for bins in ("500", "125"):
        run_app("robustamc-classify", tmp_path / "voice.cf32", "--samp-rate", str(RATE),
                "--scan", "--bin-hz", bins, "--out", tmp_path / f"{bins}.json", "--no-progress")
        dets = json.loads((tmp_path / f"{bins}.json").read_text())["detections"]
        # (an SSB signal has no carrier to hold its track through a pause in its speech: in
        # 125 Hz bins one comes back as a second track)
        assert len(dets) == 3 or bins == "125", (bins, dets)
        for tr in truth:
            d = max((d for d in dets if abs(d["center_hz"] - tr["center_hz"]) < 1e3),
                    key=lambda d: d["stop_s"] - d["start_s"])
            assert abs(d["center_hz"] - tr["center_hz"]) < tr["bandwidth_hz"] / 4, (bins, tr, d)
            assert d["bandwidth_hz"] == pytest.approx(tr["bandwidth_hz"], rel=0.5), (bins, tr, d)
            assert d["label"] == tr["label"], (bins, tr, d)
    p = run_app("robustamc-classify", tmp_path / "voice.cf32", "--samp-rate", str(RATE),
                "--scan", "--bin-hz", "0", "--no-progress", check=False)
    assert p.returncode != 0 and "--bin-hz" in p.stderr


def test_narrow_voice_is_found_from_its_lines_fine_spectrum_and_a_bare_line_is_not():
    """In 500 Hz bins an SSB voice signal is a tone region; followed, the spectrum over whole
    blocks (125 Hz bins) shows it wider than a tone's core: a signal, found once, with its
    fine width. A carrier with an RTL-SDR-like phase noise stays a carrier in that view."""
    x, truth = make_scene(RATE, 0.5, [SceneSignal("AM-SSB", 300e3, 2.4e3 / 1.35, 25)], seed=4)
    rng = np.random.default_rng(5)
    n, t = len(x), np.arange(len(x)) / RATE
    wander = np.cumsum(rng.standard_normal(n)) * 0.003
    x = x + (30 * np.exp(1j * (2 * np.pi * -250e3 * t + wander))).astype(np.complex64)
    det, started, ended = _run_detector(x)
    assert det.counters["carriers_modulated"] == 1
    assert not [t for t in ended if abs(t.center_hz + 250e3) < 5e3]     # the line: none
    tr = truth[0]
    mine = [t for t in ended if abs(t.occupied[0] - tr["center_hz"]) < tr["bandwidth_hz"] / 4]
    assert len(mine) == 1 and mine[0].fine is not None
    # 1.1 kHz for 1.5: the window's spread taken off a signal only 12 fine bins wide
    assert 0.65 < mine[0].occupied[1] / tr["bandwidth_hz"] < 1.35


def test_capture_scan_records_a_band_with_boxes(tmp_path, gr_robustamc):
    """robustamc-capture --scan from a raw file: the whole band recorded as SigMF with a box
    per signal in its own metadata, valid and readable as training data."""
    import json

    from sigmf import sigmffile

    from conftest import run_app
    x, truth = make_scene(RATE, 0.3, SCENE[:2], seed=3)
    x.tofile(tmp_path / "band.cf32")
    p = run_app("robustamc-capture", "--source", "file", "--input", tmp_path / "band.cf32",
                "--samp-rate", RATE, "--scan", "--seconds", "0.3", "--out", tmp_path / "cap",
                "--bundle", "compact")
    assert "2 signals boxed" in p.stdout
    meta = tmp_path / "cap.sigmf-meta"
    sigmffile.fromfile(str(meta)).validate()
    boxes = json.loads(meta.read_text())["annotations"]
    assert len(boxes) == 2 and all("core:freq_lower_edge" in b for b in boxes)
    bad = run_app("robustamc-capture", "--source", "sim", "--scan", "--out", tmp_path / "x",
                  check=False)
    assert bad.returncode != 0 and "--scan needs a radio or a file" in bad.stderr
