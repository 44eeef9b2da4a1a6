"""Scanning recordings: every signal of a SigMF or raw recording found, named and written
as a list of detections (JSON, CSV, or SigMF annotations with frequency edges)."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Callable

from ..recordings import NAMESPACE, Recording, RecordingError, _declare_extension, _pair_data
from .detect import DetectorConfig
from .scanner import Scanner

#: Columns of a detection, in the order CSV files have them (probabilities last, one per class).
FIELDS = ("id", "start_s", "stop_s", "center_hz", "frequency_hz", "bandwidth_hz", "label",
          "confidence", "snr_db", "decisions")


def scan_recording(rec: Recording, classifier, chunk: int = 1 << 18, average: int = 8,
                   interval_s: float = 0.02, progress: Callable | None = None,
                   detector: DetectorConfig = DetectorConfig()) -> tuple[list[dict], dict]:
    """Detections of every signal in `rec` (one dict per signal, FIELDS + probabilities)
    and the scanner's counters. `progress(n)` is called with the samples read."""
    sc = Scanner(rec.samp_rate, classifier, average=average, interval_s=interval_s,
                 detector=detector)
    ends = []
    for _, x in rec.chunks(chunk):
        ends += [e for e in sc.process(x) if e["type"] == "end"]
        if progress:
            progress(len(x))
    ends += [e for e in sc.close() if e["type"] == "end"]
    out = []
    for e in sorted(ends, key=lambda e: (e["start_s"], e["center_hz"])):
        out.append({"id": e["id"], "start_s": e["start_s"],
                    "stop_s": min(e["stop_s"], rec.n_samples / rec.samp_rate),
                    "center_hz": e["center_hz"],
                    "frequency_hz": None if rec.center_freq is None
                    else rec.center_freq + e["center_hz"],
                    "bandwidth_hz": e["bandwidth_hz"], "label": e["label"],
                    "confidence": e["confidence"], "snr_db": e["snr_db"],
                    "decisions": e["decisions"], "probabilities": e["probabilities"],
                    "channel_center_hz": e["channel_center_hz"],
                    "channel_bandwidth_hz": e["channel_bandwidth_hz"],
                    "first_sample": e["first_sample"],
                    "last_sample": min(e["last_sample"], rec.n_samples - 1)})
    counters = {**sc.counters, **{f"detector_{k}": v for k, v in sc.detector.counters.items()}}
    return out, counters


def write_detections(dets: list[dict], classes, path, meta: dict) -> Path:
    """Detections as JSON ({meta..., classes, detections: [...]}) or CSV (FIELDS, then one
    probability column per class), by the suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps({**meta, "classes": list(classes), "detections": dets},
                                   indent=1))
        return path
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(FIELDS) + [f"p_{c}" for c in classes])
        for d in dets:
            probs = d["probabilities"] or [""] * len(classes)
            w.writerow([("" if d[k] is None else d[k]) for k in FIELDS]
                       + [p if p == "" else f"{p:.4f}" for p in probs])
    return path


def annotate_detections(rec: Recording, dets: list[dict], out_meta, model: str,
                        in_place: bool = False) -> Path:
    """A copy of the recording's SigMF metadata with one time-frequency box per detection:
    core:sample_start/count, core:freq_lower_edge/upper_edge (the occupied band; absolute Hz
    when the capture has core:frequency, else offsets from the centre),
    robustamc:channel_lower_edge/upper_edge (the band it was classified in, in the same
    frame), core:label and robustamc:confidence, robustamc:snr_db, robustamc:decisions,
    robustamc:model. A compliant pair, like the one
    robustamc-classify --annotate writes; with `in_place` the recording's own metadata gets
    them (robustamc-capture --scan, which made the recording)."""
    out_meta = Path(rec.path) if in_place else Path(out_meta)
    if rec.kind != "sigmf":
        raise RecordingError("annotations need a SigMF recording")
    if not str(out_meta).endswith(".sigmf-meta"):
        raise RecordingError(f"{out_meta}: annotated metadata must end in .sigmf-meta")
    if not in_place and out_meta.resolve() == Path(rec.path).resolve():
        raise RecordingError(f"{out_meta}: refusing to overwrite the original metadata")
    meta = json.loads(Path(rec.path).read_text())
    if not in_place:
        meta["global"].pop("core:dataset", None)
        _pair_data(Path(rec.path).with_suffix(".sigmf-data"),
                   out_meta.with_suffix(".sigmf-data"))
    _declare_extension(meta)
    base = rec.center_freq or 0.0
    notes = list(meta.get("annotations", []))
    for d in dets:
        a = {"core:sample_start": int(d["first_sample"]),
             "core:sample_count": int(d["last_sample"] - d["first_sample"] + 1),
             "core:freq_lower_edge": base + d["center_hz"] - d["bandwidth_hz"] / 2,
             "core:freq_upper_edge": base + d["center_hz"] + d["bandwidth_hz"] / 2,
             "core:generator": "gr-robustamc robustamc-classify --scan",
             f"{NAMESPACE}:snr_db": round(d["snr_db"], 2),
             f"{NAMESPACE}:decisions": d["decisions"], f"{NAMESPACE}:model": model}
        half = d["channel_bandwidth_hz"] / 2   # the band the scanner classified it in
        a[f"{NAMESPACE}:channel_lower_edge"] = base + d["channel_center_hz"] - half
        a[f"{NAMESPACE}:channel_upper_edge"] = base + d["channel_center_hz"] + half
        if d["label"] is not None:
            a["core:label"] = d["label"]
            a[f"{NAMESPACE}:confidence"] = round(d["confidence"], 4)
        notes.append(a)
    meta["annotations"] = sorted(notes, key=lambda a: a["core:sample_start"])
    out_meta.parent.mkdir(parents=True, exist_ok=True)
    out_meta.write_text(json.dumps(meta, indent=2))
    return out_meta
