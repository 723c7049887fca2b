#!/usr/bin/env bash
# Set everything up (scripts/setup.sh --test), then lint and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# shellcheck disable=SC1091
. .venv/bin/activate
echo "== ruff"
ruff check .
echo "== pytest"
python -m pytest -n 2 --dist loadgroup --durations=20 "$@"  # loadgroup: tests/test_ray.py shares one Ray
