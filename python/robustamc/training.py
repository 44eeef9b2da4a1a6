"""Training engine: epochs of batches from a stream, validation, atomic checkpoints, resume.

Resuming is exact: model init depends only on the seed, batches only on (seed, epoch, step),
and a checkpoint at the end of each epoch holds model, optimiser, scheduler and history.
What is minimised on each batch is an objective from `objectives` (clean, adversarial
training, distillation).

Distributed: started by `torchrun`, each process trains a DistributedDataParallel replica on
its own share of every global batch (gloo on CPU, NCCL on GPUs); rank 0 validates, logs and
writes checkpoints. Without torchrun nothing changes.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from .datasets import FrameSet, ParallelBatches
from .evaluation import accuracy_by_snr, predict
from .normalize import normalize
from .objectives import Objective, Standard


@dataclass
class TrainConfig:
    epochs: int = 10
    steps_per_epoch: int = 200
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 0.02
    warmup_steps: int = 200
    normalization: str = "unit-power"
    seed: int = 0
    label_smoothing: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def pick_device(requested: str = "auto") -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


@dataclass
class Distributed:
    """This process's place in a torchrun job (world 1, rank 0 without torchrun)."""
    world: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def init_distributed(device: str = "auto") -> Distributed:
    """Join the process group torchrun describes in the environment, if any."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Distributed()
    import torch.distributed as dist
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = pick_device(device).type == "cuda"
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    if cuda:
        torch.cuda.set_device(local)
    return Distributed(world=dist.get_world_size(), rank=dist.get_rank(), local_rank=local)


def close_distributed(ctx: Distributed) -> None:
    if ctx.world > 1:
        import torch.distributed as dist
        dist.barrier()
        dist.destroy_process_group()


def _lr_lambda(cfg: TrainConfig):
    total = cfg.epochs * cfg.steps_per_epoch

    def f(step):
        if step < cfg.warmup_steps:
            return (step + 1) / cfg.warmup_steps
        progress = (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return f


def _save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    """Checkpoints hold tensors and plain types only (weights_only: no code runs on load);
    anything else is a ValueError saying so."""
    import pickle
    import warnings
    import zipfile
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # torch's notes on pickle protocols
            ck = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ValueError(f"{path} is not a gr-robustamc checkpoint: it holds Python objects "
                         "other than tensors, and loading those could run code") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, AttributeError,
            TypeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"{path} is not a gr-robustamc checkpoint ({first[:200]})") from None
    keys = {"model", "optimizer", "scheduler", "epoch", "history", "train_config"}
    if not isinstance(ck, dict) or not keys <= set(ck):
        raise ValueError(f"{path} is not a gr-robustamc checkpoint (missing "
                         f"{sorted(keys - set(ck)) if isinstance(ck, dict) else 'everything'})")
    return ck


class _StepLog:
    """OUT/steps.csv: one line per training step (epoch, step, global_step, loss, accuracy,
    lr, seconds since the run started); on resume, the lines of epochs after the checkpoint
    are dropped first, so the log matches the model."""

    FIELDS = ("epoch", "step", "global_step", "loss", "accuracy", "lr", "seconds")

    def __init__(self, path: Path, start_epoch: int):
        rows = read_step_log(path) if start_epoch else []
        rows = [r for r in rows if r["epoch"] <= start_epoch]
        self.t0 = time.time() - (rows[-1]["seconds"] if rows else 0.0)
        self.f = open(path, "w", buffering=1)
        self.f.write(",".join(self.FIELDS) + "\n")
        for r in rows:
            self.f.write(",".join(str(r[k]) for k in self.FIELDS) + "\n")

    def write(self, epoch, step, global_step, loss, accuracy, lr):
        self.f.write(f"{epoch},{step},{global_step},{loss:.5f},{accuracy:.4f},{lr:.6g},"
                     f"{time.time() - self.t0:.2f}\n")

    def close(self):
        self.f.close()


def read_step_log(path) -> list[dict]:
    """The rows of a steps.csv (empty if there is none)."""
    path = Path(path)
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    out = []
    for line in lines[1:]:
        v = line.split(",")
        if len(v) != len(_StepLog.FIELDS):
            continue   # a line cut short by a crash
        try:
            out.append({"epoch": int(v[0]), "step": int(v[1]), "global_step": int(v[2]),
                        "loss": float(v[3]), "accuracy": float(v[4]), "lr": float(v[5]),
                        "seconds": float(v[6])})
        except ValueError:
            continue
    return out


def train(model: torch.nn.Module, stream, val: FrameSet, cfg: TrainConfig, out_dir,
          resume: bool = False, device: str = "auto", progress: bool = True,
          log=print, objective: Objective | None = None,
          dist_ctx: Distributed | None = None, data_workers: int = 0) -> dict:
    """Train `model` in place on `objective` (clean cross-entropy by default).

    Returns {'history': [...], 'val': final clean accuracy dict, 'pred': predictions}.
    Under torchrun, `cfg.batch_size` is the global batch, split evenly over the processes.
    `data_workers` processes draw the batches ahead of the loop (the same batches as without).
    """
    objective = objective or Standard(normalization=cfg.normalization)
    ctx = dist_ctx or Distributed()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dev = pick_device(device)
    if dev.type == "cuda" and ctx.world > 1:
        dev = torch.device("cuda", ctx.local_rank)
    if cfg.batch_size % ctx.world:
        raise ValueError(f"batch size {cfg.batch_size} is not divisible by {ctx.world} processes")
    local_batch = cfg.batch_size // ctx.world
    model.to(dev)
    if objective.teacher is not None:
        objective.teacher.to(dev)
    net = model
    if ctx.world > 1:
        from torch.nn.parallel import DistributedDataParallel
        net = DistributedDataParallel(model, device_ids=[dev.index] if dev.type == "cuda" else None)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _lr_lambda(cfg))
    ckpt_path = out_dir / "checkpoint.pt"
    run_config = {**cfg.to_dict(), "objective": objective.describe(), "world": ctx.world}
    history, start_epoch = [], 0
    if resume:
        if not ckpt_path.is_file():
            raise FileNotFoundError(f"--resume: no checkpoint at {ckpt_path}")
        ck = load_checkpoint(ckpt_path)
        if ck["train_config"] != run_config:
            diff = {k: (ck["train_config"].get(k), v) for k, v in run_config.items()
                    if ck["train_config"].get(k) != v}
            raise ValueError(
                "--resume continues a run with its own settings, but these differ (checkpoint "
                "-> now): " + ", ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in diff.items())
                + f". To train that model further with new settings, start a new run from "
                f"its bundle: --init {out_dir}/<model>.json --out NEW_FOLDER (or drop "
                "--resume and the changed options to continue as it was).")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        history = json.loads(ck["history"])
        start_epoch = ck["epoch"] + 1
        log(f"resumed from {ckpt_path} after epoch {ck['epoch'] + 1}")
    show = progress and ctx.main
    steps_log = _StepLog(out_dir / "steps.csv", start_epoch) if ctx.main else None
    workers = ParallelBatches(stream, data_workers) if data_workers else None
    try:
        for epoch in range(start_epoch, cfg.epochs):
            model.train()
            t0 = time.time()
            steps = range(cfg.steps_per_epoch)
            bar = None
            if show:
                from tqdm import tqdm
                steps = bar = tqdm(steps, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch",
                                   leave=False, dynamic_ncols=True)
            loss_sum = correct = seen = 0
            # each process draws its own share: batch index step * world + rank
            keys = [step * ctx.world + ctx.rank for step in range(cfg.steps_per_epoch)]
            batches = (workers.epoch(epoch, keys, local_batch) if workers is not None
                       else (stream.batch(epoch, key, local_batch) for key in keys))
            for step, (x, y) in zip(steps, batches):
                x = normalize(x.to(dev).float(), cfg.normalization)
                y = y.to(dev)
                gen = torch.Generator().manual_seed(int(np.random.SeedSequence(
                    [cfg.seed, epoch, step * ctx.world + ctx.rank, 1]).generate_state(1)[0]))
                loss, logits = objective(net, model, x, y, gen)
                if not torch.isfinite(loss):
                    # a model of NaNs would otherwise train on and be written as a bundle
                    raise ValueError(
                        f"the loss became {loss.item()} at epoch {epoch + 1}, step {step + 1}; "
                        "training stopped and no bundle was written (non-finite data? try a "
                        f"lower --lr than {cfg.lr:g}); the last good checkpoint is "
                        f"{ckpt_path if ckpt_path.is_file() else 'none'}")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                batch_loss, batch_correct = loss.item(), (logits.argmax(1) == y).sum().item()
                loss_sum += batch_loss * len(y)
                correct += batch_correct
                seen += len(y)
                if steps_log is not None:
                    steps_log.write(epoch + 1, step + 1, epoch * cfg.steps_per_epoch + step + 1,
                                    batch_loss, batch_correct / len(y), sched.get_last_lr()[0])
                if bar is not None and step % 10 == 0:
                    bar.set_postfix(loss=f"{loss_sum / seen:.3f}",
                                    acc=f"{100 * correct / seen:.1f}%")
            if bar is not None:
                bar.close()
            if ctx.main:
                pred = predict(model, val.x, cfg.normalization, device=dev)
                acc = accuracy_by_snr(pred, val.y, val.snr)
                rec = {"epoch": epoch + 1, "train_loss": loss_sum / seen,
                       "train_acc": correct / seen, "val_acc": acc["overall"],
                       "val_high_snr": acc["high_snr"], "lr": sched.get_last_lr()[0],
                       "seconds": time.time() - t0}
                history.append(rec)
                _save_checkpoint(ckpt_path, {
                    "model": model.state_dict(), "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(), "epoch": epoch, "history": json.dumps(history),
                    "train_config": run_config})
                log(f"epoch {epoch + 1}/{cfg.epochs}: loss {rec['train_loss']:.3f} "
                    f"train {100 * rec['train_acc']:.1f}% val {100 * acc['overall']:.1f}% "
                    f"(>=10 dB {100 * acc['high_snr']:.1f}%) {rec['seconds']:.0f}s")
            if ctx.world > 1:
                torch.distributed.barrier()
    finally:
        if workers is not None:
            workers.close()
    if steps_log is not None:
        steps_log.close()
    if not ctx.main:
        return {"history": history, "val": None, "pred": None}
    pred = predict(model, val.x, cfg.normalization, device=dev)
    return {"history": history, "val": accuracy_by_snr(pred, val.y, val.snr), "pred": pred}
