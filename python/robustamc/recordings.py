"""Recordings: SigMF and raw complex64 files read in chunks, resampled to a model's rate and
classified window by window; SigMF recordings written with labelled annotations.

No GNU Radio here: the `robustamc-classify` program and the capture block both build on it.
SigMF goes through the `sigmf` package (imported when needed).
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .constants import CLASSES

#: File endings read as headerless interleaved complex64 (float32 I, Q), little-endian.
RAW_SUFFIXES = (".cf32", ".fc32", ".c64", ".complex", ".bin", ".raw", ".iq", ".dat")
SIGMF_SUFFIXES = (".sigmf-meta", ".sigmf-data", ".sigmf")
#: SigMF extension namespace of the keys this module writes, and the keys it defines
#: (docs/sigmf-extension-robustamc.md describes each).
NAMESPACE = "robustamc"
EXTENSION_KEYS = ("confidence", "decisions", "model", "snr_db")
#: Bounds on what a SigMF recording's metadata may hold (a few annotations per second of a
#: long capture fit easily; a hostile file with millions would take minutes and gigabytes).
MAX_META_BYTES = 64 << 20
MAX_ANNOTATIONS = 200_000


class RecordingError(Exception):
    """A recording is missing, truncated, malformed or not what the caller said it is."""


@dataclass
class Recording:
    """A recording opened for chunked reading (complex64, channel 0)."""
    path: Path
    kind: str                  # "sigmf" or "raw"
    samp_rate: float
    n_samples: int
    center_freq: float | None
    sigmf: object | None       # sigmf.SigMFFile for SigMF recordings
    _data: np.ndarray | None   # memmap of a raw file

    def read(self, start: int, count: int) -> np.ndarray:
        count = max(0, min(count, self.n_samples - start))
        if self.kind == "raw":
            return np.asarray(self._data[start:start + count], dtype=np.complex64)
        x = self.sigmf.read_samples(start_index=start, count=count)
        return np.asarray(x).astype(np.complex64, copy=False).reshape(-1)

    def chunks(self, size: int) -> Iterator[tuple[int, np.ndarray]]:
        for start in range(0, self.n_samples, size):
            yield start, self.read(start, size)


def _sigmf_meta_path(path: Path) -> Path:
    name = path.name
    for suffix in SIGMF_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return path.with_name(name + ".sigmf-meta")


def is_sigmf(path) -> bool:
    return str(path).endswith(SIGMF_SUFFIXES)


def open_recording(path, samp_rate: float | None = None) -> Recording:
    """Open a SigMF recording (either file of the pair) or a raw complex64 file.

    Raw files need `samp_rate`; for SigMF it overrides the metadata's `core:sample_rate`.
    Raises RecordingError with the reason for a missing, truncated or malformed file."""
    path = Path(path)
    if is_sigmf(path):
        return _open_sigmf(_sigmf_meta_path(path), samp_rate)
    if not path.is_file():
        raise RecordingError(f"recording not found: {path}")
    if path.suffix.lower() not in RAW_SUFFIXES:
        raise RecordingError(
            f"{path}: unknown recording type; use a SigMF pair (.sigmf-meta + .sigmf-data) or "
            f"raw complex64 ({', '.join(RAW_SUFFIXES)}) with a sample rate")
    if samp_rate is None:
        raise RecordingError(f"{path}: a raw recording needs its sample rate (--samp-rate)")
    _check_rate(samp_rate, path)
    size = path.stat().st_size
    if size % 8:
        raise RecordingError(
            f"{path}: {size} bytes is not a whole number of complex64 samples (8 bytes each); "
            "the file is truncated or not complex64")
    if size == 0:
        raise RecordingError(f"{path}: the recording is empty")
    data = np.memmap(path, dtype="<c8", mode="r")
    return Recording(path, "raw", float(samp_rate), len(data), None, None, data)


#: Sample rates a recording may have: from narrowband audio-rate captures to wideband SDRs.
MIN_RATE, MAX_RATE = 1e3, 1e10
#: How far the resampler goes: up by at most MAX_UP (a 3.125 kHz recording to 200 kHz),
#: down by at most MAX_DOWN (1 GS/s to 200 kHz). Beyond that the filter and its output
#: outgrow memory for no gain.
MAX_UP, MAX_DOWN = 64, 5000


def _suggest_rate(rate: float) -> str:
    """What a too-low rate probably meant: 2.4 -> 2.4e6 (MHz), 250 -> 250e3 (kHz)."""
    unit, mult = ("MHz", 1e6) if rate < 100 else ("kHz", 1e3)
    if 1e4 <= rate * mult <= MAX_RATE:
        return f"; did you mean {rate * mult:g} ({rate:g} {unit})?"
    return ""


def _check_rate(rate, path):
    if isinstance(rate, bool) or not (isinstance(rate, (int, float)) and math.isfinite(rate)
                                      and rate > 0):
        raise RecordingError(f"{path}: sample rate must be a positive number of Hz, got {rate!r}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise RecordingError(f"{path}: a sample rate of {rate:g} Hz is outside {MIN_RATE:g}.."
                             f"{MAX_RATE:g} Hz{_suggest_rate(rate) if rate < MIN_RATE else ''}")


def check_resampling(in_rate: float, out_rate: float) -> None:
    """ValueError unless a recording at `in_rate` can be resampled to `out_rate` within
    MAX_UP / MAX_DOWN, saying what rate was probably meant."""
    ratio = out_rate / in_rate
    if ratio > MAX_UP:
        raise ValueError(
            f"{in_rate:g} Hz is too low a sample rate to resample to the model's {out_rate:g} Hz "
            f"(at most {MAX_UP}x up, i.e. from {out_rate / MAX_UP:g} Hz){_suggest_rate(in_rate)}")
    if ratio < 1 / MAX_DOWN:
        raise ValueError(
            f"{in_rate:g} Hz is too high a sample rate to resample to the model's {out_rate:g} Hz "
            f"(at most {MAX_DOWN}x down, i.e. up to {out_rate * MAX_DOWN:g} Hz); decimate it first")


def _open_sigmf(meta: Path, samp_rate: float | None) -> Recording:
    try:
        from sigmf import sigmffile
        from sigmf.error import SigMFError
    except ImportError as e:  # pragma: no cover - the requirements install it
        raise RecordingError(f"reading SigMF needs the sigmf package ({e})") from None
    data = meta.with_suffix(".sigmf-data")
    for p in (meta, data):
        if not p.is_file():
            raise RecordingError(f"SigMF file not found: {p}")
    if meta.stat().st_size > MAX_META_BYTES:
        raise RecordingError(f"{meta}: {meta.stat().st_size:,} bytes of metadata is more than "
                             f"gr-robustamc reads ({MAX_META_BYTES:,})")
    try:
        sf = sigmffile.fromfile(str(meta), skip_checksum=False)
    except (SigMFError, ValueError, KeyError, TypeError, OSError, RecursionError) as e:
        raise RecordingError(f"{meta}: not a readable SigMF recording: {e}") from None
    notes = sf.get_annotations()
    if len(notes) > MAX_ANNOTATIONS:
        raise RecordingError(f"{meta}: {len(notes):,} annotations is more than gr-robustamc "
                             f"reads ({MAX_ANNOTATIONS:,})")
    glob = sf.get_global_info()
    dtype = glob.get("core:datatype", "")
    if not dtype.startswith("c"):
        raise RecordingError(f"{meta}: datatype {dtype!r} is real; a complex (IQ) one is needed")
    channels = glob.get("core:num_channels", 1)
    if channels != 1:
        raise RecordingError(f"{meta}: {channels} channels; one is supported")
    rate = samp_rate if samp_rate is not None else glob.get("core:sample_rate")
    if rate is None:
        raise RecordingError(f"{meta}: no core:sample_rate in the metadata; give --samp-rate")
    _check_rate(rate, meta)
    sample_bytes = sf.get_sample_size()
    size = data.stat().st_size
    if size % sample_bytes:
        raise RecordingError(
            f"{data}: {size} bytes is not a whole number of {dtype} samples "
            f"({sample_bytes} bytes each); the file is truncated")
    n = sf.sample_count
    if n == 0:
        raise RecordingError(f"{data}: the recording is empty")
    freq = None
    captures = sf.get_captures()
    if captures and "core:frequency" in captures[0]:
        freq = float(captures[0]["core:frequency"])
    return Recording(meta, "sigmf", float(rate), int(n), freq, sf, None)


# --------------------------------------------------------------------------- resampling
class Resampler:
    """Streaming rational resampler (polyphase Kaiser-windowed sinc), exact across chunks.

    The ratio out/in is approximated by a fraction with denominator <= `max_denominator`;
    `out_rate` is the rate actually produced. Output sample k sits at input time k * M / L."""

    def __init__(self, in_rate: float, out_rate: float, max_denominator: int = 1000,
                 taps_per_phase: int = 24, beta: float = 8.0):
        check_resampling(in_rate, out_rate)
        frac = Fraction(out_rate / in_rate).limit_denominator(max_denominator)
        if frac <= 0:
            raise ValueError(f"cannot resample {in_rate} Hz to {out_rate} Hz")
        self.up, self.down = frac.numerator, frac.denominator
        self.out_rate = in_rate * self.up / self.down
        L, M = self.up, self.down
        self.k = taps_per_phase * max(1, math.ceil(M / L))  # taps per phase
        n = self.k * L
        cutoff = 0.5 / max(L, M) * 0.9       # of the upsampled rate; 10 % transition band
        t = np.arange(n) - (n - 1) / 2
        h = 2 * cutoff * np.sinc(2 * cutoff * t) * np.kaiser(n, beta)
        h *= L / h.sum()
        self.delay = (n - 1) / 2 / L          # group delay in input samples
        # phase p, tap i: h[p + i L] multiplies x[n_k - i]
        self.poly = h.reshape(self.k, L).T.astype(np.float32)  # (L, k)
        self.identity = L == 1 and M == 1
        self._hist = np.zeros(self.k - 1, dtype=np.complex64)
        self._n_in = 0   # input samples consumed so far
        self._n_out = 0  # output samples produced so far

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.complex64)
        if self.identity:
            return x
        buf = np.concatenate((self._hist, x))  # buf[j] = input sample self._n_in - (k-1) + j
        total_in = self._n_in + len(x)
        L, M = self.up, self.down
        # outputs whose newest input sample n_k = floor(k M / L) is already here
        last = (total_in * L - 1) // M if total_in else -1
        ks = np.arange(self._n_out, last + 1, dtype=np.int64)
        y = np.empty(len(ks), dtype=np.complex64)
        block = max(1, min(65536, (1 << 22) // self.k))   # (block, taps) gathers: <= 64 MB
        for s in range(0, len(ks), block):
            kk = ks[s:s + block]
            nk, phase = (kk * M) // L, (kk * M) % L
            idx = (nk - self._n_in + self.k - 1)[:, None] - np.arange(self.k)[None, :]
            y[s:s + len(kk)] = np.einsum("ij,ij->i", buf[idx], self.poly[phase])
        self._n_out = last + 1
        self._n_in = total_in
        self._hist = buf[len(buf) - (self.k - 1):] if self.k > 1 else self._hist
        return y


# --------------------------------------------------------------------------- classification
def classify_recording(rec: Recording, classifier, model_rate: float, hop: int | None = None,
                       average: int = 1, chunk: int = 1 << 20, offset_hz: float = 0.0,
                       progress: Callable | None = None) -> list[dict]:
    """Classify a recording window by window at the model's rate.

    `classifier` is an inference.FrameClassifier. Windows of its length are taken every `hop`
    samples (default: the window) of the resampled stream; `average` consecutive windows form
    one decision. Each row: window index, sample_start / sample_count in the recording's own
    samples, time_s, label, confidence, probabilities; invalid windows (NaN, no power) get
    label None; a last group of fewer than `average` windows is left out. A signal
    `offset_hz` from the recording's centre is moved to 0 Hz first (the resampler's low-pass
    then keeps +-90 kHz around it). `progress(n_samples_read)` is called after each chunk."""
    w = classifier.window
    hop = hop or w
    if hop < 1 or average < 1:
        raise ValueError("hop and average must be >= 1")
    rs = Resampler(rec.samp_rate, model_rate)
    scale = rs.down / rs.up  # recording samples per model sample
    buf = np.zeros(0, dtype=np.complex64)
    buf_start = 0     # model-rate index of buf[0]
    nxt = 0           # model-rate index of the next window start
    probs, status, starts = [], [], []
    for start, x in rec.chunks(chunk):
        if offset_hz:
            t = (start + np.arange(len(x))) / rec.samp_rate
            x = x * np.exp(-2j * np.pi * offset_hz * t).astype(np.complex64)
        y = rs.process(x)
        buf = np.concatenate((buf, y))
        end = buf_start + len(buf)
        if nxt + w <= end:
            count = (end - w - nxt) // hop + 1
            first = nxt - buf_start
            idx = first + hop * np.arange(count)
            p, s = classifier.classify(buf[idx[:, None] + np.arange(w)])
            probs.append(p), status.append(s), starts.append(nxt + hop * np.arange(count))
            nxt += hop * count
        keep = min(nxt, end) - buf_start
        buf, buf_start = buf[keep:], buf_start + keep
        if progress:
            progress(len(x))
    if not starts:
        return []
    probs, status, starts = np.concatenate(probs), np.concatenate(status), np.concatenate(starts)
    rows = []
    classes = classifier.classes
    delay = 0.0 if rs.identity else rs.delay  # the resampler's, in recording samples
    for g in range(len(starts) // average):
        sl = slice(g * average, (g + 1) * average)
        ok = status[sl] == 0
        # model-rate index -> recording sample, compensating the resampler's delay
        first = max(0.0, starts[sl][0] * scale - delay)
        end = min((starts[sl][-1] + w) * scale - delay, rec.n_samples)
        row = {"window": g, "sample_start": int(round(first)),
               "sample_count": int(round(end)) - int(round(first)),
               "time_s": first / rec.samp_rate, "windows": int(ok.sum())}
        if ok.any():
            mean = probs[sl][ok].mean(0)
            i = int(mean.argmax())
            row.update(label=classes[i], confidence=float(mean[i]),
                       probabilities=[float(v) for v in mean])
        else:
            row.update(label=None, confidence=None, probabilities=None)
        rows.append(row)
    return rows


def write_rows(rows: list[dict], classes, path, meta: dict) -> Path:
    """Per-window labels as CSV (one column per class probability) or JSON (by suffix)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps({**meta, "classes": list(classes), "windows": rows}, indent=1))
        return path
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["window", "sample_start", "sample_count", "time_s", "label", "confidence"]
                     + [f"p_{c}" for c in classes])
        for r in rows:
            probs = r["probabilities"] or [""] * len(classes)
            conf = "" if r["confidence"] is None else f"{r['confidence']:.4f}"
            out.writerow([r["window"], r["sample_start"], r["sample_count"], f"{r['time_s']:.6f}",
                          r["label"] or "", conf] + [p if p == "" else f"{p:.4f}" for p in probs])
    return path


