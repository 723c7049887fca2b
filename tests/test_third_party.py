"""A third-party plugin package, installed the way users install one, then found and used."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import install_plugin

EXAMPLE = Path(__file__).parent / "example_plugin"
BIN = Path(sys.executable).parent


def _run(args, env, **kwargs):
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """pip-install the example plugin into a scratch site directory (not into this venv)."""
    return install_plugin(EXAMPLE, tmp_path_factory.mktemp("site"))


def test_not_listed_before_installing():
    result = _run([str(BIN / "colorzoo"), "list"], env=os.environ.copy())
    assert result.returncode == 0
    assert "example-tiny" not in result.stdout


def test_listed_and_runnable_after_installing(installed, tmp_path, astronaut_png):
    listing = _run([str(BIN / "colorzoo"), "list"], env=installed)
    assert listing.returncode == 0, listing.stderr
    assert "example-tiny" in listing.stdout and "colorzoo-example" in listing.stdout

    save = "from zoo_core import create_model; create_model('example-tiny').save_pretrained(r'%s')"
    made = _run([sys.executable, "-c", save % (tmp_path / "w")], env=installed)
    assert made.returncode == 0, made.stderr
    result = _run(
        [
            str(BIN / "colorzoo"),
            "run",
            "example-tiny",
            str(astronaut_png),
            "--weights",
            str(tmp_path / "w"),
            "-o",
            str(tmp_path / "out"),
        ],
        env=installed,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "astronaut_example-tiny.png").is_file()
