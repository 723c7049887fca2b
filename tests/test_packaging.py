"""The distributions as users get them. scripts/build_wheels.sh builds a wheel of each; fresh virtual
environments then install, from that wheelhouse only (``--no-index``: nothing editable, nothing from
the network), colorzoo-core alone, then ``colorzoo[gan]`` on top, and ``colorzoo[all]`` in another.

Third-party dependencies are not copied (torch alone is 5 GB): the fresh environments see this
environment's site-packages through a folder of links that leaves out every colorzoo distribution,
so each colorzoo package they import is the one pip put there from a wheel."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import clean_env, fresh_venv, site_links
from PIL import Image
from skimage import data

ROOT = Path(__file__).parent.parent
DISTRIBUTIONS = ("colorzoo", "colorzoo_core", "colorzoo_zhang", "colorzoo_pix2pix", "colorzoo_koalarization",
                 "colorzoo_resenc", "colorzoo_ddcolor", "colorzoo_deoldify")
pytestmark = pytest.mark.slow


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    env = clean_env(COLUMNS="250")
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, env=env, **kwargs)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    env = {"BUILD_ARGS": "--no-isolation", "BUILD_KINDS": "--wheel", "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "build_wheels.sh"), str(out)], capture_output=True,
                          text=True, timeout=900, env={**os.environ, **env})
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def third_party(tmp_path_factory) -> Path:
    """Links to this environment's packages, colorzoo's own (and editable-install hooks) left out."""
    return site_links(tmp_path_factory.mktemp("third-party"))


def _pip_install(python: Path, wheelhouse: Path, requirement: str) -> None:
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--find-links", wheelhouse,
                 requirement])
    assert done.returncode == 0, done.stdout + done.stderr


def _colorzoo(python: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    return _run([python.parent / "colorzoo", *args], cwd=cwd)


def test_every_distribution_builds_a_wheel_with_its_files(wheelhouse):
    wheels = {w.name.split("-")[0]: w for w in wheelhouse.glob("*.whl")}
    assert set(wheels) == set(DISTRIBUTIONS)
    for name, wheel in wheels.items():
        files = zipfile.ZipFile(wheel).namelist()
        assert any(f.endswith("/licenses/LICENSE") for f in files), name
        metadata = zipfile.ZipFile(wheel).read(next(f for f in files if f.endswith("/METADATA"))).decode()
        assert "Version: 0.3.0" in metadata, name
        if name.startswith("colorzoo_") and name != "colorzoo_core":
            assert "Requires-Dist: colorzoo-core<0.4,>=0.3" in metadata, name
            assert any("/model_cards/" in f for f in files), name
    zhang = zipfile.ZipFile(wheels["colorzoo_zhang"]).namelist()
    assert "colorzoo_zhang/weights/zhang-rebal/model.safetensors" in zhang
    assert "colorzoo_zhang/weights/zhang-rebal/config.json" in zhang
    assert "Requires-Dist: colorzoo-zhang==0.3.0" in zipfile.ZipFile(wheels["colorzoo"]).read(
        "colorzoo-0.3.0.dist-info/METADATA").decode()


def test_core_alone_then_the_gan_extra(wheelhouse, third_party, tmp_path):
    python = fresh_venv(tmp_path / "venv", third_party)
    _pip_install(python, wheelhouse, "colorzoo-core")
    listed = _colorzoo(python, "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "zhang-rebal" not in listed.stdout.replace("zhang-*", "")  # no models; the family is offered
    assert "pip install colorzoo " in listed.stdout and 'pip install "colorzoo[gan]"' in listed.stdout

    _pip_install(python, wheelhouse, "colorzoo[gan]")
    code = "import zoo_core, colorzoo_pix2pix; print(zoo_core.__file__, colorzoo_pix2pix.__file__)"
    where = _run([python, "-c", code], cwd=tmp_path)
    assert str(tmp_path / "venv") in where.stdout and str(ROOT) not in where.stdout, where.stdout + where.stderr
    listed = _colorzoo(python, "list", cwd=tmp_path)
    assert "pix2pix-lite0" in listed.stdout and "zhang-rebal" in listed.stdout
    assert 'pip install "colorzoo[ddcolor]"' in listed.stdout and "colorzoo[gan]" not in listed.stdout
    Image.fromarray(data.camera()[::4, ::4]).save(tmp_path / "photo.png")
    ran = _colorzoo(python, "run", "zhang-rebal", "photo.png", "-o", "out", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "zhang-rebal.compact" in ran.stdout + ran.stderr
    assert Image.open(tmp_path / "out" / "photo_zhang-rebal.png").mode == "RGB"


def test_the_all_extra(wheelhouse, third_party, tmp_path):
    python = fresh_venv(tmp_path / "venv", third_party)
    _pip_install(python, wheelhouse, "colorzoo[all]")
    listed = _colorzoo(python, "list", cwd=tmp_path)
    for model in ("zhang-rebal", "pix2pix-lite0", "koala-lite0", "resenc-lite0", "ddcolor-tiny", "deoldify-artistic"):
        assert model in listed.stdout, model
    assert "not installed" not in listed.stdout
    Image.fromarray(data.camera()[::4, ::4]).save(tmp_path / "photo.png")
    from zoo_core.video import synthetic  # [all] holds [video]: a clip goes through the installed wheels

    synthetic.write_clip(tmp_path / "clip.mp4", synthetic.shot(data.astronaut(), "pan-right", 6, (32, 48)), 25)
    ran = _colorzoo(python, "run", "zhang-rebal", "photo.png", "clip.mp4", "-o", "out", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"photo_zhang-rebal.png", "clip_zhang-rebal.mp4"}
