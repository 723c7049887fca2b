"""CONTRIBUTING.md, followed the way a plugin author outside this repository would follow it.

The guide's files (the fenced blocks marked ``<!-- file: PATH -->``) make a new project; a fresh
virtual environment gets a wheel of this checkout's colorzoo-core and the project (editable, with its
test extra), offline; then the guide's commands (the blocks marked ``<!-- test: run -->``) run in it,
in order: list and info, first weights trained and bundled, ``colorzoo run``, the contract checks with
pytest. Third-party packages are linked from this environment, as in tests/test_packaging.py.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import setuptools
from helpers import clean_env, fresh_venv, site_links
from PIL import Image
from skimage import data

ROOT = Path(__file__).parent.parent
GUIDE = ROOT / "CONTRIBUTING.md"
FILE_BLOCK = re.compile(r"<!-- file: (\S+) -->\n```\w*\n(.*?)\n```", re.S)
RUN_BLOCK = re.compile(r"<!-- test: run -->\n```bash\n(.*?)\n```", re.S)


def guide_files() -> dict[str, str]:
    return dict(FILE_BLOCK.findall(GUIDE.read_text()))


def test_the_guide_lists_the_plugin_api():
    """The API table of CONTRIBUTING.md names every export of ``zoo_core``, and nothing else."""
    import zoo_core

    section = GUIDE.read_text().split("## The plugin API", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[2] for line in section.splitlines() if line.startswith("| ") and "| names |" not in line]
    named = set(re.findall(r"`([A-Za-z_]\w*)`", "".join(rows)))
    exported = set(zoo_core.__all__)
    assert named == exported, f"not exported: {sorted(named - exported)}; not in the guide: {sorted(exported - named)}"


def test_the_guide_has_a_plugin_in_the_families_shape():
    files = guide_files()
    package = {Path(name).name for name in files if name.startswith("my_colorizer/") and name.endswith(".py")}
    assert package == {"__init__.py", "plugin.py", "model.py", "controls.py", "losses.py", "release.py"}
    assert "[build-system]" in files["pyproject.toml"] and "packages = " in files["pyproject.toml"]
    assert "import torch" not in files["my_colorizer/plugin.py"]
    assert "MODELS = (" in files["my_colorizer/plugin.py"] and "LOSSES = (" in files["my_colorizer/plugin.py"]
    assert len(RUN_BLOCK.findall(GUIDE.read_text())) == 3


def _core_wheel(wheelhouse: Path, scratch: Path) -> Path:
    """A wheel of this checkout's colorzoo-core, built offline from a copy (setuptools writes into the tree)."""
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        scratch.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, scratch / name)
    shutil.copytree(ROOT / "zoo_core", scratch / "zoo_core", ignore=shutil.ignore_patterns("__pycache__"))
    _pip(sys.executable, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheelhouse, scratch)
    return wheelhouse


def _pip(python, *args) -> None:
    command = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr


def _photos(project: Path) -> None:
    """photos/ (color photos to train on) and photo.jpg (to colorize), as the guide's commands expect."""
    (project / "photos").mkdir()
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        image = np.asarray(getattr(data, name)())
        for i, (top, left) in enumerate(((0, 0), (40, 60))):
            crop = Image.fromarray(image[top : top + 256, left : left + 256]).resize((96, 96))
            crop.save(project / "photos" / f"{name}-{i}.jpg", quality=92)
    Image.fromarray(data.camera()[::4, ::4]).save(project / "photo.jpg", quality=92)


@pytest.mark.slow
def test_a_plugin_built_from_the_guide(tmp_path):
    project = tmp_path / "my-colorizer"
    for name, text in guide_files().items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text + "\n")
    _photos(project)
    wheelhouse = _core_wheel(tmp_path / "wheelhouse", tmp_path / "core")
    (tmp_path / "links").mkdir()
    links = site_links(tmp_path / "links")
    hack = Path(setuptools.__file__).parent.parent / "_distutils_hack"  # setuptools imports it: the editable build
    (links / hack.name).symlink_to(hack)
    python = fresh_venv(tmp_path / "venv", links)
    _pip(python, "install", "--no-index", "--find-links", wheelhouse, "colorzoo-core")
    _pip(python, "install", "--no-index", "--no-build-isolation", "-e", f"{project}[test]")

    env = clean_env(PATH=f"{python.parent}{os.pathsep}{os.environ['PATH']}", COLORZOO_OFFLINE="1", COLUMNS="200")

    def run(*args: str, cwd: Path = project) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)

    where = run(str(python), "-c", "import zoo_core, my_colorizer; print(zoo_core.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout + where.stderr  # the wheel's, not ours
    outputs = []
    for commands in RUN_BLOCK.findall(GUIDE.read_text()):
        done = run("bash", "-euo", "pipefail", "-c", commands)
        assert done.returncode == 0, f"{commands}\n{done.stdout}\n{done.stderr}"
        outputs.append(done.stdout + done.stderr)
    looked, first_weights, contract = outputs

    assert "my-colorizer" in looked and "mycolorizer" in looked and "smooth" in looked
    declared = re.search(r"num_parameters=([\d_]+)", guide_files()["my_colorizer/plugin.py"]).group(1)
    assert str(int(declared)) in looked.strip().splitlines()  # the guide's count is count_parameters'
    written = sorted((project / "colored").glob("photo_my-colorizer.*"))
    assert len(written) == 1, first_weights
    colored = Image.open(written[0])
    assert colored.mode == "RGB" and colored.size == Image.open(project / "photo.jpg").size
    assert "my-colorizer.compact" in first_weights  # `run` says which weights ran: the bundled ones
    assert re.search(r"\b1 passed\b", contract), contract
