"""colorzoo-zhang: Zhang et al., "Colorful Image Colorization" (ECCV 2016), as a colorzoo plugin."""

from .model import ZhangColorizer, ZhangConfig

__all__ = ["ZhangColorizer", "ZhangConfig"]
