"""Running ``colorzoo run`` on Ray: one machine or a cluster, resumable (``colorzoo[ray]``).

``engine`` builds the pipeline (Ray Data: decode in CPU tasks, colorize in an actor pool, write
in tasks) from the local engine's own steps; ``storage`` lists inputs and reads and writes URIs;
``manifest`` keeps the per-input record that makes long runs resumable. Ray is imported only
when a run starts, so ``import zoo_core`` and ``colorzoo --help`` do not pay for it::

    from zoo_core.distributed import colorize_files_ray, list_inputs

    found = list_inputs(["scans/", "more.txt", "s3://archive/box7/"])
    report = colorize_files_ray("zhang-rebal", found.files, "colorized/", workers=4, gpus_per_worker=1,
                                listing_failures=found.failures)
"""

from __future__ import annotations

from typing import Any

RAY_MISSING = 'the ray engine needs Ray: pip install "colorzoo[ray]"'


def colorize_files_ray(*args: Any, **kwargs: Any) -> Any:
    """See ``zoo_core.distributed.engine.colorize_files_ray``."""
    from .engine import colorize_files_ray as run

    return run(*args, **kwargs)


def list_inputs(*args: Any, **kwargs: Any) -> Any:
    """See ``zoo_core.distributed.storage.list_inputs``."""
    from .storage import list_inputs as listing

    return listing(*args, **kwargs)
