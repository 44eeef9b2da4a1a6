"""The training and distillation programs (`robustamc-train`, `robustamc-distill`).

Both are this one program: `robustamc-distill` is `robustamc-train` with a required teacher
and the attention-transfer method as default. Methods (objectives.METHODS):
  standard   clean cross-entropy
  pgd-at     PGD adversarial training (Madry), optionally mixed with clean loss
  kd         logit distillation on clean frames (Hinton)           [needs --teacher]
  ard        adversarially robust distillation (Goldblum et al.)   [needs --teacher]
  rslad      robust soft-label adversarial distillation (Zi et al.) [needs --teacher]
  trades     clean CE + beta KL(clean || adversarial) (Zhang et al. 2019)
  attention  CE on adversarial frames + attention-map distance to the teacher on them
             (the proposed method)                                  [needs --teacher]

Data: fresh synthetic frames every batch (default), or a data file (--data: our .npz,
RadioML 2016.10a .pkl, RadioML 2018.01A .hdf5). Validation each epoch; a checkpoint is written
atomically after every epoch to OUT/checkpoint.pt and --resume continues exactly from it
(with the same settings; to go on with other settings, start a new run with --init BUNDLE).
Every step is logged to OUT/steps.csv (loss, batch accuracy, learning rate, time). At the end
OUT holds the bundle, training_curves.png, accuracy_vs_snr.png, confusion.png, metrics.json
and report.md. A loss that becomes NaN/Inf stops the run; no bundle is written.

Examples:
  robustamc-train --model compact --out runs/compact --epochs 20
  robustamc-train --model teacher --method pgd-at --out runs/teacher-robust
  robustamc-train --init runs/compact/compact.json --lr 5e-4 --out runs/compact-more
  robustamc-distill --teacher teacher-robust --method rslad --out runs/student

Several processes or GPUs: run the same command under torchrun, e.g.
  torchrun --nproc_per_node 2 $(which robustamc-train) ...   (--batch-size is the global batch)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cli import add_common_args, command_line, fail, setup
from .cli import parser as cli_parser
from .constants import PRESETS

DISTILL_DOC = """Distil a compact student from a (robust) teacher bundle and write a student bundle.

