#!/usr/bin/env python3
"""Compact shapes under one training budget: is the compact's gap to the teacher its size or
its shape? (docs/MODELS.md, "Shapes of the compact").

Every shape of at most 25,000 parameters is trained from scratch by logit distillation from
the shipped `teacher` on the field preset, all at once on one machine, with the same seed
(the same batches and validation grid) and the same number of steps; beside them, the shipped
`compact` goes on with the same distillation for the same steps, and the shipped default goes
on with its own PGD-AT for as long as the budget allows. A short probe first times a step of
each run as they run together, so the budget in seconds becomes step counts that end in time.
Made for a GPU machine (one process per run, `--data-workers` synthesising beside each);
on a CPU it runs too, at a toy budget.

    scripts/shape_study.py --out runs/shapes --seconds 450 --data-workers 2
    scripts/shape_study.py --out runs/shapes2 --seconds 420 --data-workers 6 --only d28x3-more d32x3
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
D = ROOT / "python/robustamc/default_models"
KD = ["--method", "kd", "--teacher", str(D / "teacher.json"), "--temperature", "2",
      "--kd-weight", "0.9"]
SCRATCH = ["--model", "compact", "--lr", "2e-3", "--warmup-steps", "500", *KD]
#: name -> (arguments, kind); "clean" runs share one step count, "robust" gets its own
RUNS = {
    "base": (SCRATCH, "clean"),                                    # the shipped shape
    "d24x4": (SCRATCH + ["--shape", "dim=24,depth=4,mlp_dim=48"], "clean"),
    "d28x3": (SCRATCH + ["--shape", "dim=28,depth=3,mlp_dim=56"], "clean"),
    "d40x1": (SCRATCH + ["--shape", "dim=40,depth=1,mlp_dim=96"], "clean"),
    "p4": (SCRATCH + ["--shape", "patch=4,embed_span=16"], "clean"),            # 2x the MACs
    "p16s32": (SCRATCH + ["--shape", "patch=16,embed_span=32"], "clean"),       # half the MACs
    "compact-more": (["--init", str(D / "compact.json"), "--lr", "5e-4", "--warmup-steps", "200",
                      *KD], "clean"),
    "robust-more": (["--init", str(D / "compact-robust.json"), "--method", "pgd-at",
                     "--clean-weight", "0.7", "--lr", "3e-4", "--warmup-steps", "200"], "robust"),
    # second study: does depth reach further with as many frames as the shipped compact had?
    "d28x3-more": (["--init", str(ROOT / "runs/shapes/sh-d28x3b.json"), "--lr", "7.5e-4",
                    "--warmup-steps", "200", *KD], "clean"),
    # the widths the engine's AVX2 lanes like (0.67-0.68 of the shipped speed, not 0.56)
    "d32x3": (SCRATCH + ["--shape", "dim=32,depth=3,mlp_dim=32,embed_span=16"], "clean"),
    # and a warm restart of both from that round's bundles (runs/shapes2)
    "d28x3-more2": (["--init", str(ROOT / "runs/shapes2/d28x3-more.json"), "--lr", "5e-4",
                     "--warmup-steps", "200", *KD], "clean"),
    "d32x3-more": (["--init", str(ROOT / "runs/shapes2/d32x3.json"), "--lr", "1e-3",
                    "--warmup-steps", "200", *KD], "clean"),
}
FIRST_STUDY = ["base", "d24x4", "d28x3", "d40x1", "p4", "p16s32", "compact-more", "robust-more"]


def command(args, name, out, epochs, steps, batch, workers, seed, val_per_pair):
    return [sys.executable, str(ROOT / "apps/robustamc-train"), *RUNS[name][0], "--preset", "field",
            "--out", str(out / name), "--bundle", str(out / name / f"{name}.json"),
            "--epochs", str(epochs), "--steps-per-epoch", str(steps), "--batch-size", str(batch),
            "--seed", str(seed), "--val-per-pair", str(val_per_pair), "--no-progress",
            "--threads", "1", "--data-workers", str(workers),
            "--device", args.device]


def launch(args, names, out, steps_of, epochs, val_per_pair):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python"), "PYTHONUNBUFFERED": "1"}
    out.mkdir(parents=True, exist_ok=True)
    procs = {}
    for name in names:
        cmd = command(args, name, out, epochs, steps_of[name], args.batch_size, args.data_workers,
                      args.seed, val_per_pair)
        log = open(out / f"{name}.log", "w")
        log.write(" ".join(cmd) + "\n")
        log.flush()
        procs[name] = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    return procs


def wait(procs, deadline):
    for name, p in procs.items():
        try:
            p.wait(timeout=max(1.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            print(f"{name}: stopped at the deadline", flush=True)


def step_seconds(path: Path) -> float:
    """Mean seconds per step over the probe's second half (the first fills the workers'
    queue); main() leaves a margin for the full load."""
    with open(path) as f:
        t = [float(r["seconds"]) for r in csv.DictReader(f)]
    half = t[len(t) // 2:]
    return (half[-1] - half[0]) / max(1, len(half) - 1)


def last_epoch(log: Path) -> str:
    lines = [line for line in log.read_text().splitlines() if line.startswith("epoch ")]
    return lines[-1] if lines else "no epoch finished"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seconds", type=float, default=450, help="training budget [%(default)s]")
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--data-workers", type=int, default=2, help="per run [%(default)s]")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--probe-steps", type=int, default=60)
    p.add_argument("--seed", type=int, default=61)
    p.add_argument("--device", default="auto")
    p.add_argument("--only", nargs="*", default=FIRST_STUDY, choices=list(RUNS),
                   help="runs to make [the first study's]; the second: d28x3-more d32x3, then "
                        "d28x3-more2 d32x3-more")
    args = p.parse_args()

    t0 = time.time()
    probe = launch(args, args.only, args.out / "probe", {n: args.probe_steps for n in args.only},
                   1, 1)
    wait(probe, t0 + 300)
    dt = {n: step_seconds(args.out / "probe" / n / "steps.csv") for n in args.only}
    print("probe (s per step, all running together): "
          + ", ".join(f"{n} {v * 1e3:.0f} ms" for n, v in dt.items()), flush=True)
    # each epoch validates and checkpoints, and the probe runs lighter than the full load: on
    # the H200 (2026-12-04) the distillation runs' steps took 1.2 times the probe's mean and
    # PGD-AT's 2.5 times (its six passes a step queue behind the others' on the one GPU)
    usable = 0.6 * args.seconds
    dt.update({n: 2 * v for n, v in dt.items() if RUNS[n][1] == "robust"})
    clean = [n for n in args.only if RUNS[n][1] == "clean"]
    total = {n: int(usable / dt[n]) for n in args.only}
    if clean:
        shared = min(total[n] for n in clean)
        total.update({n: shared for n in clean})
    steps_of = {n: max(1, total[n] // args.epochs) for n in args.only}
    print("steps per epoch: " + ", ".join(f"{n} {v}" for n, v in steps_of.items()), flush=True)
    t1 = time.time()
    wait(launch(args, args.only, args.out, steps_of, args.epochs, 100), t1 + args.seconds * 1.15)
    print(f"trained in {time.time() - t1:.0f} s (budget {args.seconds:.0f} s)", flush=True)

    rows = ["| run | parameters | multiply-adds | steps x batch | val mean | val >= 10 dB |",
            "|---|---:|---:|---:|---:|---:|"]
    for n in args.only:
        m = args.out / n / "metrics.json"
        b = args.out / n / f"{n}.json"
        if not (m.is_file() and b.is_file()):
            rows.append(f"| {n} | | | | not finished: {last_epoch(args.out / f'{n}.log')} | |")
            continue
        acc = json.loads(m.read_text())["accuracy"]
        meta = json.loads(b.read_text())
        rows.append(f"| {n} | {meta.get('parameters', '')} | {meta.get('macs_per_frame', '')} | "
                    f"{args.epochs * steps_of[n]} x {args.batch_size} | "
                    f"{100 * acc['overall']:.1f} | {100 * acc['high_snr']:.1f} |")
    table = "\n".join(rows)
    (args.out / "table.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
