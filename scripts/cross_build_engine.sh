#!/usr/bin/env bash
# Cross-builds the inference engine's command-line driver (robustamc-engine-run) for 64-bit
# Arm with Debian's cross compiler, statically linked so that qemu-user runs it without an
# Arm root file system. The engine's portable kernels are what runs there (NEON by the
# compiler: the Arm baseline). Output: OUT (default build-aarch64/robustamc-engine-run).
#   apt-get install g++-aarch64-linux-gnu qemu-user     (bootstrap installs both)
#   bash scripts/cross_build_engine.sh && qemu-aarch64 build-aarch64/robustamc-engine-run ...
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=${CXX:-aarch64-linux-gnu-g++}
OUT=${OUT:-build-aarch64/robustamc-engine-run}
command -v "$CXX" > /dev/null || { echo "error: $CXX not found (apt-get install g++-aarch64-linux-gnu)" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
"$CXX" -std=c++17 -O3 -ffp-contract=fast -Wall -static -Ilib/engine \
    lib/engine/engine.cc lib/engine/kernels_generic.cc lib/engine/engine_run.cc -o "$OUT"
echo "$OUT"
