"""Residual-encoder colorization with an editable palette, as a colorzoo plugin."""

from .model import ResencColorizer, ResencConfig

__all__ = ["ResencColorizer", "ResencConfig"]
