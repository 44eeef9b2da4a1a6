#!/usr/bin/env bash
# The robustness report of docs/ROBUSTNESS.md from the bundles of scripts/train_robust_models.sh
# (R=runs/robust): clean accuracy, FGM / PGD-20 / Gaussian / UAP over PSR -30..-10 dB, the
# transfer matrix and attention maps, for the clean and robust teachers, the six compact
# methods x seeds and the baselines. About 30 minutes on the 2-core CPU.
set -euo pipefail
PY=${PY:-.venv/bin/python}
R=${R:-runs/robust}
OUT=${OUT:-docs/reports/robustness}
SEEDS=${SEEDS:-"1 2 3"}
bundles=(python/robustamc/default_models/teacher.json "$R/teacher-robust/teacher-robust.json")
for method in standard pgd-at kd ard rslad attention; do
    for seed in $SEEDS; do bundles+=("$R/seed$seed/compact-$method.json"); done
done
for arch in vtcnn2 cnn-lstm resnet1d; do bundles+=("$R/baselines/$arch.json"); done
$PY apps/robustamc-evaluate "${bundles[@]}" --out "$OUT" --per-pair 200 --attack-per-pair 20 \
    --title "Robustness of the shipped and compared models" --threads "${THREADS:-2}" "$@"
