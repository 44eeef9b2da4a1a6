#!/usr/bin/env python3
"""The scanner on random wideband scenes: a table of detection and naming by SNR.

  .venv/bin/python scripts/scan_scenes.py --scenes 20 --bundle compact

  .venv/bin/python scripts/scan_scenes.py --scenes 20 --stock     # GNU Radio's own modulators

Each scene: --rate (2.048 Msps), --seconds long, 5-8 signals of the 11 classes at random
non-overlapping frequencies, symbol rates 10-200 kbaud (AM: a comparable bandwidth; WBFM is
broadcast FM, 75 kHz deviation, with 90 kHz kept free each side), one SNR per scene in its
signals' own bandwidth (--snrs, dB), about a third of them bursts that start and stop inside
the scene (robustamc.spectrum.scene). The signals are the field synthesiser's (default) or,
with --stock, GNU Radio's stock modulators (the Stock Modulation Source: generic_mod, gfsk_mod
and cpfsk_bc at the scene's symbol rate, wfm_tx at 75 kHz deviation, about 140 kHz wide).
--stock leaves out AM-DSB and AM-SSB: their stock chains carry a three-tone audio test signal
up to 2.3 kHz (4.6 and 2 kHz wide: a handful of lines, narrower than the 10 kbaud the scenes
start at). A signal is found when a track's centre lies within a quarter of its bandwidth;
named right when the track's label (its decisions' mean) is its class, with QAM16 and QAM64 as
one. Spurious: tracks matching no signal, per second of scene. Prints one Markdown row per SNR.
"""
import sys
import time

import numpy as np


def random_scene(rng, rate, seconds, snr_db, classes, fixed_half=None):
    """5-8 SceneSignals; `fixed_half` maps a class to the half-width (Hz) it occupies
    whatever its rate (broadcast FM)."""
    from robustamc.spectrum.scene import SceneSignal
    n = int(rng.integers(5, 9))
    sigs, used = [], []
    for _ in range(200):
        if len(sigs) == n:
            break
        label = str(rng.choice(classes))
        sym = float(np.exp(rng.uniform(np.log(10e3), np.log(200e3))))
        half = (fixed_half or {}).get(label, 0.8 * sym)    # room each side (bandwidth ~1.35 R)
        c = float(rng.uniform(-0.45 * rate + half, 0.45 * rate - half))
        if any(abs(c - c2) < half + h2 + 10e3 for c2, h2 in used):
            continue
        burst = rng.random() < 0.35
        start = float(rng.uniform(0, seconds / 2)) if burst else 0.0
        stop = float(rng.uniform(start + seconds / 4, seconds)) if burst else None
        sigs.append(SceneSignal(label, c, sym, snr_db, start, stop))
        used.append((c, half))
    return sigs


def stock_modulated(s, n, rate, seed):
    """n samples of GNU Radio's stock modulator for `s` at 0 Hz (stock_modulation_source)."""
    from gnuradio import blocks, gr
    from gnuradio import robustamc as gr_robustamc
    tb = gr.top_block()
    src = gr_robustamc.stock_modulation_source(s.label, seed=seed % (1 << 30), samp_rate=rate,
                                               samples_per_symbol=rate / s.rate_hz)
    sink = blocks.vector_sink_c()
    tb.connect(src, blocks.head(gr.sizeof_gr_complex, n), sink)
    tb.run()
    return np.asarray(sink.data(), np.complex64)


def score(truth, ends, seconds):
    same = lambda a, b: a == b or {a, b} == {"QAM16", "QAM64"}  # noqa: E731
    found = named = bw_ok = 0
    matched = set()
    wrong, off = [], []
    for tr in truth:
        cands = [e for e in ends if abs(e["center_hz"] - tr["center_hz"]) < tr["bandwidth_hz"] / 4
                 and e["id"] not in matched]
        if not cands:
            continue
        e = max(cands, key=lambda e: e["stop_s"] - e["start_s"])
        matched.update(c["id"] for c in cands)
        found += 1
        if abs(e["bandwidth_hz"] / tr["bandwidth_hz"] - 1) <= 0.25:
            bw_ok += 1
        else:
            off.append((tr, e))
        ok = e["label"] is not None and same(e["label"], tr["label"])
        named += ok
        if not ok:
            wrong.append((tr, e))
    spurious = sum(e["id"] not in matched for e in ends)
    return found, bw_ok, named, spurious, wrong, off