def label_runs(rows: list[dict]) -> list[dict]:
    """Merge consecutive decisions with the same label into runs (start, count, label, mean
    confidence, decisions); invalid windows break runs and are left out."""
    runs = []
    for r in rows:
        if r["label"] is None:
            runs.append(None)
            continue
        last = runs[-1] if runs else None
        end = r["sample_start"] + r["sample_count"]
        if last is not None and last["label"] == r["label"]:
            last["sample_count"] = end - last["sample_start"]
            last["confidence_sum"] += r["confidence"]
            last["decisions"] += 1
        else:
            runs.append({"sample_start": r["sample_start"], "sample_count": r["sample_count"],
                         "label": r["label"], "confidence_sum": r["confidence"], "decisions": 1})
    out = []
    for run in filter(None, runs):
        run["confidence"] = run.pop("confidence_sum") / run["decisions"]
        out.append(run)
    return out


def annotate_sigmf(rec: Recording, rows: list[dict], out_meta, model: str) -> Path:
    """A copy of the recording's SigMF metadata with one annotation per run of equal labels
    (core:label, robustamc:confidence, robustamc:decisions, robustamc:model), as a compliant
    recording: `<copy>.sigmf-data` links to the recording's data file."""
    out_meta = Path(out_meta)
    if not str(out_meta).endswith(".sigmf-meta"):
        raise RecordingError(f"{out_meta}: annotated metadata must end in .sigmf-meta")
    if out_meta.resolve() == Path(rec.path).resolve():
        raise RecordingError(f"{out_meta}: refusing to overwrite the original metadata")
    meta = json.loads(Path(rec.path).read_text())
    meta["global"].pop("core:dataset", None)   # the copy is a compliant pair (below)
    _pair_data(Path(rec.path).with_suffix(".sigmf-data"), out_meta.with_suffix(".sigmf-data"))
    _declare_extension(meta)
    notes = list(meta.get("annotations", []))
    for run in label_runs(rows):
        notes.append({"core:sample_start": int(run["sample_start"]),
                      "core:sample_count": int(run["sample_count"]),
                      "core:label": run["label"],
                      f"{NAMESPACE}:confidence": round(run["confidence"], 4),
                      f"{NAMESPACE}:decisions": run["decisions"],
                      f"{NAMESPACE}:model": model,
                      "core:generator": "gr-robustamc robustamc-classify"})
    meta["annotations"] = sorted(notes, key=lambda a: a["core:sample_start"])
    out_meta.parent.mkdir(parents=True, exist_ok=True)
    out_meta.write_text(json.dumps(meta, indent=2))
    return out_meta


