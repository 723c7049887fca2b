"""DDColor's run-time control and the sizes it states once (plain data, no torch)."""

from __future__ import annotations

from zoo_core import Control

#: The side of the square the release runs at.
INPUT_SIZE = 512
#: Working sizes must be multiples of this: the ConvNeXt encoder downsamples five times.
SIZE_MULTIPLE = 32

INPUT_SIZE_CONTROL = Control(
    name="input_size", type="int", default=INPUT_SIZE, minimum=64, maximum=2048, step=SIZE_MULTIPLE,
    help=f"the square the model sees (the release uses {INPUT_SIZE}): larger is more detail, slower",
)
