"""What the tests of ``colorzoo serve`` share: the third-party test plugin, cached weights, a server process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

UI_PLUGIN = Path(__file__).parent / "ui_plugin"
BIN = Path(sys.executable).parent


def tint_module():
    """The test plugin's declarations, importable in this process (for ``use_zoo``)."""
    if str(UI_PLUGIN) not in sys.path:
        sys.path.insert(0, str(UI_PLUGIN))
    import colorzoo_uitest.plugin

    return colorzoo_uitest.plugin


def cache_tint_weights() -> Path:
    """uitest-tint's one weight set, saved into colorzoo's cache (``COLORZOO_HOME``) as a download would be."""
    tint_module()
    from colorzoo_uitest.model import TintColorizer, TintConfig
    from zoo_core.weights.cache import weight_set_dir

    target = weight_set_dir("uitest-tint", "plain")
    TintColorizer(TintConfig(model="uitest-tint")).save_pretrained(target)
    return target


def cache_siggraph17_weights() -> Path:
    """zhang-siggraph17's ``paper`` set in the cache, with random weights of the release's shapes (fp16: 68 MB)."""
    import torch

    from zoo_core import create_model
    from zoo_core.weights.cache import weight_set_dir

    torch.manual_seed(0)
    target = weight_set_dir("zhang-siggraph17", "paper")
    create_model("zhang-siggraph17").save_pretrained(target, dtype=torch.float16)
    return target


def gray_photo(path: Path, size: tuple[int, int] = (192, 160)) -> Path:
    """A small grayscale photo (scikit-image's astronaut), as people bring old photos."""
    Image.fromarray(data.astronaut()).resize(size).convert("L").save(path)
    return path


def chroma(path: Path) -> float:
    """Mean distance of each pixel from gray (0 for a gray image), in 8-bit levels."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    return float(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).mean())


class ServeProcess:
    """``colorzoo serve --port 0`` in a subprocess; ``url`` once it listens, ``stop()`` sends SIGTERM."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, timeout_s: float = 240) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen([str(BIN / "colorzoo"), "serve", "--port", "0", *args], env=env, cwd=cwd,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout_s
        while not any("http://" in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("colorzoo serve did not start:\n" + "".join(self.lines))
            time.sleep(0.2)
        started = next(line for line in self.lines if "http://" in line)
        self.url = re.search(r"http://[^ ]+/", started).group(0)
        self.folder = Path(re.search(r"its files are in (\S+),", started).group(1))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, timeout_s: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        return self.process.returncode


def serve_env(base: dict[str, str], home: Path, colorzoo_home: Path, tmp: Path) -> dict[str, str]:
    """An environment whose home, temporary folder and colorzoo cache are the test's own folders."""
    env = {**base, "HOME": str(home), "TMPDIR": str(tmp), "COLORZOO_HOME": str(colorzoo_home), "COLUMNS": "250"}
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "MPLCONFIGDIR", "GRADIO_TEMP_DIR"):
        env.pop(name, None)
    for folder in (home, colorzoo_home, tmp):
        folder.mkdir(parents=True, exist_ok=True)
    return env


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def os_environ() -> dict[str, str]:
    return dict(os.environ)
