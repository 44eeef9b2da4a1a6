import pickle

import numpy as np
import pytest

from robustamc.constants import CLASSES, SNRS_DB
from robustamc.datasets import (DatasetError, RML2018_CLASSES, load_frames,
                                save_frames, synthesize_grid)


def test_synthetic_grid_file_roundtrip(tmp_path):
    fs = synthesize_grid(2, seed=11)
    assert len(fs) == 2 * len(CLASSES) * len(SNRS_DB)
    assert np.allclose((fs.x ** 2).sum(1).mean(1), 1.0, atol=1e-4)  # unit-power
    path = save_frames(fs, tmp_path / "d.npz")
    back = load_frames(path)
    assert np.array_equal(back.x, fs.x) and np.array_equal(back.y, fs.y)
    assert back.meta["seed"] == 11 and back.meta["classes"] == list(CLASSES)
    assert back.meta["normalization"] == "unit-power"
    assert np.array_equal(synthesize_grid(2, seed=11).x, fs.x)


def _rml2016_dict(n=3):
    rng = np.random.default_rng(0)
    return {(mod, snr): rng.standard_normal((n, 2, 128)).astype(np.float32) * 0.01
            for mod in ("QPSK", "WBFM") for snr in (-4, 10)}


def test_rml2016_pickle_in_its_exact_format(tmp_path):
    d = _rml2016_dict()
    path = tmp_path / "RML2016.10a_dict.pkl"
    with open(path, "wb") as f:
        pickle.dump(d, f, protocol=2)  # the real file is a Python 2 protocol-2 pickle
    fs = load_frames(path)
    assert len(fs) == 12 and fs.x.shape == (12, 2, 128)
    assert set(fs.y.tolist()) == {CLASSES.index("QPSK"), CLASSES.index("WBFM")}
    assert sorted(set(fs.snr.tolist())) == [-4, 10]
    i = np.where((fs.y == CLASSES.index("WBFM")) & (fs.snr == 10))[0]
    assert np.array_equal(fs.x[i], d[("WBFM", 10)])


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch pwned",))


def test_hostile_pickle_runs_no_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({("QPSK", 0): _Evil()}, protocol=2))
    with pytest.raises(DatasetError, match="refusing to load posix.system|refusing to load os.system"):
        load_frames(path)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("payload, message", [
    (b"\x80\x02}q\x00(X", "not a readable"),                       # truncated
    (pickle.dumps([1, 2, 3], protocol=2), "dict keyed by"),
    (pickle.dumps({("QPSK", "high"): np.zeros((1, 2, 128), np.float32)}, protocol=2),
     "is not \\(modulation, snr\\)"),
    (pickle.dumps({("NOPE", 0): np.zeros((1, 2, 128), np.float32)}, protocol=2), "unknown modulation"),
    (pickle.dumps({("QPSK", 0): np.zeros((1, 2, 64), np.float32)}, protocol=2), "array"),
])
def test_malformed_rml2016(tmp_path, payload, message):
    path = tmp_path / "bad.pkl"
    path.write_bytes(payload)
    with pytest.raises(DatasetError, match=message):
        load_frames(path)


def test_rml2018_hdf5_in_its_exact_format(tmp_path):
    h5py = pytest.importorskip("h5py")
    n = 6
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, 1024, 2)).astype(np.float32)
    cls = ["QPSK", "16QAM", "OOK", "FM", "GMSK", "4ASK"]
    Y = np.zeros((n, 24), dtype=np.int64)
    Y[np.arange(n), [RML2018_CLASSES.index(c) for c in cls]] = 1
    Z = np.array([[0], [10], [2], [-4], [6], [30]], dtype=np.int64)
    path = tmp_path / "GOLD_XYZ_OSC.0001_1024.hdf5"
    with h5py.File(path, "w") as f:
        f["X"], f["Y"], f["Z"] = X, Y, Z
    fs = load_frames(path)
    kept = ["QPSK", "QAM16", "WBFM", "PAM4"]  # OOK and GMSK have no equivalent among ours
    assert len(fs) == 4 * 8 and fs.x.shape == (32, 2, 128)
    assert [CLASSES[i] for i in fs.y[::8]] == kept
    assert np.array_equal(fs.x[0, 0], X[0, :128, 0]) and np.array_equal(fs.x[0, 1], X[0, :128, 1])
    assert np.array_equal(fs.x[9, 0], X[1, 128:256, 0])
    assert fs.snr.tolist()[::8] == [0, 10, -4, 30]


def test_malformed_files(tmp_path):
    h5py = pytest.importorskip("h5py")
    p = tmp_path / "bad.hdf5"
    with h5py.File(p, "w") as f:
        f["X"] = np.zeros((2, 100, 2), np.float32)
    with pytest.raises(DatasetError, match="missing dataset"):
        load_frames(p)
    junk = tmp_path / "junk.hdf5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(DatasetError, match="not a readable"):
        load_frames(junk)
    with pytest.raises(DatasetError, match="not found"):
        load_frames(tmp_path / "missing.npz")
    npz = tmp_path / "x.npz"
    np.savez(npz, x=np.zeros((2, 2, 128), np.float32))
    with pytest.raises(DatasetError, match="missing arrays"):
        load_frames(npz)
    obj = tmp_path / "obj.npz"
    np.savez(obj, x=np.array([{"a": 1}], dtype=object), y=np.zeros(1), snr=np.zeros(1),
             meta=np.array("{}"))
    with pytest.raises(DatasetError):
        load_frames(obj)
