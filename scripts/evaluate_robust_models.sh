#!/usr/bin/env bash
# The robustness reports of docs/ROBUSTNESS.md from the bundles of
# scripts/train_robust_models.sh (R=runs/robust), about 40 minutes on the 2-core CPU:
#   docs/reports/robustness  clean accuracy, FGM / PGD-20 / Gaussian / UAP over PSR -30..-10 dB,
#                            transfer matrix, attention maps: both teachers, 6 compact methods
#                            x seeds
#   docs/reports/transfer    the transfer study with the baseline architectures (PGD-20 at
#                            -20 dB crafted on each model, seed 1 of each compact method)
# STAGES picks either (default both).
set -euo pipefail
PY=${PY:-.venv/bin/python}
R=${R:-runs/robust}
SEEDS=${SEEDS:-"1 2 3"}
STAGES=${STAGES:-"robustness transfer"}
THREADS=${THREADS:-2}
teachers=(teacher-rml "$R/teacher-robust/teacher-robust.json")   # the rml2016 clean teacher
if [[ " $STAGES " == *" robustness "* ]]; then
    bundles=("${teachers[@]}")
    for method in standard pgd-at kd ard rslad attention; do
        for seed in $SEEDS; do bundles+=("$R/seed$seed/compact-$method.json"); done
    done
    $PY apps/robustamc-evaluate "${bundles[@]}" --out docs/reports/robustness --per-pair 200 \
        --attack-per-pair 20 --title "Robustness of the teachers and the compact methods" \
        --threads "$THREADS" --no-progress "$@"
fi
if [[ " $STAGES " == *" transfer "* ]]; then
    bundles=("${teachers[@]}")
    for method in standard pgd-at attention; do bundles+=("$R/seed1/compact-$method.json"); done
    for arch in vtcnn2 cnn-lstm resnet1d; do bundles+=("$R/baselines/$arch.json"); done
    $PY apps/robustamc-evaluate "${bundles[@]}" --out docs/reports/transfer --per-pair 100 \
        --attack-per-pair 20 --attacks pgd --psr-db -20 \
        --title "Transfer of adversarial examples between architectures" \
        --threads "$THREADS" --no-progress "$@"
fi
