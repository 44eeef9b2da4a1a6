#!/usr/bin/env bash
# Reproduces the shipped default bundles and their clean-accuracy report on a 2-core CPU
# (about an hour: both runs in parallel, one torch thread each), then the evaluation.
# Run from the repository root after `bash scripts/bootstrap.sh`.
set -euo pipefail
PY=.venv/bin/python
mkdir -p runs
$PY apps/robustamc-train --model teacher --out runs/teacher \
    --bundle python/robustamc/default_models/teacher.json --epochs 30 --steps-per-epoch 500 \
    --batch-size 256 --lr 1e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress \
    > runs/teacher.log 2>&1 &
$PY apps/robustamc-train --model compact --out runs/compact \
    --bundle python/robustamc/default_models/compact.json --epochs 60 --steps-per-epoch 800 \
    --batch-size 256 --lr 2e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress \
    > runs/compact.log 2>&1 &
wait
$PY apps/robustamc-evaluate --out docs/reports/clean --per-pair 200 --no-progress
