"""Deep Koalarization as a colorzoo plugin."""

from .model import KoalaColorizer, KoalaConfig

__all__ = ["KoalaColorizer", "KoalaConfig"]
