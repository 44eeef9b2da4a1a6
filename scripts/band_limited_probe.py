#!/usr/bin/env python3
"""One class as the scanner hands it over, with white and with band-limited noise
(docs/DATA.md, "Band-limited noise"): alone in AWGN (no fading, no receiver impairments, a
residual carrier within +-500 Hz) at 5.5-7.5 samples per symbol, and the same with the noise
through the scanner's channel filter (flat to +-0.2 of the rate, nothing from +-0.3). Prints
the share of frames each bundle names right.

    scripts/band_limited_probe.py runs/field_pk/pk-compact.json compact runs/field_bl/bl-compact.json
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

import torch

from robustamc.bundle import default_bundle_path, load_bundle
from robustamc.constants import CLASSES
from robustamc.field_synth import FIELD, FieldSynthesizer
from robustamc.normalize import normalize

ALONE = dataclasses.replace(
    FIELD, cfo_max_hz=500.0, drift_max_hz=0.0, sro_max_ppm=50.0, rician_k=(1e6, 1e6),
    path_gains=(1.0, 0.0, 0.0), phase_noise=(0.0, 0.0), iq_gain_db=0.0, iq_phase_deg=0.0,
    dc_prob=0.0, quant_prob=0.0, adjacent_prob=0.0, sps=(5.5, 7.5))
SCANNER = dataclasses.replace(ALONE, band_limit_prob=1.0, band_limit_pass=(0.2, 0.2))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bundles", nargs="+", help="bundle paths or shipped names")
    p.add_argument("--cls", default="QPSK", choices=CLASSES)
    p.add_argument("--snr-db", nargs="+", type=float, default=[4, 6, 8])
    p.add_argument("--frames", type=int, default=600)
    args = p.parse_args()
    torch.set_num_threads(1)
    bundles = {b: load_bundle(b if b.endswith(".json") else default_bundle_path(b))
               for b in args.bundles}
    print(f"{args.cls} alone, {args.frames} frames per cell, share named right\n")
    print("| noise | SNR (dB) | " + " | ".join(bundles) + " |")
    print("|---|---:|" + "---:|" * len(bundles))
    y = torch.full((args.frames,), CLASSES.index(args.cls))
    for noise, cfg in (("white", ALONE), ("band-limited", SCANNER)):
        for snr in args.snr_db:
            x = FieldSynthesizer(cfg).frames(y, torch.full((args.frames,), snr),
                                             torch.Generator().manual_seed(1))
            cells = []
            for b in bundles.values():
                with torch.no_grad():
                    pred = b.model.eval()(normalize(x, b.normalization)).argmax(1)
                cells.append(f"{100 * (pred == y).float().mean():.0f} %")
            print(f"| {noise} | {snr:g} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
