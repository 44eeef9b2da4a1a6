#!/usr/bin/env python3
"""Agreement of the C++ engine with PyTorch on the test grid (44,000 frames: 200 per class and
SNR, the seed of the reports), for every shipped bundle (and any bundles given), each
instruction set; prints a Markdown table (docs/reports/engine_agreement.md).

  .venv/bin/python scripts/engine_agreement.py [BUNDLE ...] [--per-pair 200] [--preset rml2016]
"""
import argparse

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bundles", nargs="*")
    p.add_argument("--per-pair", type=int, default=200)
    p.add_argument("--seed", type=int, default=20261124)
    p.add_argument("--preset", default="rml2016")
    args = p.parse_args()
    import torch
    torch.set_num_threads(1)
    from robustamc.bundle import shipped_bundles
    from robustamc.datasets import synthesize_grid
    from robustamc.engine import NativeClassifier, native_module
    from robustamc.inference import FrameClassifier
    from robustamc.synth import make_synthesizer
    fs = synthesize_grid(args.per_pair, args.seed, make_synthesizer(args.preset))
    w = (fs.x[:, 0] + 1j * fs.x[:, 1]).astype(np.complex64)
    print(f"{len(w):,} frames ({args.preset} test grid, {args.per_pair} per class and SNR, seed "
          f"{args.seed})\n")
    print("| bundle | isa | max abs difference of probabilities | same class | accuracy torch / engine |")
    print("|---|---|---:|---:|---:|")
    for name in args.bundles or shipped_bundles():
        ref = np.concatenate([FrameClassifier(name, backend="torch").classify(w[i:i + 4096])[0]
                              for i in range(0, len(w), 4096)])
        for isa in native_module().available_isas():
            got = NativeClassifier(name, isa=isa).classify(w)
            same = (got.argmax(1) == ref.argmax(1)).mean()
            print(f"| {name} | {isa} | {np.abs(got - ref).max():.1e} | {100 * same:.3f} % "
                  f"({int((got.argmax(1) != ref.argmax(1)).sum())} differ) | "
                  f"{100 * (ref.argmax(1) == fs.y).mean():.2f} / {100 * (got.argmax(1) == fs.y).mean():.2f} % |",
                  flush=True)


if __name__ == "__main__":
    main()
