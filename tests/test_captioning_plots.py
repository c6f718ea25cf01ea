"""The caption figures follow the figure convention: draw_<what>(data..., fig=None) -> the Figure drawn into."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlib.captioning.plots import draw_attention, draw_caption_grid, draw_forcing_curves, draw_saliency, upsample

IMAGES = np.random.default_rng(0).random((3, 32, 32, 3)).astype(np.float32)
MAPS = np.full((3, 8, 8), 1 / 64)

DRAWINGS = {
    "caption_grid": (lambda fig: draw_caption_grid(IMAGES, ["a red circle", ["a", "blue", "square"], "a"], fig=fig,
                                                   ncols=2, suptitle="three"), 3),
    "attention": (lambda fig: draw_attention(IMAGES[0], ["a", "circle"], MAPS, fig=fig), 4),
    "saliency": (lambda fig: draw_saliency(IMAGES[0], IMAGES[0, :, :, 0], MAPS[0], "circle", fig=fig), 3),
    "forcing_curves": (lambda fig: draw_forcing_curves(np.array([1.0, 0.8, 0.5]), np.array([1.0, 0.7, 0.3]), fig=fig), 1),
}


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_draw_returns_the_figure_it_drew_into(name):
    draw, panels = DRAWINGS[name]
    new = draw(None)  # a figure of its own
    given = plt.figure()
    assert draw(given) is given
    assert len(new.axes) == len(given.axes) == panels
    plt.close("all")


def test_upsample():
    grid = np.arange(4.0).reshape(2, 2)
    np.testing.assert_array_equal(upsample(grid, 4)[::2, ::2], grid)
    with pytest.raises(ValueError, match="size must be a multiple of the grid side 2"):
        upsample(grid, 5)
