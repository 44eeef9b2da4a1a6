#!/usr/bin/env bash
# Reproduces the shipped clean bundles (teacher, compact) and their clean-accuracy report on a
# 2-core CPU, one torch thread per run: the teacher's first 30 epochs and the compact model in
# parallel (about an hour), then 50 more teacher epochs from a warm restart (about 90 min),
# then the evaluation. Run from the repository root after `bash scripts/bootstrap.sh`.
# (The shipped teacher's second stage was run with --init pointing at the first stage's bundle
# in default_models/; its JSON records that bundle's sha256.)
set -euo pipefail
PY=.venv/bin/python
mkdir -p runs
$PY apps/robustamc-train --model teacher --out runs/teacher \
    --bundle runs/teacher/teacher-30ep.json --epochs 30 --steps-per-epoch 500 \
    --batch-size 256 --lr 1e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress \
    > runs/teacher.log 2>&1 &
$PY apps/robustamc-train --model compact --out runs/compact \
    --bundle python/robustamc/default_models/compact.json --epochs 60 --steps-per-epoch 800 \
    --batch-size 256 --lr 2e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress \
    > runs/compact.log 2>&1 &
wait
# warm restart: half the peak learning rate, a fresh data stream (seed 2)
$PY apps/robustamc-train --init runs/teacher/teacher-30ep.json --out runs/teacher2 \
    --bundle python/robustamc/default_models/teacher.json --epochs 50 --steps-per-epoch 500 \
    --batch-size 256 --lr 5e-4 --warmup-steps 500 --seed 2 --threads 1 --no-progress \
    > runs/teacher2.log 2>&1
$PY apps/robustamc-evaluate --out docs/reports/clean --per-pair 200 --no-progress
