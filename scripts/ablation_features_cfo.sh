#!/usr/bin/env bash
# Ablation behind two data/model choices (docs/MODELS.md): input features (iq vs iq-moments)
# x synthetic carrier-offset range (500 vs 100 Hz), compact model, short recipe, seed 1; on the
# compact shape of the time (embed_span 0, before the overlapping spans became its default).
set -euo pipefail
PY=.venv/bin/python
for features in iq iq-moments; do
  for cfo in 500 100; do
    $PY apps/robustamc-train --model compact --shape embed_span=0 --features $features --cfo-max-hz $cfo \
        --out runs/ablation/${features}_cfo${cfo} --epochs 6 --steps-per-epoch 400 \
        --batch-size 256 --warmup-steps 200 --val-per-pair 20 --seed 1 --threads 1 --no-progress
  done
done

# Full-length runs (the shipped compact recipe) for the two single-factor changes:
# raw IQ features at the shipped carrier-offset range, and moment features at +-500 Hz.
if [ "${FULL:-0}" = 1 ]; then
  for spec in "iq 100" "iq-moments 500"; do
    set -- $spec
    $PY apps/robustamc-train --model compact --shape embed_span=0 --features $1 --cfo-max-hz $2 \
        --out runs/ablation_full/${1}_cfo${2} --epochs 60 --steps-per-epoch 800 \
        --batch-size 256 --lr 2e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress &
  done
  wait
fi
