"""Data sets: synthetic files, on-the-fly frame streams, and the real RadioML files.

A data set in memory is a `FrameSet` (x float32 (N, 2, W), y int64 class indices in CLASSES
order, snr int SNR labels in dB, meta dict). Files are `.npz` written without pickles
(`allow_pickle=False` on read), the metadata as a JSON string.
"""
from __future__ import annotations

import json
import multiprocessing
import pickle
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .constants import CLASSES, SAMPLE_RATE, SNRS_DB, WINDOW
from .normalize import NORMALIZATIONS, normalize
from .synth import Synthesizer


class DatasetError(Exception):
    """A data file is missing, malformed, hostile or in an unexpected format."""


@dataclass
class FrameSet:
    x: np.ndarray
    y: np.ndarray
    snr: np.ndarray
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)


# --------------------------------------------------------------------------- synthetic
def synthesize_grid(per_pair: int, seed: int, synth: Synthesizer | None = None,
                    normalization: str = "unit-power", batch: int = 8192,
                    progress: bool = False) -> FrameSet:
    """`per_pair` frames for every (class, SNR) pair, like RadioML 2016.10a's layout."""
    synth = synth or Synthesizer()
    y = np.repeat(np.arange(len(CLASSES)), len(SNRS_DB) * per_pair)
    snr = np.tile(np.repeat(np.array(SNRS_DB), per_pair), len(CLASSES))
    gen = torch.Generator().manual_seed(int(seed))
    chunks = []
    starts = range(0, len(y), batch)
    if progress:
        from tqdm import tqdm
        starts = tqdm(starts, desc="synthesising", unit="batch")
    for i in starts:
        xb = synth.frames(torch.from_numpy(y[i:i + batch]), torch.from_numpy(snr[i:i + batch]), gen)
        chunks.append(normalize(xb, normalization).cpu().numpy())
    meta = {"source": "synthetic", "seed": int(seed), "per_pair": per_pair,
            "normalization": normalization, "classes": list(CLASSES),
            "snrs_db": list(SNRS_DB), "synthesizer": synth.describe()}
    return FrameSet(np.concatenate(chunks), y.astype(np.int64), snr.astype(np.int64), meta)


class SyntheticStream:
    """Fresh synthetic batches, reproducible per (seed, epoch, step) for exact resumes."""

    def __init__(self, seed: int, synth: Synthesizer | None = None):
        self.seed = int(seed)
        self.synth = synth or Synthesizer()

    def batch(self, epoch: int, step: int, size: int):
        seed = int(np.random.SeedSequence([self.seed, epoch, step]).generate_state(1)[0])
        x, y, snr = self.synth.random(size, seed=seed)
        return x, y

    def describe(self) -> dict:
        return {"source": "synthetic-on-the-fly", "seed": self.seed,
                "synthesizer": self.synth.describe()}


_WORKER_STREAM = None


def _worker_start(stream) -> None:
    global _WORKER_STREAM
    torch.set_num_threads(1)   # each worker is one core's worth of synthesis
    _WORKER_STREAM = stream


def _worker_batch(epoch: int, step: int, size: int):
    return _WORKER_STREAM.batch(epoch, step, size)


class ParallelBatches:
    """A stream's batches drawn ahead of the training loop by `workers` processes.

    Each batch is a function of its (epoch, step) key alone, so the batches, and the trained
    model, are the same with any number of workers; only the wall-clock changes. For synthetic
    streams, whose frames cost more CPU time than a small model's step.
    """

    def __init__(self, stream, workers: int, lookahead: int | None = None):
        if workers < 1:
            raise ValueError(f"data workers must be at least 1, not {workers}")
        # spawn, not fork: the parent may hold CUDA and OpenMP state a fork must not copy
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_worker_start, initargs=(stream,))
        self.lookahead = lookahead or 2 * workers

    def epoch(self, epoch: int, steps, size: int):
        """Yield stream.batch(epoch, step, size) for each step of `steps`, in order."""
        steps = iter(steps)
        pending = deque()
        for step in steps:
            pending.append(self._pool.submit(_worker_batch, epoch, step, size))
            if len(pending) >= self.lookahead:
                break
        while pending:
            batch = pending.popleft().result()
            step = next(steps, None)
            if step is not None:
                pending.append(self._pool.submit(_worker_batch, epoch, step, size))
            yield batch

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class FileStream:
    """Shuffled batches from a FrameSet; the order is a function of (seed, epoch)."""

    def __init__(self, frames: FrameSet, seed: int):
        self.frames = frames
        self.seed = int(seed)
        self._perm_epoch, self._perm = None, None

    def batch(self, epoch: int, step: int, size: int):
        if self._perm_epoch != epoch:
            rng = np.random.default_rng([self.seed, epoch])
            self._perm, self._perm_epoch = rng.permutation(len(self.frames)), epoch
        idx = np.take(self._perm, np.arange(step * size, (step + 1) * size), mode="wrap")
        return torch.from_numpy(self.frames.x[idx]), torch.from_numpy(self.frames.y[idx])

    def describe(self) -> dict:
        return {"source": "file", "seed": self.seed, "file_meta": self.frames.meta}