def print_misses(snr, scene, truth, ends):
    """Signals no track matched, with the two nearest tracks (centre, bandwidth, label), and
    tracks no signal matched, with the nearest signal."""
    for e in ends:
        if any(abs(e["center_hz"] - tr["center_hz"]) < tr["bandwidth_hz"] / 4 for tr in truth):
            continue
        tr = min(truth, key=lambda tr: abs(e["center_hz"] - tr["center_hz"]), default=None)
        near = ("none" if tr is None else f"{tr['label']} at {tr['center_hz'] / 1e3:+.1f} kHz, "
                f"bw {tr['bandwidth_hz'] / 1e3:.1f} kHz")
        print(f"spurious {snr:g} dB scene {scene}: {e['center_hz'] / 1e3:+.1f} kHz bw "
              f"{e['bandwidth_hz'] / 1e3:.1f} {e['label']} {e['start_s']:.2f}-{e['stop_s']:.2f} s "
              f"| nearest signal: {near}", file=sys.stderr)
    for tr in truth:
        if any(abs(e["center_hz"] - tr["center_hz"]) < tr["bandwidth_hz"] / 4 for e in ends):
            continue
        near = sorted(ends, key=lambda e: abs(e["center_hz"] - tr["center_hz"]))[:2]
        desc = "; ".join(f"{e['center_hz'] / 1e3:+.1f} kHz bw {e['bandwidth_hz'] / 1e3:.1f} "
                         f"{e['label']} {e['start_s']:.2f}-{e['stop_s']:.2f} s" for e in near)
        print(f"miss {snr:g} dB scene {scene}: {tr['label']} at {tr['center_hz'] / 1e3:+.1f} kHz, "
              f"bw {tr['bandwidth_hz'] / 1e3:.1f} kHz, {tr.get('start_s', 0):.2f}-"
              f"{tr.get('stop_s')} s | nearest: {desc}", file=sys.stderr)


def main():
    from robustamc.cli import parser
    p = parser(__doc__)
    p.add_argument("--scenes", type=int, default=20, help="scenes per SNR")
    p.add_argument("--snrs", default="10,15,20,25", help="SNRs (dB) in the signals' bandwidth")
    p.add_argument("--rate", type=float, default=2.048e6)
    p.add_argument("--seconds", type=float, default=0.5)
    p.add_argument("--bundle", default="", help="model bundle (default: the shipped default)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stock", action="store_true",
                   help="make the signals with GNU Radio's stock modulators (needs GNU Radio)")
    p.add_argument("--misses", action="store_true",
                   help="also print to stderr each signal not found (with the nearest tracks), "
                        "each spurious track (with the nearest signal), each signal named wrong "
                        "and each bandwidth more than 25 %% off")
    args = p.parse_args()

    import torch
    torch.set_num_threads(1)
    from robustamc.constants import CLASSES
    from robustamc.inference import FrameClassifier
    from robustamc.spectrum.scanner import Scanner
    from robustamc.spectrum.scene import BROADCAST_FM_HALF_HZ, make_scene

    clf = FrameClassifier(args.bundle or None)
    classes = [c for c in CLASSES if not args.stock or c not in ("AM-DSB", "AM-SSB")]
    fixed_half = {"WBFM": BROADCAST_FM_HALF_HZ}     # broadcast FM (wfm_tx: 75 kHz deviation)
    print(f"model {clf.name}; {args.scenes} scenes per SNR of {args.seconds} s at "
          f"{args.rate / 1e6:g} Msps; {'stock GNU Radio modulators, ' if args.stock else ''}"
          f"classes {', '.join(classes)}\n")
    print("| SNR (dB) | signals | found | bandwidth within 25 % | named right (QAM pair as one) "
          "| spurious per s | scanner Msps |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(args.seed)
    for snr in [float(s) for s in args.snrs.split(",")]:
        tot = np.zeros(5)
        busy = 0.0
        for k in range(args.scenes):
            sigs = random_scene(rng, args.rate, args.seconds, snr, classes, fixed_half)
            x, truth = make_scene(args.rate, args.seconds, sigs, seed=int(rng.integers(1 << 30)),
                                  modulate=stock_modulated if args.stock else None)
            sc = Scanner(args.rate, clf)
            t = time.perf_counter()
            events = []
            for i in range(0, len(x), 65536):
                events += sc.process(x[i:i + 65536])
            events += sc.close()
            busy += time.perf_counter() - t
            ends = [e for e in events if e["type"] == "end"]
            f, b, nmd, sp, wrong, off = score(truth, ends, args.seconds)
            if args.misses:
                print_misses(snr, k, truth, ends)
                for tr, e in wrong:
                    print(f"misnamed {snr:g} dB scene {k}: {tr['label']} at "
                          f"{tr['center_hz'] / 1e3:+.1f} kHz, bw {tr['bandwidth_hz'] / 1e3:.1f} kHz "
                          f"called {e['label']}", file=sys.stderr)
                for tr, e in off:
                    print(f"bandwidth {snr:g} dB scene {k}: {tr['label']} at "
                          f"{tr['center_hz'] / 1e3:+.1f} kHz, bw {tr['bandwidth_hz'] / 1e3:.1f} kHz "
                          f"measured {e['bandwidth_hz'] / 1e3:.1f} kHz at "
                          f"{e['center_hz'] / 1e3:+.1f} kHz", file=sys.stderr)
            tot += (len(truth), f, b, nmd, sp)
        n, f, b, nmd, sp = tot
        print(f"| {snr:g} | {n:.0f} | {100 * f / n:.1f} % | {100 * b / max(f, 1):.1f} % | "
              f"{100 * nmd / max(f, 1):.1f} % | {sp / (args.scenes * args.seconds):.2f} | "
              f"{args.scenes * args.seconds * args.rate / busy / 1e6:.2f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
