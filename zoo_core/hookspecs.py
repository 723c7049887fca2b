"""The hooks a colorzoo plugin implements. Built-in plugins use exactly these too.

A plugin is a module (or object) with functions decorated by ``@hookimpl``, advertised by an
entry point in the ``colorzoo`` group. See CONTRIBUTING.md.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("colorzoo")
hookimpl = pluggy.HookimplMarker("colorzoo")


@hookspec
def register_colorizers(register):  # type: ignore[no-untyped-def]
    """Call ``register(ModelSpec(...))`` once for each model name the plugin provides."""


@hookspec
def register_losses(register):  # type: ignore[no-untyped-def]
    """Call ``register(LossSpec(...))`` once for each loss the plugin provides."""


@hookspec(firstresult=True)
def training_step(spec, model, loss, lr, total_steps, autocast):  # type: ignore[no-untyped-def]
    """Return a ``TrainingStep`` for this model, or None to use the default one.

    For models whose training is more than one loss and one optimizer: a GAN's two
    optimizers, alternating updates, a generator-only warm-up. The core still owns the loop,
    devices, AMP, logging, evaluation and checkpoints.
    """
