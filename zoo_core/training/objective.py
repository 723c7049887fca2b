"""What a run optimizes: the model it starts from (new, ``--init`` weights, or a checkpoint), the loss
(checked against the model's output and given what it needs) and the model's training step.

A loss declares what it needs (``LossSpec.needs``): ``"prior"``, the color distribution of the training
photos, is computed here (or read from ``--prior``); anything else must be provided by the model's
``TrainingStep`` (``provides``, e.g. a GAN step's discriminator).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from ..color.priors import compute_prior, load_prior, save_prior
from ..errors import ColorzooError
from ..models.build import build_model, instantiate, load_model_dir
from ..models.colorizer import Colorizer
from ..plugins.registry import get_loss_spec, losses_for, split_model_name
from ..spec import LossSpec, ModelSpec, resolve
from ..weights.resolve import resolve_weights
from .config import CHECKPOINT_NAME, TrainConfig
from .step import TrainingStep


def starting_model(spec: ModelSpec, cfg: TrainConfig, checkpoint: dict[str, Any] | None) -> Colorizer:
    """The checkpoint's model (resume), the ``--init`` weights (fine-tuning), or a new model."""
    overrides = dict(cfg.overrides)
    if checkpoint is not None:
        where = f"{Path(cfg.out) / CHECKPOINT_NAME}"
        config = spec.model_class.config_class.from_dict(json.loads(checkpoint["config"]), where=where)
        model = instantiate(spec, config, where=where, weights_follow=True)
        model.load_state_dict(checkpoint["model"])
        return model
    if cfg.init is not None:
        init_path = Path(cfg.init)
        if not init_path.exists():  # a model name (or MODEL.TAG): its available weights
            init_spec, tag = split_model_name(cfg.init)
            resolved = resolve_weights(init_spec, tag)
            init_path = resolved.path
            cfg.init = resolved.label  # train_config.json records what ran: the weight set, a Hub id's commit
        return load_model_dir(spec, init_path, overrides=overrides)
    try:
        try:
            return build_model(spec, **{**spec.train_config, **overrides})
        except ColorzooError as exc:  # the spec's preferred start (ImageNet weights) cannot be had
            preferred = {k: v for k, v in spec.train_config.items() if k not in overrides}
            if not preferred:
                raise
            warnings.warn(f"{exc}; training {spec.name} without {', '.join(preferred)}", stacklevel=2)
            return build_model(spec, **overrides)
    except TypeError as exc:  # an unknown config field
        raise ColorzooError(f"--set: {spec.name} has no such config field ({exc})") from None


def loss_spec_for(spec: ModelSpec, cfg: TrainConfig) -> LossSpec:
    """The loss the run uses, which must fit the model's output."""
    name = cfg.loss or spec.default_loss
    if name is None:
        raise ColorzooError(f"{spec.name} declares no default loss; pass --loss")
    loss_spec = get_loss_spec(name)
    fitting = losses_for(spec)
    if loss_spec not in fitting:
        raise ColorzooError(
            f"loss {name} does not fit {spec.name} (it trains on {spec.output} output with "
            f"{', '.join(s.name for s in fitting) or 'no registered loss'})"
        )
    return loss_spec


def step_class_for(spec: ModelSpec, loss_spec: LossSpec) -> type[TrainingStep]:
    """The model's training step, which must provide what the loss needs (besides the prior)."""
    step_class: type[TrainingStep] = resolve(spec.training_step) if spec.training_step else TrainingStep
    missing = [n for n in loss_spec.needs if n != "prior" and n not in step_class.provides]
    if missing:
        raise ColorzooError(
            f"loss {loss_spec.name} needs a {', '.join(missing)}, which {spec.name}'s training step does not provide"
        )
    return step_class


def build_loss(loss_spec: LossSpec, cfg: TrainConfig, train_files: list[Path], out: Path | None) -> Any:
    """The loss with its options; a prior when it needs one (``--prior``, else the training photos' own)."""
    options: dict[str, Any] = dict(cfg.loss_options)
    if "prior" in loss_spec.needs and "prior" not in options:
        if cfg.prior is not None:
            try:
                options["prior"] = load_prior(cfg.prior)
            except ValueError as exc:
                raise ColorzooError(str(exc)) from None
        else:  # rebalanced on your own data: the training images' own prior
            counts, tally = compute_prior(train_files)
            if out is not None:
                save_prior(out / "priors.json", counts, tally)
            options["prior"] = counts / counts.sum()
    try:
        return loss_spec.build(**options)
    except (TypeError, ValueError) as exc:  # an unknown loss option, or a bad value
        raise ColorzooError(f"loss {loss_spec.name}: {exc}") from None
