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
    prefixes: tuple[str, ...] = ()
    """Model names of the family start with one of these (to point a user at the right extra)."""

    @property
    def pip_command(self) -> str:
        return f'pip install "colorzoo[{self.extra}]"' if self.extra else "pip install colorzoo"


FAMILIES = (
    Family("Zhang ECCV16 / SIGGRAPH17 (the default)", "colorzoo-zhang", "", "zhang-*", ("zhang-",)),
    Family("pix2pix cGAN", "colorzoo-pix2pix", "gan", "pix2pix-*", ("pix2pix-",)),
    Family("Deep Koalarization", "colorzoo-koalarization", "koala", "koala-*", ("koala-",)),
    Family("residual encoder + palette", "colorzoo-resenc", "resenc", "resenc-*", ("resenc-",)),
    Family("DDColor", "colorzoo-ddcolor", "ddcolor", "ddcolor, ddcolor-tiny", ("ddcolor",)),
    Family("DeOldify", "colorzoo-deoldify", "deoldify", "deoldify-artistic, -stable, -video", ("deoldify-",)),
)


def missing_families(installed: set[str]) -> list[Family]:
    return [f for f in FAMILIES if f.distribution not in installed]


def family_of(model: str) -> Family | None:
    """The known family a model name belongs to, by its prefix."""
    return next((f for f in FAMILIES if model.startswith(f.prefixes)), None)
