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


def test_forcing_curves_leave_out_positions_no_caption_reaches_and_keep_the_legend_off_the_axes():
    fig = draw_forcing_curves(np.array([1.0, 0.8, 0.0, 0.0]), np.array([1.0, 0.7, 0.7, 0.7]),
                              counted=np.array([5, 5, 0, 0]))
    ax = fig.axes[0]
    assert all(len(line.get_xdata()) == 2 for line in ax.get_lines())
    fig.canvas.draw()
    legend, axes = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y1 <= axes.y0  # below the axes, not over the curves
    plt.close("all")


def test_attention_panels_share_one_scale_and_titles_are_readable():
    maps = np.full((3, 8, 8), 1 / 64)
    maps[1, 0, 0] = 0.5
    fig = draw_attention(IMAGES[0], ["a", "circle"], maps)
    overlays = [ax.get_images()[1] for ax in fig.axes[1:]]
    assert {im.get_clim() for im in overlays} == {(0, 0.5)}
    assert "0.500" in fig._suptitle.get_text() and "1/64" in fig._suptitle.get_text()
    assert min(ax.title.get_fontsize() for ax in fig.axes) >= 10
    plt.close("all")


def test_caption_grid_titles_stay_clear_of_the_panel_above():
    long = "a large yellow triangle is to the left of a small green square"
    fig = draw_caption_grid(IMAGES[:2].repeat(4, 0)[:8], [long] * 8, ncols=4)
    fig.canvas.draw()
    above, below = fig.axes[0], fig.axes[4]
    assert below.title.get_window_extent().y1 < above.get_window_extent().y0
    assert min(ax.title.get_fontsize() for ax in fig.axes) >= 10
    plt.close("all")
