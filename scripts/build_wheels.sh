#!/usr/bin/env bash
# Build an sdist and a wheel of every distribution (colorzoo-core, the colorzoo metapackage, each
# plugin) into a wheelhouse, then install any extra from it:
#   bash scripts/build_wheels.sh [WHEELHOUSE]          # default: dist/
#   pip install --find-links dist/ "colorzoo[gan]"
# BUILD_ARGS=--no-isolation builds with the current environment's setuptools (offline);
# BUILD_KINDS=--wheel builds wheels only (the tests do).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
python=${PYTHON:-$(command -v python)}
mkdir -p "$out"
if ! "$python" -c "import build" 2>/dev/null; then  # PyPA's builder: not among colorzoo's runtime dependencies
  echo "== installing the build package"
  "$python" -m pip install --quiet --disable-pip-version-check "build>=1.2"
fi
for project in . packaging/colorzoo plugins/zhang plugins/pix2pix plugins/koalarization plugins/resenc \
               plugins/ddcolor plugins/deoldify; do
  echo "== $project"
  # From a copy: setuptools leaves .egg-info and build/ folders in the tree it builds from.
  scratch=$(mktemp -d)
  "$python" - "$project" "$scratch/src" <<'PY'
import shutil, sys
top = {".venv", ".refs", ".git", "dist", "build", "packaging", "plugins", "tests", "benchmarks", "splits", "docs"}
skip = shutil.ignore_patterns("*.egg-info", "__pycache__", "*.pyc")
def ignore(folder, names):
    inside = set(skip(folder, names))
    return inside | (top & set(names) if folder == sys.argv[1] else set())
shutil.copytree(sys.argv[1], sys.argv[2], ignore=ignore)
PY
  # shellcheck disable=SC2086,SC2248
  "$python" -m build ${BUILD_KINDS:---sdist --wheel} --outdir "$out" ${BUILD_ARGS:-} "$scratch/src" >"$scratch/log" 2>&1 \
    || { cat "$scratch/log"; rm -rf "$scratch"; exit 1; }
  rm -rf "$scratch"
done
ls -1 "$out"
