"""The Zhang family's run-time controls, as plain data (no torch): the annealed-mean temperature, the
caution of the decoding, and the user hints of zhang-siggraph17 (colored points, or an image whose
opaque pixels are hints)."""

from __future__ import annotations

from typing import Any

from zoo_core import Control, ControlType, parse_image

#: The paper's annealed-mean temperature (ECCV16, section 3.3).
PAPER_TEMPERATURE = 0.38

#: Temperatures ``colorzoo compare --sweep`` measures (0.01: nearly the mode, 1: the mean).
SWEEP = (0.01, 0.05, 0.1, 0.2, PAPER_TEMPERATURE, 0.5, 0.75, 1.0)

_TEMPERATURE_HELP = "annealed-mean temperature: 0 takes the mode (vivid), 1 the mean (desaturated)"

TEMPERATURE = Control(
    name="temperature", type="float", default=PAPER_TEMPERATURE, help=_TEMPERATURE_HELP, minimum=0.0,
    sweep=SWEEP, shortcut=True,
)

# zhang-rebal-lite's weights record their temperature in config.json (tuned on the tuning split).
LITE_TEMPERATURE = Control(
    name="temperature", type="float", default=None, minimum=0.0, sweep=SWEEP, shortcut=True,
    help=f"{_TEMPERATURE_HELP}; default: the weights' config (0.6 for the bundled compact; else "
         f"{PAPER_TEMPERATURE})",
)

CAUTION = Control(
    name="caution", type="float", default=None, minimum=0.0, maximum=8.0,
    help="fall back toward gray where the model is unsure of a color: the chroma is multiplied by "
         "certainty ** caution (certainty: 1 - the normalized entropy over the bins); 0 off; default: "
         "the weights' config (0 unless tuned for them)",
)

#: The controls of every model that classifies over the 313 bins.
BIN_CONTROLS = (TEMPERATURE, CAUTION)
LITE_CONTROLS = (LITE_TEMPERATURE, CAUTION)


def hint_image(value: Any) -> Any:
    """A PNG (or any image with transparency) whose opaque pixels are the hints, in the photo's pixels."""
    photo = parse_image(value)
    if photo.alpha is None:
        raise ValueError(f"{photo.path}: a hint image needs transparency (its opaque pixels are the hints)")
    if not (photo.alpha > 0).any():
        raise ValueError(f"{photo.path}: the hint image has no opaque pixel")
    return photo


HINT_IMAGE = ControlType(name="image with transparency", parse=hint_image, widget="image")

HINT_CONTROLS = (
    Control(name="hint", type="point-color", repeatable=True,
            help="a user hint: this color at pixel X,Y of the photo (repeatable)"),
    Control(name="hint_image", type=HINT_IMAGE, help="an image of the photo's size whose opaque pixels are hints"),
    Control(name="hint_size", type="int", default=5, minimum=1, maximum=31,
            help="side of the square each hint point paints, in working-size pixels"),
)
