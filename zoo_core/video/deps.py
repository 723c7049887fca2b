"""The optional libraries of ``colorzoo[video]``, imported on first use with a one-line error.

``import zoo_core`` and ``colorzoo --help`` never pay for PyAV or OpenCV; a user without them
learns what to install the moment a video is met, before any model is loaded.
"""

from __future__ import annotations

from types import ModuleType

from ..errors import ColorzooError

INSTALL = 'pip install "colorzoo[video]"'


def _require(module: str, package: str) -> ModuleType:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ColorzooError(f"video needs {package}, which is not installed ({exc}); {INSTALL}") from None


def av() -> ModuleType:
    """PyAV (FFmpeg's demuxers, decoders, encoders and muxers)."""
    return _require("av", "PyAV")


def cv2() -> ModuleType:
    """OpenCV (DIS and Farneback optical flow, remapping), single-threaded: the model needs the cores."""
    module = _require("cv2", "opencv-python-headless")
    module.setNumThreads(1)
    return module


def check() -> None:
    """Fail now, with the install command, if the video libraries are missing."""
    av()
    cv2()
