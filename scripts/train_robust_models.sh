#!/usr/bin/env bash
# The CPU recipe for the robustness study (docs/ROBUSTNESS.md), from the repository root after
# `bash scripts/bootstrap.sh`. Stages (each skipped when its bundle exists):
#   teacher   PGD-AT fine-tuning of the shipped clean teacher (PGD-3, L2, PSR -20 dB)
#   students  compact students, 6 methods x SEEDS, fine-tuned from the shipped compact (STUDENT_INIT)
#   baselines VT-CNN2-style CNN, CNN-LSTM, 1-D ResNet (standard training, transfer study)
# JOBS runs in parallel (THREADS torch threads each, default 1). Logs in runs/robust/**/*.log.
# On a GPU machine use FACTOR=4 (4x the steps) for the larger recipe. PRESET=field trains on the
# field preset (docs/DATA.md); a stage interrupted after an epoch resumes from its checkpoint.
set -euo pipefail
PY=${PY:-.venv/bin/python}
R=${R:-runs/robust}
JOBS=${JOBS:-2}
SEEDS=${SEEDS:-"1 2 3"}
METHODS=${METHODS:-"standard pgd-at kd ard rslad attention"}
FACTOR=${FACTOR:-1}
THREADS=${THREADS:-1}
PRESET=${PRESET:-rml2016}
# the shipped teacher-robust started from the teacher's 30-epoch first stage (sha256 753096d4...),
# which scripts/train_default_models.sh writes to runs/teacher/teacher-30ep.json
TEACHER_INIT=${TEACHER_INIT:-python/robustamc/default_models/teacher-rml.json}
# likewise the students started from the compact model's 60-epoch first stage (sha256
# d4e8a20a..., embed_span 0: the shape before the overlapping spans), runs/compact/compact-60ep.json
# (scripts/train_default_models.sh says how to rebuild it); the default STUDENT_INIT is now the
# shipped compact (embed_span 24), on which the robust students have not been redone yet
STUDENT_INIT=${STUDENT_INIT:-python/robustamc/default_models/compact-rml.json}
STAGES=${STAGES:-"teacher students baselines"}
TEACHER=$R/teacher-robust/teacher-robust.json
mkdir -p "$R"

run() {  # run OUT_JSON ARGS... : train unless the bundle exists
    local out=$1; shift
    [ -f "$out" ] && { echo "have $out"; return 0; }
    mkdir -p "$(dirname "$out")"
    local resume=()
    [ -f "${out%.json}/checkpoint.pt" ] && resume=(--resume)
    echo "start $out ${resume[*]}"
    $PY apps/robustamc-train --bundle "$out" --out "${out%.json}" --threads "$THREADS" --no-progress \
        --preset "$PRESET" "${resume[@]}" "$@" >> "${out%.json}.log" 2>&1 && echo "done  $out" || { echo "FAILED $out"; return 1; }
}
export -f run
export PY THREADS PRESET

if [[ " $STAGES " == *" teacher "* ]]; then
    run "$TEACHER" --init "$TEACHER_INIT" --method pgd-at \
        --train-pgd-steps 3 --train-psr-db -20 --epochs 12 --steps-per-epoch $((250 * FACTOR)) \
        --lr 5e-4 --warmup-steps 200 --seed 1
fi

# students start from a clean compact model (the shipped robust ones from 48k clean steps), as
# the teacher starts from a clean teacher: robust fine-tuning at equal compute for every method
STUDENT="--init $STUDENT_INIT --epochs 10 --steps-per-epoch $((300 * FACTOR)) --lr 1e-3 --warmup-steps 300"
jobs_file=$(mktemp)
if [[ " $STAGES " == *" students "* ]]; then
    for seed in $SEEDS; do
        for method in $METHODS; do
            t=""; case $method in kd|ard|rslad|attention) t="--teacher $TEACHER";; esac
            echo "run $R/seed$seed/compact-$method.json $STUDENT --method $method $t --seed $seed" >> "$jobs_file"
        done
    done
fi
if [[ " $STAGES " == *" baselines "* ]]; then
    for arch in vtcnn2 cnn-lstm resnet1d; do
        echo "run $R/baselines/$arch.json --model $arch --epochs 10 --steps-per-epoch $((300 * FACTOR)) --lr 2e-3 --warmup-steps 300 --seed 1" >> "$jobs_file"
    done
fi
xargs -P "$JOBS" -I{} bash -c '{}' < "$jobs_file"
rm -f "$jobs_file"