# --------------------------------------------------------------------------- .npz files
def save_frames(frames: FrameSet, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, x=frames.x.astype(np.float32), y=frames.y, snr=frames.snr,
             meta=np.array(json.dumps(frames.meta)))
    tmp.replace(path)
    return path


def load_frames(path) -> FrameSet:
    """Read a data set: our `.npz`, RadioML 2016.10a `.pkl`, RadioML 2018.01A `.hdf5`, or a
    SigMF recording with labelled annotations (`.sigmf-meta` / `.sigmf-data`).

    Frames with NaN/Inf samples or no power are dropped and counted in
    `meta["dropped_frames"]` (training on them writes a model of NaNs); frames too strong for
    float32 arithmetic are scaled to unit power (every normalisation divides the scale out).
    """
    path = Path(path)
    if str(path).endswith((".sigmf-meta", ".sigmf-data")):
        fs = load_sigmf(path)
    elif not path.is_file():
        raise DatasetError(f"data file not found: {path}")
    elif path.suffix.lower() == ".pkl":
        fs = load_rml2016(path)
    elif path.suffix.lower() in (".h5", ".hdf5"):
        fs = load_rml2018(path)
    else:
        fs = _load_npz(path)
    _check_frames(fs, path)
    return _drop_unusable(fs, path)


