#!/usr/bin/env bash
# The students' schedule three times longer (30 epochs x 300 steps instead of 10 x 300),
# fine-tuned from STUDENT_INIT like scripts/train_robust_models.sh (the shipped robust students
# started from runs/compact/compact-60ep.json, the embed_span 0 first stage that
# scripts/train_default_models.sh says how to rebuild):
# PGD-AT, attention transfer and RSLAD with seed 1, PGD-AT and RSLAD also with seeds 2, 3.
# THREADS torch threads per run (default 1); JOBS runs in parallel; RUNS picks runs by name
# (default all). Results under $R/long (docs/ROBUSTNESS.md).
set -euo pipefail
PY=${PY:-.venv/bin/python}
R=${R:-runs/robust}
JOBS=${JOBS:-2}
THREADS=${THREADS:-1}
RUNS=${RUNS:-}
STUDENT_INIT=${STUDENT_INIT:-python/robustamc/default_models/compact-rml.json}
TEACHER=$R/teacher-robust/teacher-robust.json
BASE="--init $STUDENT_INIT --epochs 30 --steps-per-epoch 300 --lr 1e-3 --warmup-steps 300 --threads $THREADS --no-progress"
jobs_file=$(mktemp)
add() {  # out-name seed method [teacher]
    local out=$R/long/$1 t=""
    [ -z "$RUNS" ] || [[ " $RUNS " == *" $1 "* ]] || return 0
    [ -n "${4:-}" ] && t="--teacher $4"
    echo "[ -f $out.json ] || { mkdir -p $(dirname "$out"); $PY apps/robustamc-train $BASE --seed $2 --method $3 $t --out $out --bundle $out.json > $out.log 2>&1 && echo done $out; }" >> "$jobs_file"
}
add compact-pgd-at-30ep 1 pgd-at
add compact-attention-30ep 1 attention "$TEACHER"
add compact-rslad-30ep 1 rslad "$TEACHER"
add seed2/compact-pgd-at-30ep 2 pgd-at
add seed3/compact-pgd-at-30ep 3 pgd-at
add seed2/compact-rslad-30ep 2 rslad "$TEACHER"
add seed3/compact-rslad-30ep 3 rslad "$TEACHER"
xargs -P "$JOBS" -I{} bash -c '{}' < "$jobs_file"
rm -f "$jobs_file"
