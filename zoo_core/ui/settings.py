"""What ``colorzoo serve`` was started with (checked by the command before anything starts)."""

from __future__ import annotations

import dataclasses

#: Loopback only: the page reaches the models, the files and the machine's compute of whoever runs it.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: Uploads above this many bytes are refused by the server, with a message in the page.
DEFAULT_MAX_FILE_SIZE = 100_000_000


@dataclasses.dataclass(frozen=True)
class ServeSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    """0: any free port."""
    device: str = "auto"
    precision: str = "fp32"
    max_models: int = 3
    """Loaded models kept in memory (least recently used dropped first)."""
    max_pixels: int | None = None
    """Photos above this many pixels are refused (None: colorzoo's limit, ``COLORZOO_MAX_PIXELS``)."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    concurrency: int = 4
    """Requests served at once; jobs for the same weight set still run one at a time."""

    @property
    def loopback(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1") or self.host.startswith("127.")
