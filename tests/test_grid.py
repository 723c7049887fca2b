import numpy as np

from zoo_core.io.grid import image_grid, save_grid


def test_grid_layout(tmp_path):
    wide = np.full((50, 100, 3), 255, dtype=np.uint8)
    tall = np.zeros((100, 50, 4), dtype=np.uint8)
    grid = image_grid([[wide, tall], [tall, wide]], ["a", "b"], cell_height=40, gap=2)
    # columns as wide as their widest cell (80 px at height 40), a title strip on top
    assert grid.size == (2 + 80 + 2 + 80 + 2, 22 + 2 * (40 + 2) + 2)
    pixels = np.asarray(grid)
    assert pixels[22 + 2 + 20, 2 + 40].tolist() == [255, 255, 255]  # the white wide image
    assert pixels[22 + 2 + 42 + 20, 2 + 40].tolist() == [0, 0, 0]  # the black tall image, centered
    path = save_grid(grid, tmp_path / "grid.png")
    assert path.is_file() and not list(tmp_path.glob(".*tmp"))
