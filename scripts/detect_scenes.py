"""The detector alone (no model) on scan_scenes.py's random scenes: found, bandwidth within
25 % and spurious tracks per second by SNR, the same draws as scan_scenes.py for a seed.

  .venv/bin/python scripts/detect_scenes.py SEED SCENES [v] [stock] [rate=8e6]

v: list misses on stderr; stock: GNU Radio's stock modulators (scan_scenes.py --stock);
rate: the band's sample rate (2.048e6).

Scenes are cached in /tmp/scenes (a second run with a changed detector is quick)."""
import importlib.util
import os
import json
import sys

import numpy as np

spec = importlib.util.spec_from_file_location(
    "ss", os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_scenes.py"))
ss = importlib.util.module_from_spec(spec); spec.loader.exec_module(ss)
from robustamc.constants import CLASSES
from robustamc.spectrum.scene import BROADCAST_FM_HALF_HZ, make_scene
from robustamc.spectrum.detect import Detector
if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
    sys.exit(__doc__)
seed, nsc, opts = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
verbose, stock = "v" in opts, "stock" in opts
rate = float(next((o[5:] for o in opts if o.startswith("rate=")), 2.048e6))
classes = [c for c in CLASSES if not stock or c not in ("AM-DSB", "AM-SSB")]
os.makedirs("/tmp/scenes", exist_ok=True)
secs = 0.5
rng = np.random.default_rng(seed)
for snr in (10., 15., 20., 25.):
    tot = np.zeros(4)
    for k in range(nsc):
        sigs = ss.random_scene(rng, rate, secs, snr, classes, {"WBFM": BROADCAST_FM_HALF_HZ})
        sd = int(rng.integers(1 << 30))
        fn = f"/tmp/scenes/{'stock_' if stock else ''}{rate:g}_{seed}_{snr:g}_{k}"
        if os.path.exists(fn + ".json"):   # plain arrays and JSON: nothing runs on load
            x = np.load(fn + ".npy", allow_pickle=False)
            truth = json.load(open(fn + ".json"))
        else:
            x, truth = make_scene(rate, secs, sigs, seed=sd,
                                  modulate=ss.stock_modulated if stock else None)
            np.save(fn + ".npy", x, allow_pickle=False)
            json.dump(truth, open(fn + ".json", "w"))
        det = Detector(rate)
        ends = []
        for i in range(0, len(x), 65536):
            ends += det.process(x[i:i + 65536])[2]
        ends += det.close()
        ev = [dict(id=t.id, center_hz=t.occupied[0], bandwidth_hz=t.occupied[1], start_s=t.start / rate,
                   stop_s=(t.stop + 1) / rate, label="x") for t in ends]
        f, b, nmd, sp, wrong, off = ss.score(truth, ev, secs)
        if verbose:
            ss.print_misses(snr, k, truth, ev)
            for tr, e in off:
                print(f"bandwidth {snr:g} dB scene {k}: {tr['label']} bw {tr['bandwidth_hz']/1e3:.1f} measured {e['bandwidth_hz']/1e3:.1f}", file=sys.stderr)
        tot += (len(truth), f, b, sp)
    n, f, b, sp = tot
    print(f"{'stock ' if stock else ''}seed {seed} {snr:g} dB: n {n:.0f} found {100*f/n:.1f} bw {100*b/max(f,1):.1f} spurious/s {sp/(nsc*secs):.2f}", flush=True)
