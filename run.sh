#!/usr/bin/env bash
# gr-robustamc entry point: installs what is missing (scripts/bootstrap.sh), then
#   bash run.sh demo [demo options]   live demo (the wideband scanner; --narrowband one channel) on the shipped default model
#   bash run.sh test [pytest options] the whole test suite (pytest + C++ QA via ctest)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)
    bash "$ROOT/scripts/bootstrap.sh"
    exec "$ROOT/.venv/bin/python" "$ROOT/apps/robustamc-demo" "$@" ;;
  test)
    bash "$ROOT/scripts/bootstrap.sh"
    (cd "$ROOT/build" && ctest --output-on-failure)
    cd "$ROOT"
    exec "$ROOT/.venv/bin/python" -m pytest "$@" ;;
  *)
    echo "usage: bash run.sh demo|test [options]" >&2; exit 2 ;;
esac
