#!/usr/bin/env bash
# Reproduces the shipped clean bundles (teacher, compact) and their clean-accuracy report on a
# 2-core CPU, one torch thread per run (about 3.5 hours in all; docs/MODELS.md):
#   1. in parallel: the teacher's first 30 epochs (about an hour), and the compact model's
#      60 epochs then a 40-epoch warm restart (about 55 min);
#   2. 50 more teacher epochs from a warm restart (about 90 min): the shipped teacher;
#   3. the compact model distilled from that teacher (logit KD, T = 2, 40 epochs, about
#      50 min): the shipped compact;
#   4. the evaluation.
# Run from the repository root after `bash scripts/bootstrap.sh`. The intermediate bundles stay
# under runs/: the robustness recipes start from the first stages (runs/teacher/teacher-30ep.json,
# runs/compact/compact-60ep.json), as the shipped robust models did; each shipped JSON records
# the sha256 of the bundle it started from.
set -euo pipefail
PY=.venv/bin/python
D=python/robustamc/default_models
mkdir -p runs
$PY apps/robustamc-train --model teacher --out runs/teacher \
    --bundle runs/teacher/teacher-30ep.json --epochs 30 --steps-per-epoch 500 \
    --batch-size 256 --lr 1e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress \
    > runs/teacher.log 2>&1 &
(
    $PY apps/robustamc-train --model compact --out runs/compact \
        --bundle runs/compact/compact-60ep.json --epochs 60 --steps-per-epoch 800 \
        --batch-size 256 --lr 2e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress \
        > runs/compact.log 2>&1
    # warm restart: half the peak learning rate, a fresh data stream (seed 2)
    $PY apps/robustamc-train --init runs/compact/compact-60ep.json --out runs/compact2 \
        --bundle runs/compact2/compact.json --epochs 40 --steps-per-epoch 800 \
        --batch-size 256 --lr 1e-3 --warmup-steps 500 --seed 2 --threads 1 --no-progress \
        > runs/compact2.log 2>&1
) &
wait
# the teacher's warm restart: half the peak learning rate, a fresh data stream (seed 2)
$PY apps/robustamc-train --init runs/teacher/teacher-30ep.json --out runs/teacher2 \
    --bundle $D/teacher.json --epochs 50 --steps-per-epoch 500 \
    --batch-size 256 --lr 5e-4 --warmup-steps 500 --seed 2 --threads 1 --no-progress \
    > runs/teacher2.log 2>&1
# the compact model learns the final teacher's soft labels (0.9 KD at T = 2 + 0.1 CE)
$PY apps/robustamc-train --init runs/compact2/compact.json --method kd --teacher $D/teacher.json \
    --temperature 2 --kd-weight 0.9 --out runs/kd/t2 --bundle runs/kd/t2/compact.json \
    --epochs 40 --steps-per-epoch 800 --batch-size 256 --lr 1e-3 --warmup-steps 500 --seed 3 \
    --threads 1 --no-progress > runs/kd_t2.log 2>&1
$PY apps/robustamc-model ship runs/kd/t2/compact.json $D/compact.json
$PY apps/robustamc-evaluate --out docs/reports/clean --per-pair 200 --threads 2 --no-progress