Same program as robustamc-train (see its --help for data, schedule and output), with
--teacher required and the proposed attention-transfer method as the default.
"""


def parser(distill: bool) -> argparse.ArgumentParser:
    p = cli_parser(DISTILL_DOC + "\n" + __doc__ if distill else __doc__)
    p.add_argument("--model", default="compact",
                   help="named config: teacher, compact, vtcnn2, cnn-lstm, resnet1d [%(default)s]")
    p.add_argument("--out", required=True, type=Path,
                   help="output folder for checkpoints, plots and metrics")
    p.add_argument("--bundle", type=Path,
                   help="bundle path to write (default OUT/<model>.json)")
    p.add_argument("--init", type=Path,
                   help="start from this bundle's weights (fine-tuning); its architecture wins")
    p.add_argument("--data", type=Path, help="train from this data file instead of on-the-fly")
    p.add_argument("--val-per-pair", type=int, default=100,
                   help="synthetic validation frames per (class, SNR) [%(default)s]")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--steps-per-epoch", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=256, help="global batch [%(default)s]")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=0.02)
    p.add_argument("--warmup-steps", type=int, default=200)
    p.add_argument("--normalization", default="unit-power", choices=["unit-power", "rml-l1"])
    p.add_argument("--features", choices=["iq", "iq-moments"],
                   help="override the config's input features (ablations)")
    p.add_argument("--shape", metavar="FIELD=N[,FIELD=N]",
                   help="override integer fields of the named config, e.g. "
                        "'dim=40,mlp_dim=48' (transformer: dim, depth, heads, mlp_dim, patch, "
                        "embed_span, 0 = the patch alone; "
                        "baselines: width); for size studies")
    p.add_argument("--preset", default="rml2016", choices=PRESETS,
                   help="synthetic data: rml2016 (RadioML 2016.10a's conventions: 8 samples per "
                        "symbol, within 100 Hz) or field (what real receivers deliver: 4-16 "
                        "samples per symbol, +-4 kHz, receiver impairments; docs/DATA.md)")
    p.add_argument("--cfo-max-hz", type=float,
                   help="synthetic data: carrier offset range +-Hz (default: the preset's)")
    p.add_argument("--band-limit-prob", type=float,
                   help="field preset: share of frames whose noise passes a channel filter, "
                        "as the scanner's or a flowgraph's low-pass leaves it (default: the "
                        "preset's, 0; docs/DATA.md)")
    m = p.add_argument_group("method")
    m.add_argument("--method", default="attention" if distill else "standard",
                   choices=["standard", "pgd-at", "kd", "ard", "rslad", "trades", "attention"],
                   help="training objective [%(default)s]")
    m.add_argument("--teacher", type=Path, required=distill,
                   help="teacher bundle (kd, ard, rslad, attention)")
    m.add_argument("--train-psr-db", type=float, default=-20.0,
                   help="adversary budget during training, PSR in dB [%(default)s]")
    m.add_argument("--train-pgd-steps", type=int, default=5,
                   help="PGD steps of the training adversary [%(default)s]")
    m.add_argument("--train-early-stop", type=int, metavar="TAU",
                   help="pgd-at: friendly adversarial training (FAT, Zhang et al. 2020): each "
                        "frame's attack stops TAU steps after it first fools the model, so the "
                        "model is trained on the least adversarial frame that fools it rather "
                        "than on the strongest one [off]")
    m.add_argument("--train-attack-loss", default="ce", choices=["ce", "dlr", "worst"],
                   help="pgd-at: the loss the training adversary ascends: cross-entropy (Madry), "
                        "dlr (APGD-DLR's margin loss, Croce & Hein 2020), or worst (both, per "
                        "frame the stronger: the evaluation's worst case, twice the attack "
                        "cost) [%(default)s]")
    m.add_argument("--train-norm", default="l2", choices=["l2", "linf"],
                   help="ball of the training adversary [%(default)s]")
    m.add_argument("--clean-weight", type=float, default=0.0,
                   help="pgd-at: weight of the clean cross-entropy in [0, 1] [%(default)s]")
    m.add_argument("--adv-weight", type=float, default=5 / 6,
                   help="rslad: weight of the adversarial term in [0, 1], the clean term gets "
                        "the rest [5/6, as published]")
    m.add_argument("--beta", type=float, default=6.0,
                   help="trades: weight of the KL between clean and adversarial predictions "
                        "[6, as published]")
    m.add_argument("--temperature", type=float, default=4.0, help="kd, ard [%(default)s]")
    m.add_argument("--kd-weight", type=float, default=0.9,
                   help="kd, ard: weight of the distillation term [%(default)s]")
    m.add_argument("--at-weight", type=float, default=10.0,
                   help="attention: weight of the attention distance [%(default)s]")
    m.add_argument("--at-layers", default="all", choices=["all", "last", "first"],
                   help="attention: which layers are matched [%(default)s]")
    m.add_argument("--at-heads", default="mean", choices=["mean", "group"],
                   help="attention: head alignment [%(default)s]")
    m.add_argument("--at-distance", default="l2", choices=["l2", "kl"],
                   help="attention: distance between maps [%(default)s]")
    m.add_argument("--craft-on", default="student", choices=["student", "teacher"],
                   help="attention: model the adversarial frames are crafted on [%(default)s]")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ... [%(default)s]")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--data-workers", type=int, default=0, metavar="N",
                   help="synthetic data: N processes make the batches ahead of the training "
                        "loop (the same batches as without; worth it when synthesis, not the "
                        "model, is the bottleneck, as on a GPU) [0: the loop makes them]")
    add_common_args(p)
    return p


def build_objective(args, normalization: str, teacher_bundle):
    from .objectives import METHODS, AttackConfig
    if args.train_early_stop is not None and (args.method != "pgd-at"
                                              or args.train_early_stop < 0):
        raise ValueError("--train-early-stop needs --method pgd-at and TAU >= 0")
    if args.train_attack_loss != "ce" and (args.method != "pgd-at"
                                           or args.train_early_stop is not None):
        raise ValueError("--train-attack-loss other than ce needs --method pgd-at, without "
                         "--train-early-stop")
    attack = AttackConfig(psr_db=args.train_psr_db, steps=args.train_pgd_steps,
                          norm=args.train_norm, early_stop=args.train_early_stop,
                          loss=args.train_attack_loss)
    kw = {"normalization": normalization, "attack": attack}
    if teacher_bundle is not None:
        kw.update(teacher=teacher_bundle.model, teacher_normalization=teacher_bundle.normalization)
    opts = {
        "pgd-at": {"clean_weight": args.clean_weight},
        "rslad": {"adv_weight": args.adv_weight},
        "trades": {"beta": args.beta},
        "kd": {"temperature": args.temperature, "kd_weight": args.kd_weight},
        "ard": {"temperature": args.temperature, "kd_weight": args.kd_weight},
        "attention": {"weight": args.at_weight, "layers": args.at_layers, "heads": args.at_heads,
                      "distance": args.at_distance, "craft_on": args.craft_on},
    }.get(args.method, {})
    return METHODS[args.method](**opts, **kw)


#: Config fields --shape may set (all integers).
SHAPE_FIELDS = ("dim", "depth", "heads", "mlp_dim", "patch", "embed_span", "width")


def parse_shape(text: str, config) -> dict:
    """'dim=40,mlp_dim=48' -> {'dim': 40, 'mlp_dim': 48}, checked against `config`'s fields."""
    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in SHAPE_FIELDS or not hasattr(config, key):
            known = [f for f in SHAPE_FIELDS if hasattr(config, f)]
            fail(f"--shape: {item!r} is not FIELD=N with FIELD one of {', '.join(known)}")
        try:
            out[key] = int(value)
        except ValueError:
            fail(f"--shape: {key} must be a positive integer, not {value.strip()!r}")
        if out[key] < (0 if key == "embed_span" else 1):   # embed_span 0: the patch alone
            fail(f"--shape: {key} must be a positive integer, not {out[key]}")
    return out