def _pair_data(data: Path, out_data: Path) -> None:
    """Give an annotated copy its own `.sigmf-data` name, as SigMF pairs files by name: a
    symbolic link to the recording's data (relative when both sit side by side), so nothing
    is copied and every SigMF reader opens the copy as it is."""
    import os
    if out_data.is_symlink() or out_data.exists():
        if out_data.resolve() == data.resolve():
            return
        raise RecordingError(f"{out_data} exists and is not the recording's data; choose "
                             "another name for the annotated copy")
    out_data.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(data.resolve(), out_data.parent.resolve())
    try:
        out_data.symlink_to(target)
    except OSError as e:
        raise RecordingError(f"{out_data}: cannot link the recording's data here ({e})") from None


def _declare_extension(meta: dict) -> None:
    ext = meta["global"].setdefault("core:extensions", [])
    if not any(e.get("name") == NAMESPACE for e in ext):
        ext.append({"name": NAMESPACE, "version": "0.1.0", "optional": True})


# --------------------------------------------------------------------------- writing
class SigMFWriter:
    """Writes a cf32_le SigMF recording incrementally: samples appended to `.sigmf-data`,
    annotations collected, metadata written (and re-written) by `close()`.

    Annotations carry core:label and, when known, robustamc:snr_db; the data loaders
    (datasets.load_sigmf) cut training windows from them."""

    def __init__(self, base, samp_rate: float, center_freq: float | None = None,
                 description: str = "", author: str = "", hw: str = "",
                 overwrite: bool = False):
        base = Path(base)
        for suffix in SIGMF_SUFFIXES:
            if base.name.endswith(suffix):
                base = base.with_name(base.name[: -len(suffix)])
        _check_rate(samp_rate, base)
        base.parent.mkdir(parents=True, exist_ok=True)
        self.meta_path = base.with_name(base.name + ".sigmf-meta")
        self.data_path = base.with_name(base.name + ".sigmf-data")
        for p in (self.meta_path, self.data_path):
            if p.exists() and not overwrite:
                raise RecordingError(f"{p} exists; choose another name or allow overwriting")
        self.samp_rate, self.center_freq = float(samp_rate), center_freq
        self.description, self.author, self.hw = description, author, hw
        self._f = open(self.data_path, "wb")
        self.n_samples = 0
        self.annotations: list[dict] = []
        self._runs: list[dict] = []   # labelled runs from write(), annotated by close()
        self._run = None

    def write(self, x: np.ndarray, label: str | None = None, snr_db=(),
              new_run: bool = False) -> int:
        """Append samples; returns the index of the first one.

        With a `label`, the samples join the open annotation when it has the same label and
        `new_run` is false (a gap in the source, say), else they start a new one. `snr_db`:
        SNR estimates (dB) of these samples; an annotation stores their mean."""
        start = self.n_samples
        np.asarray(x, dtype="<c8").tofile(self._f)
        self.n_samples += len(x)
        if label is None:
            self._run = None  # unlabelled samples end the open annotation
            return start
        if not len(x):
            return start
        snrs = [float(v) for v in np.atleast_1d(snr_db) if math.isfinite(float(v))]
        run = self._run
        if run is None or new_run or run["label"] != label:
            run = self._run = {"start": start, "count": 0, "label": str(label), "snr": []}
            self._runs.append(run)
        run["count"] += len(x)
        run["snr"] += snrs
        return start

    def annotate(self, start: int, count: int, label: str, snr_db: float | None = None,
                 **extra) -> None:
        a = {"core:sample_start": int(start), "core:sample_count": int(count),
             "core:label": str(label)}
        if snr_db is not None and math.isfinite(snr_db):
            a[f"{NAMESPACE}:snr_db"] = round(float(snr_db), 2)
        a.update({f"{NAMESPACE}:{k}": v for k, v in extra.items()})
        self.annotations.append(a)

    def close(self) -> Path:
        """Flush the data and write the metadata (safe to call more than once)."""
        if not self._f.closed:
            self._f.close()
        for run in self._runs:
            snr = float(np.mean(run["snr"])) if run["snr"] else None
            self.annotate(run["start"], run["count"], run["label"], snr)
        self._runs, self._run = [], None
        from sigmf import SigMFFile
        glob = {"core:datatype": "cf32_le", "core:sample_rate": self.samp_rate,
                "core:version": _sigmf_version(),
                "core:recorder": "gr-robustamc",
                "core:extensions": [{"name": NAMESPACE, "version": "0.1.0", "optional": True}]}
        if self.description:
            glob["core:description"] = self.description
        if self.author:
            glob["core:author"] = self.author
        if self.hw:
            glob["core:hw"] = self.hw
        sf = SigMFFile(data_file=str(self.data_path), global_info=glob)
        capture = {}
        if self.center_freq is not None:
            capture["core:frequency"] = float(self.center_freq)
        sf.add_capture(0, metadata=capture)
        for a in self.annotations:
            sf.add_annotation(a["core:sample_start"], a["core:sample_count"],
                              metadata={k: v for k, v in a.items()
                                        if k not in ("core:sample_start", "core:sample_count")})
        sf.tofile(str(self.meta_path), overwrite=True)
        return self.meta_path