def _load_npz(path: Path) -> FrameSet:
    _check_npz_sizes(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = {"x", "y", "snr", "meta"} - set(z.files)
            if missing:
                raise DatasetError(f"{path}: missing arrays {sorted(missing)}")
            meta = json.loads(str(z["meta"]))
            if not isinstance(meta, dict):
                raise DatasetError(f"{path}: meta must be a JSON object")
            return FrameSet(z["x"], z["y"].astype(np.int64), z["snr"].astype(np.int64), meta)
    except (ValueError, OSError, RecursionError, TypeError) as e:  # JSONDecodeError is a ValueError
        raise DatasetError(f"{path} is not a gr-robustamc data file: {e}") from None


def _check_npz_sizes(path: Path) -> None:
    """Each array's declared size against the bytes the archive holds for it, before NumPy
    allocates the declared size (a hostile header could ask for terabytes)."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(f)
                    if dtype.hasobject:
                        raise DatasetError(f"{path}: {info.filename} holds Python objects")
                    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
                    if need > info.file_size:
                        raise DatasetError(
                            f"{path}: {info.filename} declares {shape} {dtype} ({need:,} bytes) "
                            f"but holds {info.file_size:,} bytes; the file is truncated or "
                            "malformed")
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise DatasetError(f"{path} is not a gr-robustamc data file (.npz): {e}") from None


def _drop_unusable(fs: FrameSet, path) -> FrameSet:
    """Drop (and count) frames with non-finite samples or no power; scale frames whose
    power float32 cannot hold to unit power."""
    x = fs.x
    finite = np.isfinite(x).all(axis=(1, 2))
    with np.errstate(over="ignore", invalid="ignore"):
        power = np.einsum("nij,nij->n", x, x, dtype=np.float64) / max(1, x.shape[2])
    powered = finite & (power > 1e-20)
    big = powered & (power > 1e30)
    if big.any():
        x = x.copy()
        x[big] = (x[big].astype(np.float64) / np.sqrt(power[big])[:, None, None]).astype(x.dtype)
    keep = finite & powered
    if keep.all():
        return FrameSet(x, fs.y, fs.snr, fs.meta) if big.any() else fs
    if not keep.any():
        raise DatasetError(f"{path}: every one of the {len(keep):,} frames has NaN/Inf samples "
                           "or no power")
    dropped = {"nonfinite": int((~finite).sum()), "no_power": int((finite & ~powered).sum())}
    meta = dict(fs.meta, dropped_frames=dropped)
    return FrameSet(x[keep], fs.y[keep], fs.snr[keep], meta)


def dropped_note(fs: FrameSet) -> str | None:
    """A one-line warning about the frames load_frames dropped, or None."""
    d = fs.meta.get("dropped_frames")
    if not d:
        return None
    return (f"dropped {d['nonfinite']:,} frames with NaN/Inf samples and {d['no_power']:,} "
            f"without power; {len(fs):,} frames kept")


def _check_frames(fs: FrameSet, path) -> None:
    if fs.x.ndim != 3 or fs.x.shape[1] != 2:
        raise DatasetError(f"{path}: frames must be (N, 2, W), got {fs.x.shape}")
    if not (len(fs.x) == len(fs.y) == len(fs.snr)):
        raise DatasetError(f"{path}: x, y and snr lengths differ")
    if len(fs.y) and (fs.y.min() < 0 or fs.y.max() >= len(CLASSES)):
        raise DatasetError(f"{path}: class indices outside 0..{len(CLASSES) - 1}")
    norm = fs.meta.get("normalization")
    if norm is not None and norm not in NORMALIZATIONS + ("none",):
        raise DatasetError(f"{path}: unknown normalisation {norm!r}")


# --------------------------------------------------------------------------- RadioML 2016.10a
class _RML2016Unpickler(pickle.Unpickler):
    """Accepts only what RML2016.10a_dict.pkl holds: a dict of NumPy arrays."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        # protocol-2 pickles written by Python 3 spell bytes as _codecs.encode(str, 'latin1')
        ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise DatasetError(f"refusing to load {module}.{name}: a RadioML 2016.10a pickle "
                           f"holds only NumPy arrays")


def load_rml2016(path, normalization: str = "none") -> FrameSet:
    """RadioML 2016.10a (`RML2016.10a_dict.pkl`): dict {(mod, snr): (n, 2, 128) float32}."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = _RML2016Unpickler(f, encoding="latin1").load()
    except DatasetError:
        raise
    except Exception as e:  # any malformed pickle: truncated, wrong opcodes...
        raise DatasetError(f"{path} is not a readable RadioML 2016.10a pickle: {e}") from None
    if not isinstance(data, dict) or not data:
        raise DatasetError(f"{path}: expected a non-empty dict keyed by (modulation, snr)")
    bad = [k for k in data if not (isinstance(k, tuple) and len(k) == 2
                                   and isinstance(k[0], (str, bytes))
                                   and isinstance(k[1], (int, np.integer)))]
    if bad:
        raise DatasetError(f"{path}: key {bad[0]!r} is not (modulation, snr)")
    xs, ys, snrs = [], [], []
    for key, arr in sorted(data.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        mod, snr = key
        mod = mod.decode() if isinstance(mod, bytes) else mod
        if mod not in CLASSES:
            raise DatasetError(f"{path}: unknown modulation {mod!r}")
        if not isinstance(arr, np.ndarray) or arr.ndim != 3 or arr.shape[1:] != (2, WINDOW):
            raise DatasetError(f"{path}: {key!r} must hold an (n, 2, {WINDOW}) array")
        xs.append(arr.astype(np.float32))
        ys.append(np.full(len(arr), CLASSES.index(mod), dtype=np.int64))
        snrs.append(np.full(len(arr), int(snr), dtype=np.int64))
    x = np.concatenate(xs)
    if normalization != "none":
        x = normalize(x, normalization).astype(np.float32)
    return FrameSet(x, np.concatenate(ys), np.concatenate(snrs),
                    {"source": "RadioML 2016.10a", "file": str(path), "normalization": normalization})


# --------------------------------------------------------------------------- SigMF
def load_sigmf(path, normalization: str = "none") -> FrameSet:
    """A SigMF recording's annotations labelled with one of CLASSES (core:label), cut into
    windows at the model's rate (robustamc-capture writes such recordings; any SigMF tool
    can). SNR labels come from robustamc:snr_db annotations, -1 where unknown."""
    from .recordings import RecordingError, labelled_windows, open_recording
    try:
        rec = open_recording(path)
        x, y, snr = labelled_windows(rec, WINDOW, rate=SAMPLE_RATE)
    except RecordingError as e:
        raise DatasetError(str(e)) from None
    if normalization != "none":
        x = normalize(x, normalization).astype(np.float32)
    return FrameSet(x, y, snr, {"source": "SigMF", "file": str(rec.path),
                                "samp_rate": rec.samp_rate, "normalization": normalization})


# --------------------------------------------------------------------------- RadioML 2018.01A
#: RadioML 2018.01A class order (one-hot columns of Y), as published with the data set.
RML2018_CLASSES = (
    "OOK", "4ASK", "8ASK", "BPSK", "QPSK", "8PSK", "16PSK", "32PSK", "16APSK", "32APSK",
    "64APSK", "128APSK", "16QAM", "32QAM", "64QAM", "128QAM", "256QAM", "AM-SSB-WC",
    "AM-SSB-SC", "AM-DSB-WC", "AM-DSB-SC", "FM", "GMSK", "OQPSK",
)
#: The 2018 classes that are the same modulation as one of ours.
RML2018_TO_OURS = {"BPSK": "BPSK", "QPSK": "QPSK", "8PSK": "8PSK", "16QAM": "QAM16",
                   "64QAM": "QAM64", "4ASK": "PAM4", "AM-DSB-WC": "AM-DSB",
                   "AM-SSB-SC": "AM-SSB", "FM": "WBFM"}


def _memory_bytes() -> int:
    """This machine's physical memory (bytes)."""
    import os
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not Linux
        return 16 << 30


