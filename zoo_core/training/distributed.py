"""One process or many: rank, world size and device under ``torchrun``, DDP wrapping, barriers.

On one process every function here is a no-op, so the loop reads the same either way; under
``torchrun`` (``WORLD_SIZE`` > 1) the process group is NCCL on GPUs and Gloo on CPUs, and rank 0
alone writes files and prints.
"""

from __future__ import annotations

import dataclasses
import os

import torch
import torch.distributed as dist
from torch import nn

from ..render.devices import pick_device


@dataclasses.dataclass(frozen=True)
class Cluster:
    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0

    def wrap(self, module: nn.Module) -> nn.Module:
        """``module`` under DistributedDataParallel, or as it is on one process."""
        if self.world == 1:
            return module
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def close(self) -> None:
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def join(device_name: str) -> Cluster:
    """This process's place: rank 0 of 1 on the chosen device, or its rank under ``torchrun``."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Cluster(0, 1, pick_device(device_name))
    rank = int(os.environ["RANK"])
    device = pick_device(device_name)
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Cluster(rank, world, device)


def rank() -> int:
    """This process's rank under ``torchrun`` (0 otherwise), without joining a process group."""
    return int(os.environ.get("RANK", "0"))
