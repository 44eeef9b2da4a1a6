#!/usr/bin/env bash
# The attempts to close the compact model's gap to the teacher at SNR >= 10 dB
# (docs/MODELS.md, "The high-SNR gap: what we tried"). Validation data only; the test set is
# not touched. Two runs at a time, one torch thread each (about 6 h on the 2-core machine).
# Run from the repository root after `bash scripts/bootstrap.sh`. The two amplitude-feature
# variants of the table are not reproduced here: their code was dropped after it did not help.
set -euo pipefail
PY=.venv/bin/python
D=python/robustamc/default_models
S=runs/screen
mkdir -p $S
# The earlier, plain-patch compact (shipped until 2026-11-24, weights sha256 4e504a08...), which
# the fine-tuning screens below started from: restored from the commit that shipped it.
EARLIER=$S/earlier_compact.json
for ext in json safetensors; do
  git show 735b83a:$D/compact.$ext > $S/earlier_compact.$ext
done
# The screens ran on the compact shape before embed_span 24 became its default: embed_span=0
# keeps them reproducible (a later embed_span in $1 overrides it).
stage1() {   # the compact model's stage-1 recipe with a resized shape
  $PY apps/robustamc-train --shape "embed_span=0,$1" --out $S/$2 --bundle $S/$2/compact.json --epochs 60 \
      --steps-per-epoch 800 --batch-size 256 --lr 2e-3 --warmup-steps 1000 --seed 1 \
      --threads 1 --no-progress > $S/$2.log 2>&1
}
stage1 patch=16,dim=36 p16d36 & stage1 patch=16,dim=40,mlp_dim=40 p16d40m40 & wait
stage1 dim=36,mlp_dim=56 p8d36m56 & stage1 dim=40,mlp_dim=48 p8d40m48 & wait
stage1 dim=48,mlp_dim=96 p8d48 & stage1 dim=64,mlp_dim=128 p8d64 & wait
stage1 embed_span=16 span16 & stage1 embed_span=24 span24 & wait   # overlapping token spans
for sp in 16 24; do   # the compact recipe's stage 2 (warm restart) on the span models
  $PY apps/robustamc-train --init $S/span$sp/compact.json --out $S/span${sp}_2 \
      --bundle $S/span${sp}_2/compact.json --epochs 40 --steps-per-epoch 800 --batch-size 256 \
      --lr 1e-3 --warmup-steps 500 --seed 2 --threads 1 --no-progress > $S/span${sp}_2.log 2>&1 &
