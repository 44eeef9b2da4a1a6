#!/usr/bin/env bash
# The shipped family retrained on the `field` preset (docs/DATA.md; issue: models that hold on
# real radios). Warm starts from today's shipped bundles; one torch thread per run so two runs
# share this 2-core machine. Every stage checkpoints each epoch and this script resumes it:
# run it again after an interruption (a session's end) and it continues where it stopped;
# stages whose bundle exists are skipped. Logs: runs/field/*.log.
#
# In parallel, one thread each (wall-clock on this machine in docs/MODELS.md):
#   teacher   30 x 500 steps from the shipped teacher, lr 1e-3            (~100 min)
#   compact   40 x 800 steps from the shipped compact, lr 1.5e-3         (~30 min), then
#   compact2  40 x 800 steps warm restart from it, lr 7.5e-4, new data   (~30 min)
# then
#   compact_kd  40 x 800 steps of logit distillation from the field teacher (T 2, 0.9 KD),
#               from compact2, lr 1e-3
# Later stages (the robust pair) are added as these land.
# ONLY="compact2" (space-separated names) runs just those stages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
D=python/robustamc/default_models
mkdir -p runs/field

# stage NAME ARGS...: train into runs/field/NAME (bundle runs/field/NAME/NAME.json), resuming
stage() {
    local name=$1; shift
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
    local out=runs/field/$name
    if [ -f "$out/$name.json" ]; then echo "$name: done ($out/$name.json)"; return; fi
    local resume=()
    [ -f "$out/checkpoint.pt" ] && resume=(--resume)
    echo "$name: training (log runs/field/$name.log)"
    $PY apps/robustamc-train "$@" --preset field --out "$out" --bundle "$out/$name.json" \
        --threads 1 --no-progress "${resume[@]}" >> "runs/field/$name.log" 2>&1
}

stage teacher --init $D/teacher.json --epochs 30 --steps-per-epoch 500 --batch-size 256 \
    --lr 1e-3 --warmup-steps 500 --seed 11 &
(
    stage compact --init $D/compact.json --epochs 40 --steps-per-epoch 800 --batch-size 256 \
        --lr 1.5e-3 --warmup-steps 500 --seed 12
    stage compact2 --init runs/field/compact/compact.json --epochs 40 --steps-per-epoch 800 \
        --batch-size 256 --lr 7.5e-4 --warmup-steps 500 --seed 13
) &
wait
stage compact_kd --init runs/field/compact2/compact2.json --method kd \
    --teacher runs/field/teacher/teacher.json --temperature 2 --kd-weight 0.9 --epochs 40 \
    --steps-per-epoch 800 --batch-size 256 --lr 1e-3 --warmup-steps 500 --seed 14
