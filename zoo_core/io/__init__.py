"""Files in and out: decoding and encoding images, finding inputs, atomic writes, grids and plots.

The bottom layer: nothing here imports torch or any other part of zoo_core but ``errors``.
"""
