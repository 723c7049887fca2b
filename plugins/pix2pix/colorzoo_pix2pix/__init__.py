"""pix2pix conditional GAN colorization as a colorzoo plugin."""

from .model import PatchDiscriminator, Pix2PixColorizer, Pix2PixConfig

__all__ = ["PatchDiscriminator", "Pix2PixColorizer", "Pix2PixConfig"]
