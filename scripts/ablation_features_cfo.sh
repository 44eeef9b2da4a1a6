#!/usr/bin/env bash
# Ablation behind two data/model choices (docs/MODELS.md): input features (iq vs iq-moments)
# x synthetic carrier-offset range (500 vs 100 Hz), compact model, short recipe, seed 1.
set -euo pipefail
PY=.venv/bin/python
for features in iq iq-moments; do
  for cfo in 500 100; do
    $PY apps/robustamc-train --model compact --features $features --cfo-max-hz $cfo \
        --out runs/ablation/${features}_cfo${cfo} --epochs 6 --steps-per-epoch 400 \
        --batch-size 256 --warmup-steps 200 --val-per-pair 20 --seed 1 --threads 1 --no-progress
  done
done
