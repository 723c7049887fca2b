#!/usr/bin/env bash
# The main job: set everything up, then colorize example photos and write a side-by-side grid.
#   scripts/demo.sh [MODEL...]   (default: zhang-rebal-lite, zhang-rebal, zhang-euclidean)   outputs in demo-output/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
python scripts/demo.py "$@"
