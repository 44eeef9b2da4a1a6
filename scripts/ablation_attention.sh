#!/usr/bin/env bash
# Ablation of the attention-transfer defaults (docs/ROBUSTNESS.md): one option changed at a
# time from the default (layers all, heads mean, distance l2, weight 10, crafted on the
# student), seed 1, the students' schedule of scripts/train_robust_models.sh. Plain PGD-AT
# of the compact model is the weight-0 point. JOBS in parallel, one torch thread each.
set -euo pipefail
PY=${PY:-.venv/bin/python}
R=${R:-runs/robust}
JOBS=${JOBS:-1}
# the reported ablation started from runs/compact/compact-60ep.json (embed_span 0; see
# scripts/train_default_models.sh)
STUDENT_INIT=${STUDENT_INIT:-python/robustamc/default_models/compact-rml.json}
TEACHER=$R/teacher-robust/teacher-robust.json
BASE="--init $STUDENT_INIT --epochs 10 --steps-per-epoch 300 --lr 1e-3 --warmup-steps 300 --method attention --teacher $TEACHER --seed 1 --threads 1 --no-progress"
jobs_file=$(mktemp)
VARIANTS=${VARIANTS:-"weight-1 heads-group weight-100 layers-last distance-kl"}
declare -A OPT=([weight-1]="--at-weight 1" [weight-100]="--at-weight 100" [heads-group]="--at-heads group"
                [layers-last]="--at-layers last" [layers-first]="--at-layers first"
                [distance-kl]="--at-distance kl" [craft-teacher]="--craft-on teacher")
for name in $VARIANTS; do
    opts=${OPT[$name]}
    out=$R/ablation/compact-at-$name
    echo "[ -f $out.json ] || { mkdir -p $R/ablation; $PY apps/robustamc-train $BASE $opts --out $out --bundle $out.json > $out.log 2>&1 && echo done $out; }" >> "$jobs_file"
done
xargs -P "$JOBS" -I{} bash -c '{}' < "$jobs_file"
rm -f "$jobs_file"