def main(argv=None, distill: bool = False):
    args = parser(distill).parse_args(argv)
    setup(args)

    import dataclasses

    import numpy as np

    from .bundle import BundleError, load_bundle, save_bundle
    from .datasets import (DatasetError, FileStream, FrameSet, SyntheticStream, dropped_note,
                           load_frames, synthesize_grid)
    from .evaluation import confusion, format_snr_table
    from .models import CONFIGS, build_model, count_macs, count_parameters
    from .objectives import METHODS
    from .plots import plot_accuracy_vs_snr, plot_confusion, plot_training_curves
    from .synth import DEFAULT_CHANNEL, Synthesizer
    from .training import (TrainConfig, close_distributed, init_distributed, read_step_log,
                           train)

    if args.model not in CONFIGS and not args.init:
        fail(f"unknown model {args.model!r}; known: {', '.join(CONFIGS)}")
    teacher = None
    if METHODS[args.method].needs_teacher:
        if not args.teacher:
            fail(f"method {args.method} needs --teacher BUNDLE")
        try:
            teacher = load_bundle(args.teacher)
        except BundleError as e:
            fail(str(e))
    elif args.teacher:
        fail(f"method {args.method} does not use a teacher; drop --teacher")
    if args.method == "attention" and not hasattr(teacher.model, "layers"):
        fail("attention transfer needs a transformer teacher (it has no attention maps)")
    try:
        objective = build_objective(args, args.normalization, teacher)
    except ValueError as e:
        fail(str(e))
    cfg = TrainConfig(epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
                      batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
                      warmup_steps=args.warmup_steps, normalization=args.normalization,
                      seed=args.seed)
    if args.epochs < 1 or args.steps_per_epoch < 1 or args.batch_size < 1 or args.warmup_steps < 0:
        fail("--epochs, --steps-per-epoch and --batch-size must be >= 1, --warmup-steps >= 0")
    if args.band_limit_prob is not None and not (
            args.preset == "field" and not args.data and 0 <= args.band_limit_prob <= 1):
        fail("--band-limit-prob is a share (0..1) of the field preset's synthetic frames, "
             f"got {args.band_limit_prob} with --preset {args.preset}"
             + (" and --data" if args.data else ""))
    if args.data_workers < 0:
        fail(f"--data-workers must be 0 or more, not {args.data_workers}")
    if args.data and args.data_workers:
        fail("--data-workers makes synthetic frames in parallel; frames from --data are read "
             "from memory and need none (drop --data-workers)")
    if args.warmup_steps > args.epochs * args.steps_per_epoch:
        print(f"warning: --warmup-steps {args.warmup_steps} is longer than the run "
              f"({args.epochs} x {args.steps_per_epoch} = {args.epochs * args.steps_per_epoch} "
              "steps): the learning rate never reaches --lr", file=sys.stderr)
    if args.data:
        try:
            frames = load_frames(args.data)
        except DatasetError as e:
            fail(str(e))
        note = dropped_note(frames)
        if note:
            print(f"warning: {args.data}: {note}", file=sys.stderr)
        rng = np.random.default_rng(args.seed)
        perm = rng.permutation(len(frames))
        n_val = max(1, len(frames) // 10)
        pick = lambda idx: FrameSet(frames.x[idx], frames.y[idx], frames.snr[idx], frames.meta)
        val, stream = pick(perm[:n_val]), FileStream(pick(perm[n_val:]), args.seed)
        val_desc = f"10% of {args.data} held out"
    else:
        if args.preset == "field":
            from .field_synth import FIELD, FieldSynthesizer
            field = FIELD if args.cfo_max_hz is None else dataclasses.replace(
                FIELD, cfo_max_hz=args.cfo_max_hz)
            if args.band_limit_prob is not None:
                field = dataclasses.replace(field, band_limit_prob=args.band_limit_prob)
            synth = FieldSynthesizer(field)
        else:
            channel = DEFAULT_CHANNEL
            if args.cfo_max_hz is not None:
                channel = dataclasses.replace(channel, cfo_max_hz=args.cfo_max_hz)
            synth = Synthesizer(channel=channel)
        stream = SyntheticStream(args.seed, synth)
        val = synthesize_grid(args.val_per_pair, seed=args.seed + 1_000_003, synth=synth,
                              normalization=args.normalization)
        val_desc = (f"synthetic grid ({args.preset} preset), {args.val_per_pair} per "
                    f"(class, SNR), seed {args.seed + 1_000_003}")

    if args.init:
        try:
            init = load_bundle(args.init)
        except BundleError as e:
            fail(str(e))
        model, name = init.model.train(), init.name
        if args.features or args.shape:
            fail("--features and --shape cannot change the architecture of an --init bundle")
    else:
        config = CONFIGS[args.model]
        if args.features:
            config = dataclasses.replace(config, features=args.features)
        if args.shape:
            config = dataclasses.replace(config, **parse_shape(args.shape, config))
        try:
            model = build_model(config)
        except ValueError as e:
            fail(str(e))
        name = f"{args.model} ({args.shape})" if args.shape else args.model
    ctx = init_distributed(args.device)
    log = (lambda line: print(line, flush=True)) if ctx.main else (lambda line: None)
    log(f"{name}: {count_parameters(model):,} parameters, "
        f"{count_macs(model):,} multiply-adds per frame; method {objective.describe()}")
    if ctx.world > 1:
        log(f"distributed: {ctx.world} processes")
    try:
        result = train(model, stream, val, cfg, args.out, resume=args.resume,
                       device=args.device, progress=not args.no_progress, log=log,
                       objective=objective, dist_ctx=ctx, data_workers=args.data_workers)
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))
    if not ctx.main:
        close_distributed(ctx)
        return 0

    acc = result["val"]
    args.out.mkdir(parents=True, exist_ok=True)
    plot_training_curves(read_step_log(args.out / "steps.csv"), result["history"],
                         args.out / "training_curves.png", f"{name}: {objective.describe()['method']}")
    plot_accuracy_vs_snr({name: acc}, args.out / "accuracy_vs_snr.png",
                         title=f"{name}: validation accuracy vs SNR")
    cm = confusion(result["pred"], val.y)
    plot_confusion(cm, args.out / "confusion.png", title=f"{name}: confusion (all SNRs)")
    high = val.snr >= 10
    plot_confusion(confusion(result["pred"][high], val.y[high]), args.out / "confusion_high_snr.png",
                   title=f"{name}: confusion (SNR >= 10 dB)")
    metrics = {"validation": val_desc, "accuracy": acc, "history": result["history"]}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    table = format_snr_table({name: acc})
    (args.out / "report.md").write_text(f"# {name}\n\n`{command_line()}`\n\n{table}\n")
    print(table)
    bundle = args.bundle or args.out / f"{args.model}.json"
    extra = {"training_command": command_line(), "seed": args.seed,
             "train_config": cfg.to_dict(), "training_method": objective.describe(),
             "data": stream.describe(), "validation": val_desc,
             "preset": "file" if args.data else args.preset,
             "metrics": {"clean_accuracy": acc["overall"], "mean_over_snr": acc["mean_over_snr"],
                         "high_snr_accuracy": acc["high_snr"], "by_snr": acc["by_snr"]}}
    if teacher is not None:
        extra["teacher"] = {"name": teacher.name, "weights_sha256": teacher.meta["weights_sha256"]}
    if args.init:
        extra["initialised_from"] = {"name": init.name, "weights_sha256": init.meta["weights_sha256"]}
    path = save_bundle(model, bundle, normalization=args.normalization, extra=extra)
    print(f"bundle written: {path}")
    close_distributed(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