def load_rml2018(path, normalization: str = "none", max_frames: int | None = None,
                 chunk: int = 4096) -> FrameSet:
    """RadioML 2018.01A HDF5 (X (N, 1024, 2), Y one-hot (N, 24), Z SNR (N, 1)).

    Keeps the frames whose class is one of ours (RML2018_TO_OURS) and cuts each 1024-sample
    frame into 128-sample windows. Note: 2018.01A is not at our 8 samples per symbol.
    Read `chunk` frames at a time, so memory holds only the frames kept; the declared sizes
    are checked against the file (and this machine's memory) before anything is read.
    """
    try:
        import h5py
    except ImportError:
        raise DatasetError("reading RadioML 2018.01A needs h5py (pip install h5py)") from None
    path = Path(path)
    ours = np.array([CLASSES.index(RML2018_TO_OURS[c]) if c in RML2018_TO_OURS else -1
                     for c in RML2018_CLASSES])
    try:
        with h5py.File(path, "r") as f:
            for k in ("X", "Y", "Z"):
                if k not in f or not isinstance(f[k], h5py.Dataset):
                    raise DatasetError(f"{path}: missing dataset {k!r}")
            X, Y, Z = f["X"], f["Y"], f["Z"]
            n = X.shape[0] if max_frames is None else min(max_frames, X.shape[0])
            if X.ndim != 3 or X.shape[2] != 2 or X.shape[1] % WINDOW or X.shape[1] == 0:
                raise DatasetError(f"{path}: X must be (N, k*{WINDOW}, 2), got {X.shape}")
            if Y.shape != (X.shape[0], len(RML2018_CLASSES)) or Z.shape[0] != X.shape[0]:
                raise DatasetError(f"{path}: Y must be (N, 24) one-hot and Z (N, 1)")
            declared = n * X.shape[1] * 2 * 4
            stored = X.id.get_storage_size()
            if X.compression is None and stored < X.size * X.dtype.itemsize:
                raise DatasetError(
                    f"{path}: X declares {X.shape} ({X.size * X.dtype.itemsize:,} bytes) but the "
                    f"file stores {stored:,} bytes of it; the file is truncated or malformed")
            if declared * len(RML2018_TO_OURS) / len(RML2018_CLASSES) > _memory_bytes() // 2:
                raise DatasetError(
                    f"{path}: {n:,} frames of {X.shape[1]} samples would need about "
                    f"{declared / 2 ** 30 * 9 / 24:.1f} GiB in memory, more than half of this "
                    "machine's; convert a part of it (max_frames)")
            xs, ys, zs = [], [], []
            for i in range(0, n, chunk):
                y = ours[np.argmax(Y[i:min(n, i + chunk)], axis=1)]
                keep = np.flatnonzero(y >= 0)
                if len(keep):
                    xs.append(np.asarray(X[i:min(n, i + chunk)])[keep].astype(np.float32))
                    ys.append(y[keep])
                    zs.append(np.asarray(Z[i:min(n, i + chunk)]).reshape(-1)[keep])
    except DatasetError:
        raise
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise DatasetError(f"{path} is not a readable RadioML 2018.01A file: {e}") from None
    if not xs:
        raise DatasetError(f"{path}: no frame of the classes gr-robustamc knows "
                           f"({', '.join(sorted(RML2018_TO_OURS))})")
    x, y, z = np.concatenate(xs), np.concatenate(ys), np.concatenate(zs)
    per = x.shape[1] // WINDOW
    frames = x.reshape(len(x), per, WINDOW, 2).transpose(0, 1, 3, 2).reshape(-1, 2, WINDOW)
    frames = np.ascontiguousarray(frames, dtype=np.float32)
    if normalization != "none":
        frames = normalize(frames, normalization).astype(np.float32)
    return FrameSet(frames, np.repeat(y, per).astype(np.int64), np.repeat(z, per).astype(np.int64),
                    {"source": "RadioML 2018.01A", "file": str(path), "normalization": normalization,
                     "class_map": RML2018_TO_OURS})
