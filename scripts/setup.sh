#!/usr/bin/env bash
# Set up everything colorzoo needs in ./.venv: PyTorch (pinned), colorzoo-core, its plugins.
#   scripts/setup.sh          runtime: the core and the default family (plugins/zhang), editable
#   scripts/setup.sh --all    plus every optional family (plugins/*), editable
#   scripts/setup.sh --test   plus the test tools (pytest, ruff, olah, build, onnx, gradio, selenium...) and the
#                             reference implementations the tests compare with (.refs/), and, as root where
#                             apt-get exists, Debian's chromium + chromium-driver for the browser test; not the
#                             optional families: the tests import them from plugins/ and install them as needed
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
if pip show colorzoo 2>/dev/null | grep -q "^Editable project location: $PWD$"; then
  # Before 0.2 the core was the distribution "colorzoo"; it is "colorzoo-core" now.
  pip uninstall --quiet --yes colorzoo
fi
echo "== installing colorzoo-core and the default family"
pip_install -e . -e plugins/zhang
if [ "${1:-}" = "--all" ]; then
  echo "== installing every optional family"
  pip_install -e plugins/pix2pix -e plugins/koalarization -e plugins/resenc -e plugins/ddcolor -e plugins/deoldify
fi
if [ "${1:-}" = "--test" ]; then
  # A second call: pip 23 cannot resolve the extra and the plugins' dependency on colorzoo-core at once.
  echo "== installing the test tools"
  pip_install -e ".[test]"
  bash scripts/install_references.sh
  # The browser test of `colorzoo serve` drives Debian's headless Chromium (skipped, saying why, without it).
  if ! command -v chromedriver >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "== installing chromium and chromium-driver (browser test of colorzoo serve)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
      >/dev/null || echo "   (could not install them: the browser test will be skipped)"
  fi
fi
colorzoo --version
