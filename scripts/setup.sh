#!/usr/bin/env bash
# Set up everything colorzoo needs in ./.venv: PyTorch (pinned), colorzoo, its plugins.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --test   plus the test tools (pytest, scikit-image, ruff, olah)
# Safe to re-run: pip skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $python"
  "$python" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
pip_install() { pip install --quiet --disable-pip-version-check -c constraints.txt "$@"; }

echo "== installing PyTorch (torch==2.14.1, torchvision==0.29.1)"
pip_install torch==2.14.1 torchvision==0.29.1
echo "== installing colorzoo and its plugins"
pip_install -e plugins/zhang -e .
if [ "${1:-}" = "--test" ]; then
  # A second call: pip 23 cannot resolve the extra and the plugin's dependency on colorzoo at once.
  echo "== installing the test tools"
  pip_install -e ".[test]"
fi
colorzoo --version
