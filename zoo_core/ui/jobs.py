"""One job at a time per model, in order of arrival, and a bounded set of loaded models.

Every page (and every API call) asks the same ``ModelPool``. A job names one weight set
(``MODEL.TAG``) and the photos to run it on; jobs for the same weight set wait their turn in a
first-come, first-served queue (one network, one job: no two requests fight over its memory or
threads), jobs for different sets run side by side. Loaded models are kept between requests,
at most ``max_models`` of them: the least recently used one that is not running is dropped when
another is needed. ``snapshot()`` is the queue the page shows.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: How long a finished job stays in the queue panel, in seconds.
SHOW_FINISHED_S = 20.0

Loader = Callable[[str, Callable[[str], None]], Any]
"""``loader(MODEL.TAG, say)`` -> a model; ``say`` reports a step (a download) in one line."""

WAITING, LOADING, RUNNING, DONE, FAILED = "waiting", "loading", "running", "done", "failed"
#: The owner of jobs that come through the HTTP API.
API_OWNER = "api"


@dataclasses.dataclass
class Job:
    id: int
    label: str
    """The weight set it runs, ``MODEL.TAG``."""
    owner: str
    """The page (session) that asked; the queue panel says "you" to its owner."""
    total: int
    done: int = 0
    state: str = WAITING
    detail: str = ""
    finished_at: float | None = None

    @property
    def active(self) -> bool:
        return self.state in (WAITING, LOADING, RUNNING)


class ModelPool:
    """Per-model FIFO queues and an LRU of loaded models, shared by all sessions (thread-safe)."""

    def __init__(self, loader: Loader, max_models: int = 3) -> None:
        if max_models < 1:
            raise ValueError(f"max_models must be at least 1, got {max_models}")
        self._loader = loader
        self.max_models = max_models
        self._cond = threading.Condition()
        self._queues: dict[str, collections.deque[Job]] = collections.defaultdict(collections.deque)
        self._models: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self._busy: set[str] = set()
        self._loading: dict[str, threading.Lock] = collections.defaultdict(threading.Lock)
        self._jobs: list[Job] = []
        self._ids = itertools.count(1)
        self.loads = 0
        """How many times a model was loaded (to tell a kept model from a reloaded one)."""

    # -- the queue --------------------------------------------------------------------------

    def submit(self, label: str, owner: str, total: int) -> Job:
        """A new job at the end of its model's queue."""
        with self._cond:
            job = Job(next(self._ids), label, owner, total)
            self._queues[label].append(job)
            self._jobs.append(job)
            self._prune()
            return job

    def ahead(self, job: Job) -> int:
        """Jobs before this one in its model's queue (0: its turn)."""
        with self._cond:
            queue = self._queues[job.label]
            return queue.index(job) if job in queue else 0

    @contextmanager
    def turn(self, job: Job, on_wait: Callable[[int], None] | None = None, poll_s: float = 0.5) -> Iterator[None]:
        """Wait until ``job`` is first in its model's queue, run the block, then hand over to the next."""
        try:
            with self._cond:
                while self._queues[job.label][0] is not job:
                    if on_wait is not None:
                        ahead = self._queues[job.label].index(job)
                        self._cond.release()
                        try:
                            on_wait(ahead)
                        finally:
                            self._cond.acquire()
                    self._cond.wait(timeout=poll_s)
                self._busy.add(job.label)
            yield
        except BaseException:
            self.finish(job, FAILED)
            raise
        finally:
            with self._cond:
                queue = self._queues[job.label]
                if job in queue:
                    was_head = queue[0] is job
                    queue.remove(job)
                    if was_head:
                        self._busy.discard(job.label)
                        self._evict()  # a model kept over the bound while it ran goes now
                if job.active:
                    job.state = DONE
                    job.finished_at = time.monotonic()
                self._cond.notify_all()

    def finish(self, job: Job, state: str, detail: str = "") -> None:
        with self._cond:
            job.state, job.finished_at = state, time.monotonic()
            if detail:
                job.detail = detail

    def snapshot(self, owner: str | None = None) -> list[list[str]]:
        """model, state, progress, whose: the active jobs and the recently finished ones, oldest first."""
        with self._cond:
            self._prune()
            rows = []
            for job in self._jobs:
                state = job.state
                if state == WAITING:
                    ahead = self._queues[job.label].index(job) if job in self._queues[job.label] else 0
                    state = f"waiting ({ahead} ahead)"
                detail = f"{job.done}/{job.total} photos" + (f"; {job.detail}" if job.detail else "")
                whose = "you" if job.owner == owner else "the HTTP API" if job.owner == API_OWNER else "another page"
                rows.append([job.label, state, detail, whose])
            return rows

    def _prune(self) -> None:
        now = time.monotonic()
        self._jobs = [j for j in self._jobs if j.active or (j.finished_at or now) > now - SHOW_FINISHED_S]

    # -- loaded models ----------------------------------------------------------------------

    def model(self, job: Job, say: Callable[[str], None] | None = None) -> Any:
        """The model of ``job`` (during its turn): kept from an earlier job, or loaded now."""
        label = job.label
        with self._cond:
            if label in self._models:
                self._models.move_to_end(label)
                return self._models[label]
            job.state = LOADING

        def report(text: str) -> None:
            job.detail = text
            if say is not None:
                say(text)

        with self._loading[label]:
            model = self._loader(label, report)
        with self._cond:
            self.loads += 1
            self._models[label] = model
            self._models.move_to_end(label)
            self._evict()
            job.detail = ""
        return model

    def loaded(self) -> list[str]:
        """Labels of the models in memory, least recently used first."""
        with self._cond:
            return list(self._models)

    def _evict(self) -> None:
        for label in list(self._models):
            if len(self._models) <= self.max_models:
                return
            if label not in self._busy:
                del self._models[label]
        # every model left is running a job: they stay over the bound until their turn ends

    def start(self, job: Job) -> None:
        with self._cond:
            job.state = RUNNING

    def advance(self, job: Job) -> None:
        with self._cond:
            job.done += 1
