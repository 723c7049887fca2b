"""Helpers shared by test modules."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def install_plugin(package: Path, target: Path) -> dict[str, str]:
    """pip-install a plugin package into ``target`` (not into this venv); return an env that sees it.

    It is built from a copy: setuptools would leave an .egg-info in the source tree, whose entry
    points any process with that folder on its path would then see as installed.
    """
    with tempfile.TemporaryDirectory() as scratch:
        source = shutil.copytree(package, Path(scratch) / package.name)
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
             "--target", str(target), str(source)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
