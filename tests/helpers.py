"""Helpers shared by test modules."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType


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
        )
    assert result.returncode == 0, result.stderr
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without PYTHONPATH and VIRTUAL_ENV, so that a fresh virtual environment
    imports only what pip put there (and its links)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **extra}


def site_links(folder: Path) -> Path:
    """Links to this environment's packages in ``folder``, colorzoo's own (and editable-install hooks) left
    out: third-party dependencies for a fresh environment without copying them (torch alone is 5 GB)."""
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("colorzoo", "zoo_core", "__editable__", "_distutils_hack")) or name.endswith(".pth"):
            continue
        (folder / entry.name).symlink_to(entry)
    return folder


def fresh_venv(path: Path, links: Path) -> Path:
    """A virtual environment without pip (the outer pip installs into it with ``--python``) that also sees
    the packages in ``links`` (``site_links``); returns its python."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, capture_output=True, text=True, timeout=300, env=clean_env())

    done = run(sys.executable, "-m", "venv", "--without-pip", str(path))
    assert done.returncode == 0, done.stderr
    python = path / "bin" / "python"
    purelib = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    (Path(purelib) / "_third_party.pth").write_text(f"{links}\n")
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ReleaseServer:
    """A loopback HTTP server for release files, with range requests (resume) and faults on demand.

    ``files`` maps a name to its bytes; ``cut_after`` makes the next responses stop after that many
    bytes (a dropped connection); ``requests`` records (path, Range header) of every request.
    """

    def __init__(self, files: dict[str, bytes]) -> None:
        import http.server
        import threading

        self.files = dict(files)
        self.cut_after: int | None = None
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                name = self.path.lstrip("/").split("?")[0]
                server.requests.append((name, self.headers.get("Range")))
                data = server.files.get(name)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if self.headers.get("Range", "").startswith("bytes="):
                    start = int(self.headers["Range"][6:].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if server.cut_after is not None:
                    body = body[: server.cut_after]
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ReleaseServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """Accepts TCP connections and never answers: a host that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()


GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def lfs_object(repo: Path, oid: str) -> Path:
    """Where the bytes of a Git LFS file of ``repo`` are kept (what olah serves for it)."""
    return repo / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4] / oid


def write_repo_files(repo: Path, files: dict[str, bytes]) -> None:
    """Files into a repo's work tree; binary ones (not .json, .jsonl, .md, .txt) as Git LFS pointers."""
    import hashlib

    for name, data in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        if name.endswith((".json", ".jsonl", ".md", ".txt")):
            (repo / name).write_bytes(data)
            continue
        oid = hashlib.sha256(data).hexdigest()
        lfs_object(repo, oid).parent.mkdir(parents=True, exist_ok=True)
        lfs_object(repo, oid).write_bytes(data)
        (repo / name).write_bytes(f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(data)}\n"
                                  .encode())


def hub_repo(root: Path, repo_id: str, files: dict[str, bytes], tag: str | None = None) -> str:
    """A git repo served by olah as a Hub model repo; binary files become Git LFS pointers. Returns its commit."""
    repo = root / "mirrors" / "models" / repo_id
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_repo_files(repo, files)
    (repo / ".gitattributes").write_text("*.safetensors *.bin *.pth filter=lfs diff=lfs merge=lfs -text\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "weights")
    if tag:
        git(repo, "tag", tag)
    return git(repo, "rev-parse", "HEAD")


class OlahHub:
    """olah on a free loopback port, serving the repos made with ``hub_repo(root, ...)`` (offline mode)."""

    def __init__(self, root: Path, probe_repo: str) -> None:
        import time
        import urllib.request

        port = free_port()
        config = root / "olah.toml"
        config.write_text(
            f'[basic]\nhost = "127.0.0.1"\nport = {port}\nrepos-path = "{root / "cache"}"\n'
            f'mirrors-path = ["{root / "mirrors"}"]\nmirror-netloc = "127.0.0.1:{port}"\n'
            f'mirror-lfs-netloc = "127.0.0.1:{port}"\n[accessibility]\noffline = true\n'
        )
        (root / "logs").mkdir(exist_ok=True)
        olah = Path(sys.executable).parent / "olah-cli"
        self.server = subprocess.Popen([str(olah), "-c", str(config), "--log-path", str(root / "logs")],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/models/{probe_repo}/revision/main", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline or self.server.poll() is not None:
                self.close()
                raise RuntimeError("olah did not start")
            time.sleep(0.2)

    def close(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()


def zoo_with(families: dict[str, ModuleType]):
    """The installed zoo plus these plugin modules (each one not installed is added, and must load)."""
    from zoo_core.plugins import manager

    zoo = manager.Zoo().load_defaults().load_entry_points()
    for name, module in families.items():
        if name not in zoo.plugins:
            assert zoo.add_plugin(module, name).status == "ok", name
    return zoo


def use_zoo(monkeypatch, families: dict[str, ModuleType]):
    """``zoo_with(families)`` as the zoo every registry call sees, for one test (a fixture's body)."""
    from zoo_core.plugins import manager

    zoo = zoo_with(families)
    monkeypatch.setattr(manager, "_ZOO", zoo)
    return zoo
