#!/usr/bin/env bash
# The authors' implementations the equivalence tests compare against, each in a folder of its own
# under .refs/ (never in .venv: DeOldify's vendored fastai v1 needs setuptools<70, which clashes
# with torch's). Tests run them in subprocesses with PYTHONPATH=.refs/<name>.
#   .refs/ddcolor   spandrel + spandrel-extra-arches (DDColor), einops, opencv
#   .refs/deoldify  deoldify==0.0.1 (DeOldify + fastai v1) and what it imports
# Safe to re-run: a folder that is complete is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
pip_target() { "$python" -m pip install --quiet --disable-pip-version-check --target "$@" 2>&1 | grep -v "Location '" || true; }

if [ ! -f .refs/ddcolor/.complete ]; then
  echo "== installing the DDColor reference (spandrel) into .refs/ddcolor"
  rm -rf .refs/ddcolor
  pip_target .refs/ddcolor --no-deps spandrel==0.4.2 spandrel-extra-arches==0.2.0 einops opencv-python-headless
  touch .refs/ddcolor/.complete
fi
if [ ! -f .refs/deoldify/.complete ]; then
  echo "== installing the DeOldify reference (deoldify==0.0.1, fastai v1) into .refs/deoldify"
  rm -rf .refs/deoldify
  pip_target .refs/deoldify --no-deps deoldify==0.0.1
  pip_target .refs/deoldify fastprogress pyyaml pandas scipy matplotlib "setuptools<70" requests \
    opencv-python-headless
  touch .refs/deoldify/.complete
fi
