"""The authors' implementations, for equivalence tests: each in its own folder under .refs/
(``scripts/install_references.sh``), run in a subprocess with that folder on PYTHONPATH, so the
project's environment never imports them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def reference_dir(name: str) -> Path:
    folder = ROOT / ".refs" / name
    if not (folder / ".complete").is_file():
        subprocess.run(["bash", str(ROOT / "scripts" / "install_references.sh")], check=True, timeout=1800,
                       env={**os.environ, "PYTHON": sys.executable})
    return folder


def run_reference(name: str, code: str, cwd: Path, timeout: int = 900) -> str:
    """Run ``code`` with the reference ``name`` importable; returns stdout (raises with stderr on failure)."""
    env = {**os.environ, "PYTHONPATH": str(reference_dir(name)), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS",
                                                                                                   "2")}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"reference {name} failed:\n{done.stderr[-3000:]}")
    return done.stdout