def _sigmf_version() -> str:
    from sigmf import __specification__
    return __specification__


def _condition_box(rec: Recording, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The signal inside frequency edges lo..hi (absolute Hz when the recording has a centre
    frequency, else offsets) of samples x, in the model-input convention."""
    from .spectrum.condition import Channelizer
    base = rec.center_freq or 0.0
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise RecordingError(f"{rec.path}: frequency edges {lo}..{hi} are not a band")
    ch = Channelizer(rec.samp_rate)
    ch.add(0, (lo + hi) / 2 - base, hi - lo)
    pad = np.zeros(ch.N, np.complex64)   # flush the last block
    return np.concatenate([ch.process(x)[0], ch.process(pad)[0]])[:int(
        len(x) * ch.out_rate(0) / rec.samp_rate)]


def labelled_windows(rec: Recording, window: int, rate: float | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut (x float32 (N, 2, window), class index, SNR dB) from a SigMF recording's annotations
    whose core:label is one of CLASSES: whole windows inside each annotation, resampled to
    `rate` first when it differs from the recording's; an annotation with frequency edges
    (a box in a wideband recording) is conditioned as the scanner conditions it, from
    robustamc:channel_lower/upper_edge where the scanner wrote them. SNR comes from
    robustamc:snr_db (rounded), else -1 meaning unknown."""
    if rec.kind != "sigmf":
        raise RecordingError(f"{rec.path}: labelled windows need a SigMF recording")
    xs, ys, snrs, skipped = [], [], [], set()
    for a in rec.sigmf.get_annotations():
        label = a.get("core:label")
        if label not in CLASSES:
            skipped.add(label)
            continue
        start, count = a.get("core:sample_start", 0), a.get("core:sample_count")
        if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start < rec.n_samples:
            raise RecordingError(
                f"{rec.path}: annotation {label!r} starts at core:sample_start {start!r}, "
                f"outside the recording (0..{rec.n_samples - 1})")
        if count is None:
            count = rec.n_samples - start
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise RecordingError(f"{rec.path}: annotation {label!r} at {start} has "
                                 f"core:sample_count {count!r}; a count is an integer >= 0")
        count = min(count, rec.n_samples - start)   # an annotation may run past the end
        x = rec.read(start, count)
        lo_edge, hi_edge = a.get("core:freq_lower_edge"), a.get("core:freq_upper_edge")
        if a.get(f"{NAMESPACE}:channel_lower_edge") is not None \
                and a.get(f"{NAMESPACE}:channel_upper_edge") is not None:
            # the scanner's box: the band it classified the signal in, from its first spectra
            # (for a speech-modulated signal narrower than the occupied band of the box)
            lo_edge = a[f"{NAMESPACE}:channel_lower_edge"]
            hi_edge = a[f"{NAMESPACE}:channel_upper_edge"]
        if lo_edge is not None and hi_edge is not None:
            # a time-frequency box in a wideband recording (robustamc-classify --scan): the
            # scanner's own conditioning cuts the signal out, so training sees what it leaves
            x = _condition_box(rec, x, float(lo_edge), float(hi_edge))
        elif rate is not None and abs(rate / rec.samp_rate - 1) > 1e-6:
            rs = Resampler(rec.samp_rate, rate)
            y = rs.process(np.concatenate((x, np.zeros(int(np.ceil(rs.delay)), np.complex64))))
            x = y[int(round(rs.delay * rs.up / rs.down)):][:int(count * rs.up / rs.down)]
        x = x[:len(x) // window * window].reshape(-1, window)
        if not len(x):
            continue
        xs.append(np.stack([x.real, x.imag], axis=1).astype(np.float32))
        ys.append(np.full(len(x), CLASSES.index(label), dtype=np.int64))
        snr = a.get(f"{NAMESPACE}:snr_db")
        snrs.append(np.full(len(x), -1 if snr is None else int(round(float(snr))), dtype=np.int64))
    if not xs:
        raise RecordingError(
            f"{rec.path}: no annotation labelled with one of {', '.join(CLASSES)} "
            f"(found labels: {sorted(map(str, skipped)) or 'none'})")
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(snrs)
