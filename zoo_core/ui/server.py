"""Start the page on this machine, keep every file it writes in one temporary folder, clean up.

Before gradio is imported, its upload/cache folder, Python's temporary folder (uploads are
spooled there) and matplotlib's config folder are pointed into a fresh folder of our own, and
gradio's analytics are switched off; no share link, monitoring page, MCP server, run history or
server-side rendering is started. So the server writes nothing outside that folder, which is
deleted when it stops (Ctrl+C or SIGTERM), and calls no host on the internet (weights a user
asks for are the one exception: they download into colorzoo's cache as ``colorzoo download``
would). It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ColorzooError
from .settings import ServeSettings

#: What to do without the extra (the command checks first; this is for a gradio that fails to import).
UI_MISSING = 'colorzoo serve needs gradio: pip install "colorzoo[ui]"'


class GradioMissing(ColorzooError):
    """gradio is not installed, or cannot be imported."""


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def check_port(host: str, port: int) -> None:
    """Refuse a port that is taken (gradio would otherwise search for another one silently)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ColorzooError(f"cannot listen on {host}:{port} ({exc.strerror}); use --port N, or --port 0 for "
                                "any free port") from None


def _isolate(root: Path) -> None:
    """Every file gradio and its libraries write goes under ``root``; no analytics."""
    for name in ("gradio", "tmp", "mpl"):
        (root / name).mkdir()
    os.environ["GRADIO_TEMP_DIR"] = str(root / "gradio")
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("MPLCONFIGDIR", str(root / "mpl"))
    os.environ["TMPDIR"] = str(root / "tmp")
    tempfile.tempdir = str(root / "tmp")


def _loader(device: Any) -> Callable[[str, Callable[[str], None]], Any]:
    from ..plugins.registry import load_pretrained, split_model_name

    def load(label: str, say: Callable[[str], None]) -> Any:
        spec, tag = split_model_name(label)

        def downloaded(done: int, total: int | None) -> None:
            of = f" of {total / 1e6:,.0f}" if total else ""
            say(f"downloading {done / 1e6:,.0f}{of} MB")

        model, _ = load_pretrained(spec, tag, device=device, progress=downloaded, notify=say)
        return model

    return load


def listen_warning(settings: ServeSettings, port: int) -> str | None:
    """What ``serve`` prints when the page is reachable from other machines."""
    if settings.loopback:
        return None
    return (f"warning: listening on {settings.host}: anyone who can reach this machine on port {port} can use its "
            "models, processors and disk, with no password; use --host 127.0.0.1 to keep the page to this machine")


def serve(
    settings: ServeSettings, say: Callable[[str], None] = print, warn: Callable[[str], None] | None = None
) -> None:
    """Run the page until interrupted; the temporary folder is deleted on the way out."""
    from ..render.devices import pick_device
    from ..render.precision import resolve_precision

    warn = warn or (lambda text: print(text, file=sys.stderr))
    device = pick_device(settings.device)
    resolve_precision(settings.precision, device)
    port = settings.port or free_port(settings.host)
    check_port(settings.host, port)
    warning = listen_warning(settings, port)
    if warning:
        warn(warning)

    root = Path(tempfile.mkdtemp(prefix="colorzoo-serve-"))
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    demo = None
    try:
        _isolate(root)  # before gradio is imported: it reads its folders once
        try:
            from .app import CSS, build_app
        except ImportError as exc:
            raise GradioMissing(f"{UI_MISSING} ({exc})") from None
        from .jobs import ModelPool

        pool = ModelPool(_loader(device), settings.max_models)
        demo, _ = build_app(settings, pool, root, device)
        demo.launch(
            server_name=settings.host, server_port=port, share=False, quiet=True, prevent_thread_lock=True,
            max_file_size=settings.max_file_size, footer_links=["api"], run_history=False, enable_monitoring=False,
            mcp_server=False, ssr_mode=False, allowed_paths=[str(root)], css=CSS, inbrowser=False,
        )
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        say(f"colorzoo serve: http://{host}:{port}/ on {device} (Ctrl+C stops it; its files are in {root}, "
            "deleted at exit)")
        while not stop.wait(0.5):
            pass
    finally:
        if demo is not None:
            demo.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(root, ignore_errors=True)
        say("colorzoo serve: stopped; temporary files deleted")
