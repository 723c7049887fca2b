"""The record of a long run, kept beside its outputs: one JSON line per input and outcome.

An archive run takes hours and gets stopped, restarted, resumed. The outputs themselves say what
is done (they are written atomically, so a file under a final name is complete); the manifest
says why the rest is not: each input gets a line when its fate is known (``written``,
``skipped`` because its output was already there, or ``failed`` with the reason). Lines are
appended and flushed one by one, so a driver killed mid-run loses none that it had received;
a line cut short by the kill is dropped when the manifest is opened again. Across runs the last
line of an input says where it stands; an output is recorded ``written`` once, by the run that
wrote it (a later run that finds it skips it silently).
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MANIFEST_NAME = "colorzoo-manifest.jsonl"

WRITTEN, SKIPPED, FAILED = "written", "skipped", "failed"


def new_run_id() -> str:
    """UTC time and process id: distinct across runs, sortable by start."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return f"{now:%Y%m%dT%H%M%S}Z-{os.getpid()}"


def read_lines(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every complete record of a manifest, in order (a missing file has none)."""
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if not line.endswith("\n"):
                break  # cut short by a kill
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and "input" in record and "status" in record:
                yield record


def read_manifest(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Where each input stands: its last record."""
    return {record["input"]: record for record in read_lines(path)}


class Manifest:
    """An append-only JSON-lines journal; ``record`` writes and flushes one line."""

    def __init__(self, path: str | os.PathLike[str], run: str | None = None) -> None:
        self.path = Path(path)
        self.run = run or new_run_id()
        self.written_before: set[str] = set()
        """Outputs that earlier runs recorded as written."""
        for record in read_lines(self.path):
            if record.get("status") == WRITTEN and record.get("output"):
                self.written_before.add(record["output"])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _drop_partial_line(self.path)
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)

    def record(self, source: str, target: str | None, status: str, reason: str | None = None) -> None:
        line: dict[str, Any] = {"input": source, "output": target, "status": status}
        if reason:
            line["reason"] = reason
        line["run"] = self.run
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")

    def skip(self, source: str, target: str) -> None:
        """An output already there: a line only if no earlier run recorded writing it."""
        if target not in self.written_before:
            self.record(source, target, SKIPPED, "output already present; pass --overwrite to replace it")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _drop_partial_line(path: Path) -> None:
    """Cut a last line that a killed run left without its newline, so the next line starts clean."""
    try:
        with open(path, "rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            block = 1 << 16
            end = size
            while end > 0:
                start = max(0, end - block)
                handle.seek(start)
                chunk = handle.read(end - start)
                cut = chunk.rfind(b"\n")
                if cut >= 0:
                    handle.truncate(start + cut + 1)
                    return
                end = start
            handle.truncate(0)
    except FileNotFoundError:
        return
