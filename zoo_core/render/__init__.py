"""The one rendering path (working size -> model -> upsampled color + full-resolution lightness),
devices and precision, and colorizing batches of files."""
