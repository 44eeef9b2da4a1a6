#!/usr/bin/env bash
# Installs what gr-robustamc needs, only what is missing, on Debian 12 as root:
# apt packages, a venv on Debian's python3 (GNU Radio imports only there), pip packages
# through scripts/constraints.txt, the ML core (editable) and the CMake build + install.
# A second run takes seconds; a broken half-install is detected by import checks and redone.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv"
STAMP="$VENV/.robustamc-pip-stamp"
APT_PACKAGES=(gnuradio gnuradio-dev cmake g++ make pkg-config pybind11-dev python3-pybind11
              python3-venv python3-dev libboost-test-dev libvolk2-dev libspdlog-dev
              libfmt-dev libgmp-dev
              soapysdr-module-rtlsdr   # RTL-SDR support for examples/rtlsdr_classification
              g++-aarch64-linux-gnu qemu-user)  # the engine's Arm build, checked under qemu

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  dpkg --configure -a  # finish an interrupted earlier install instead of trusting it
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  say "venv: creating $VENV on /usr/bin/python3 with system site packages"
  rm -rf "$VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi

# The core is installed as a regular (non-editable) package: an editable one would put
# python/ on sys.path and shadow the installed gnuradio.robustamc with the source tree.
# So the stamp covers the core's sources too, and a change reinstalls it (seconds).
want=$( (cat scripts/constraints.txt scripts/requirements.txt pyproject.toml;
         find python/robustamc apps -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 cat) \
       | sha256sum | cut -d' ' -f1)
check='import numpy, torch, safetensors, tqdm, matplotlib, h5py, pytest, robustamc
assert numpy.__version__.startswith("1."), numpy.__version__
assert torch.__version__.startswith("2.13.0"), torch.__version__'
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ] || ! "$VENV/bin/python" -c "$check" 2>/dev/null; then
  say "pip: installing requirements (constraints: numpy<2, torch==2.13.0)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c scripts/constraints.txt \
      -r scripts/requirements.txt
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c scripts/constraints.txt \
      --no-deps --no-build-isolation --force-reinstall .
  "$VENV/bin/python" -c "$check"
  echo "$want" > "$STAMP"
fi

say "cmake: configure, build, install"
mkdir -p build
if [ ! -f build/CMakeCache.txt ] || ! grep -q "CMAKE_HOME_DIRECTORY:INTERNAL=$ROOT\$" build/CMakeCache.txt; then
  rm -rf build && mkdir build
fi
# ROBUSTAMC_PYTHON: the installed programs run with the venv's interpreter, and the installed
# blocks find the core in its site-packages when GNU Radio Companion's interpreter runs them
if ! grep -q "^ROBUSTAMC_PYTHON:FILEPATH=$VENV/bin/python\$" build/CMakeCache.txt 2>/dev/null; then
  (cd build && cmake .. -DCMAKE_INSTALL_PREFIX=/usr/local -DENABLE_DOXYGEN=OFF \
      -DCMAKE_BUILD_TYPE=Release -DROBUSTAMC_PYTHON="$VENV/bin/python" > cmake.log) \
    || { cat build/cmake.log; exit 1; }
fi
make -C build -j"$(nproc)" --no-print-directory > build/make.log 2>&1 || { tail -50 build/make.log; exit 1; }
make -C build install --no-print-directory > build/install.log 2>&1 || { tail -50 build/install.log; exit 1; }
ldconfig
"$VENV/bin/python" -c 'from gnuradio import robustamc; robustamc.modulation_classifier' \
  || { say "the installed blocks do not import"; exit 1; }
# ... and in the interpreter GNU Radio Companion runs flowgraphs with, from a clean environment
env -i PATH=/usr/bin:/bin /usr/bin/python3 -c 'import _robustamc_engine; _robustamc_engine.available_isas()' \
  || { say "the inference engine (_robustamc_engine) does not import in /usr/bin/python3"; exit 1; }
env -i PATH=/usr/bin:/bin /usr/bin/python3 -c 'from gnuradio import robustamc; robustamc.modulation_classifier' \
  || { say "the installed blocks do not import in /usr/bin/python3 (GNU Radio Companion)"; exit 1; }
say "ready"
