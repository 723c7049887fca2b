"""The optional model families colorzoo knows of, for ``colorzoo list`` to say how to add them.

Plain data: each entry is a distribution and the ``colorzoo[...]`` extra that installs it (the
default family comes with plain ``colorzoo``; ``colorzoo-core`` alone has no models).
A family that is installed is listed by its plugin instead.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Family:
    name: str
    distribution: str
    extra: str
    models: str

    @property
    def pip_command(self) -> str:
        return f'pip install "colorzoo[{self.extra}]"' if self.extra else "pip install colorzoo"


FAMILIES = (
    Family("Zhang ECCV16 / SIGGRAPH17 (the default)", "colorzoo-zhang", "", "zhang-*"),
    Family("pix2pix cGAN", "colorzoo-pix2pix", "gan", "pix2pix-*"),
    Family("Deep Koalarization", "colorzoo-koalarization", "koala", "koala-*"),
    Family("residual encoder + palette", "colorzoo-resenc", "resenc", "resenc-*"),
    Family("DDColor", "colorzoo-ddcolor", "ddcolor", "ddcolor, ddcolor-tiny"),
    Family("DeOldify", "colorzoo-deoldify", "deoldify", "deoldify-artistic, -stable, -video"),
)


def missing_families(installed: set[str]) -> list[Family]:
    return [f for f in FAMILIES if f.distribution not in installed]