done
wait
for run in 3:span24_kd 5:span24_kd5; do   # the recipe's stage 3 (distillation), two seeds
  seed=${run%%:*} out=$S/${run#*:}
  $PY apps/robustamc-train --init $S/span24_2/compact.json --method kd --teacher $D/teacher-rml.json \
      --temperature 2 --kd-weight 0.9 --out $out --bundle $out/compact.json --epochs 40 \
      --steps-per-epoch 800 --batch-size 256 --lr 1e-3 --warmup-steps 500 --seed $seed \
      --threads 1 --no-progress > $out.log 2>&1 &
done
wait

# More high-SNR QAM in training: 400,000 ordinary frames + 130,000 QAM16/QAM64 at 10-18 dB.
$PY - <<'EOF'
import numpy as np, torch
from robustamc.constants import CLASSES
from robustamc.datasets import FrameSet, save_frames
from robustamc.normalize import normalize
from robustamc.synth import Synthesizer
torch.set_num_threads(1)
s, xs, ys, ss = Synthesizer(), [], [], []
def add(n, seed, **kw):
    for i in range(0, n, 8192):
        x, y, snr = s.random(min(8192, n - i), seed=seed + i, **kw)
        xs.append(normalize(x, "unit-power").numpy()); ys.append(y.numpy()); ss.append(snr.numpy())
add(400_000, 11_000)
add(130_000, 11_007, classes=[CLASSES.index("QAM16"), CLASSES.index("QAM64")],
    snrs_db=[10, 12, 14, 16, 18])
save_frames(FrameSet(np.concatenate(xs), np.concatenate(ys).astype(np.int64),
                     np.concatenate(ss).astype(np.int64), {"source": "synthetic, QAM emphasis"}),
            "runs/screen/emph33.npz")
EOF
for lr in 1e-3 5e-4; do
  $PY apps/robustamc-train --init $EARLIER --data $S/emph33.npz --out $S/e1_$lr \
      --bundle $S/e1_$lr/compact.json --epochs 8 --steps-per-epoch 800 --batch-size 256 \
      --lr $lr --warmup-steps 200 --seed 4 --threads 1 --no-progress > $S/e1_$lr.log 2>&1 &
done
wait

# The teacher's attention maps on clean frames (the attention term, adversary at -80 dB);
# we stopped both runs early (docs/MODELS.md).
$PY apps/robustamc-train --init $EARLIER --method attention --teacher $D/teacher-rml.json \
    --train-psr-db -80 --train-pgd-steps 1 --out $S/atft --bundle $S/atft/compact.json \
    --epochs 10 --steps-per-epoch 800 --batch-size 256 --lr 1e-3 --warmup-steps 200 --seed 4 \
    --threads 1 --no-progress > $S/atft.log 2>&1 &
$PY apps/robustamc-train --model compact --shape embed_span=0 --method attention \
    --teacher $D/teacher-rml.json --train-psr-db -80 --train-pgd-steps 1 --out $S/atscratch \
    --epochs 60 --steps-per-epoch 800 --batch-size 256 --lr 2e-3 --warmup-steps 1000 --seed 1 --threads 1 --no-progress \
    > $S/atscratch.log 2>&1 &
wait

# Validation-grid score: mean over SNR, >= 10 dB, QAM16/QAM64 and the rest there.
score() {   # score PER_PAIR SEED BUNDLE...
  $PY - "$@" <<'EOF'
import sys, numpy as np, torch
from robustamc.bundle import load_bundle
from robustamc.constants import CLASSES
from robustamc.datasets import synthesize_grid
from robustamc.evaluation import predict
torch.set_num_threads(2)
val = synthesize_grid(int(sys.argv[1]), seed=int(sys.argv[2]))
hi, q16, q64 = val.snr >= 10, CLASSES.index("QAM16"), CLASSES.index("QAM64")
for path in sys.argv[3:]:
    b = load_bundle(path)
    ok = np.asarray(predict(b.model.eval(), val.x, b.normalization)) == val.y
    mean = np.mean([ok[val.snr == s].mean() for s in np.unique(val.snr)])
    rest = hi & (val.y != q16) & (val.y != q64)
    print(f"{path}: mean {100 * mean:.2f}  >=10 dB {100 * ok[hi].mean():.2f}  "
          f"QAM16 {100 * ok[hi & (val.y == q16)].mean():.0f}  "
          f"QAM64 {100 * ok[hi & (val.y == q64)].mean():.0f}  others {100 * ok[rest].mean():.1f}")
EOF
}
# the second validation grid (100 per pair, seed 5,000,011)
score 100 5000011 $D/teacher-rml.json $EARLIER runs/compact/compact-60ep.json $S/*/compact.json

# Round 3 (2026-11-25): two more levers on the shipped embed_span-24 compact.
#  kd2:    a second distillation stage on the compact shipped then (span24_kd5; its KD loss
#          was still falling when stage 3 ended), warm restart at lr 5e-4, seed 6;
#  span32: embed_span 32 (24,267 parameters), the full three-stage compact recipe.
# Rule fixed before either result was seen: score on a third, larger validation grid
# (300 per class x SNR pair, seed 7,000,003; the test grid is not touched). A candidate replaces
# the shipped compact if it is higher at SNR >= 10 dB and loses no more than 0.3 points of the
# mean over SNR; of two that qualify, the higher at >= 10 dB ships. The winner then goes to
# the test set once, and its test figure is reported whatever it is.
(
  $PY apps/robustamc-train --init $S/span24_kd5/compact.json --method kd --teacher $D/teacher-rml.json \
      --temperature 2 --kd-weight 0.9 --out $S/kd2 --bundle $S/kd2/compact.json --epochs 40 \
      --steps-per-epoch 800 --batch-size 256 --lr 5e-4 --warmup-steps 500 --seed 6 \
      --threads 1 --no-progress > $S/kd2.log 2>&1
) &
(
  $PY apps/robustamc-train --shape embed_span=32 --out $S/span32 --bundle $S/span32/compact.json \
      --epochs 60 --steps-per-epoch 800 --batch-size 256 --lr 2e-3 --warmup-steps 1000 --seed 1 \
      --threads 1 --no-progress > $S/span32.log 2>&1
  $PY apps/robustamc-train --init $S/span32/compact.json --out $S/span32_2 \
      --bundle $S/span32_2/compact.json --epochs 40 --steps-per-epoch 800 --batch-size 256 \
      --lr 1e-3 --warmup-steps 500 --seed 2 --threads 1 --no-progress > $S/span32_2.log 2>&1
  $PY apps/robustamc-train --init $S/span32_2/compact.json --method kd --teacher $D/teacher-rml.json \
      --temperature 2 --kd-weight 0.9 --out $S/span32_kd --bundle $S/span32_kd/compact.json \
      --epochs 40 --steps-per-epoch 800 --batch-size 256 --lr 1e-3 --warmup-steps 500 --seed 5 \
      --threads 1 --no-progress > $S/span32_kd.log 2>&1
) &
wait
# the third validation grid (round 3's rule)
score 300 7000003 $S/span24_kd5/compact.json $S/kd2/compact.json $S/span32_kd/compact.json $S/span32_2/compact.json
# A replicate of the shipped stage 4 (seed 7; from the same stage-3 bundle): whether its
# test-set margin at SNR >= 10 dB holds across seeds. Reported as a replicate, not a candidate.
$PY apps/robustamc-train --init $S/span24_kd5/compact.json --method kd --teacher $D/teacher-rml.json \
    --temperature 2 --kd-weight 0.9 --out $S/kd2_s7 --bundle $S/kd2_s7/compact.json --epochs 40 \
    --steps-per-epoch 800 --batch-size 256 --lr 5e-4 --warmup-steps 500 --seed 7 \
    --threads 1 --no-progress > $S/kd2_s7.log 2>&1
score 300 7000003 $S/kd2/compact.json $S/kd2_s7/compact.json
$PY apps/robustamc-evaluate $D/teacher-rml.json $S/kd2_s7/compact.json --out runs/test_kd2_s7 \
    --per-pair 200 --attacks none --threads 2 --no-progress

# Round 4 (2026-11-25, session 9): a fifth stage on the shipped compact (kd2, seed 6), whose
# SNR >= 10 dB margin to the 4-point target is thin (0.14 test points; the seed-7 replicate 0.20).
#  kd3:     KD again from the shipped compact, T 2, 0.9 KD, lr 2.5e-4 (half of stage 4's), seed 8;
#  kd3_w1:  the same with --kd-weight 1.0 (the teacher's soft labels alone), seed 9.
# Rule fixed before either result was seen: score on a fourth validation grid (300 per pair,
# seed 9,000,001; not used before). A candidate replaces the shipped compact if it is at least
# 0.2 points higher at SNR >= 10 dB and no more than 0.3 lower on the mean over SNR; of two that
# qualify, the higher at >= 10 dB ships. The winner then goes to the test set once, reported
# whatever it gives. If neither qualifies, nothing changes and both are reported.
$PY apps/robustamc-train --init $D/compact-rml.json --method kd --teacher $D/teacher-rml.json \
    --temperature 2 --kd-weight 0.9 --out $S/kd3 --bundle $S/kd3/compact.json --epochs 40 \
    --steps-per-epoch 800 --batch-size 256 --lr 2.5e-4 --warmup-steps 500 --seed 8 \
    --threads 1 --no-progress > $S/kd3.log 2>&1 &
$PY apps/robustamc-train --init $D/compact-rml.json --method kd --teacher $D/teacher-rml.json \
    --temperature 2 --kd-weight 1.0 --out $S/kd3_w1 --bundle $S/kd3_w1/compact.json --epochs 40 \
    --steps-per-epoch 800 --batch-size 256 --lr 2.5e-4 --warmup-steps 500 --seed 9 \
    --threads 1 --no-progress > $S/kd3_w1.log 2>&1 &
wait
score 300 9000001 $D/compact-rml.json $S/kd3/compact.json $S/kd3_w1/compact.json
