"""Figures for the caption world: image grids with captions, attention maps word by word, saliency,
and the teacher-forcing / free-running curves. Each follows rnnlib.plotting's figure convention:
draw_<what>(data..., fig=None) draws into fig (or a new figure, figure_or_new) and returns the Figure;
nothing here calls plt.show().
"""
from __future__ import annotations

import textwrap

import numpy as np

from ..plotting import figure_or_new

__all__ = ["draw_caption_grid", "attention_grid", "draw_attention", "draw_saliency", "draw_forcing_curves", "upsample"]


def upsample(grid, size):
    """Nearest-neighbour upsampling of a (g, g) map to (size, size) (size a multiple of g)."""
    g = grid.shape[0]
    if size % g:
        raise ValueError(f"size must be a multiple of the grid side {g}; got {size}")
    return np.kron(grid, np.ones((size // g, size // g)))


TITLE_PT = 10  # panel titles: about 11 CSS px on a slide (figures are laid out at 80 dpi)


def draw_caption_grid(images, captions, fig=None, ncols=4, colours=None, suptitle=None, width=24):
    """Images in a grid, each titled by its caption (a string or a word list); colours: per-title colours.

    Titles wrap at `width` characters; each row is as tall as its longest title needs, so a title never
    runs into the panel above it."""
    n = len(images)
    nrows = -(-n // ncols)
    texts = [cap if isinstance(cap, str) else " ".join(cap) for cap in captions]
    wrapped = ["\n".join(textwrap.wrap(text, width)) for text in texts]
    lines = [max([w.count("\n") + 1 for w in wrapped[r * ncols:(r + 1) * ncols]] or [1]) for r in range(nrows)]
    title_in = TITLE_PT * 1.35 / 72  # inches per title line
    heights = [1.9 + title_in * k + 0.15 for k in lines]
    fig = figure_or_new(fig, (1.95 * ncols, sum(heights) + (0.35 if suptitle else 0)))
    fig.set_layout_engine("constrained", h_pad=0.06, w_pad=0.04)  # lays titles out with their panels
    grid = fig.add_gridspec(nrows, ncols, height_ratios=heights)
    for i, (img, text) in enumerate(zip(images, wrapped)):
        ax = fig.add_subplot(grid[i // ncols, i % ncols])
        ax.imshow(img, interpolation="nearest")
        style = {} if colours is None else {"color": colours[i]}
        ax.set_title(text, fontsize=TITLE_PT, **style)
        ax.set_xticks([])
        ax.set_yticks([])
    if suptitle:
        fig.suptitle(suptitle, fontsize=TITLE_PT + 1)
    return fig


def attention_grid(n_panels, ncols=8):
    """(nrows, ncols, figsize) of draw_attention's layout: n_panels panels (the image and one per word) in rows
    of ncols, each panel 1.2 inches wide; the width is the same for every caption, the height follows the rows."""
    nrows = -(-n_panels // ncols)
    return nrows, ncols, (1.2 * ncols, 1.45 * nrows + 0.45)


def draw_attention(image, words, maps, fig=None, ncols=8):
    """The image, then one panel per predicted word with its attention map laid over it, all on one scale.

    White marks the largest alpha in any panel (printed in the title); a flat map stays a flat grey, so the
    panels can be compared with each other and with uniform attention (1 / number of cells)."""
    labels = list(words) + ["<end>"]
    maps = np.asarray(maps)
    nrows, ncols, figsize = attention_grid(len(labels) + 1, ncols)
    fig = figure_or_new(fig, figsize)
    fig.set_layout_engine("constrained", h_pad=0.03, w_pad=0.03)
    ax = fig.add_subplot(nrows, ncols, 1)
    ax.imshow(image, interpolation="nearest")
    ax.set_title("image", fontsize=TITLE_PT + 1)
    ax.axis("off")
    size, top = image.shape[0], float(maps.max())
    for t, (label, m) in enumerate(zip(labels, maps)):
        ax = fig.add_subplot(nrows, ncols, t + 2)
        ax.imshow(image, interpolation="nearest")
        ax.imshow(upsample(m, size), cmap="gray", alpha=0.65, vmin=0, vmax=top, interpolation="bilinear")
        ax.set_title(label, fontsize=TITLE_PT + 1)
        ax.axis("off")
    cells = maps[0].size
    fig.suptitle(f"attention α before each word, one scale: white = {top:.3f}, uniform = 1/{cells} = {1 / cells:.3f}",
                 fontsize=TITLE_PT + 1)
    return fig


def draw_saliency(image, saliency, attention, word, fig=None):
    """Three panels: the image, the saliency map of one word, and the attention map for the same word (from 0)."""
    fig = figure_or_new(fig, (8, 3.3))
    attention = np.asarray(attention)
    panels = [(image, "image", None), (saliency, f"saliency of '{word}'\n|∂ log p / ∂ pixels|", "magma"),
              (upsample(attention, image.shape[0]), f"attention α before '{word}'\n0 to {attention.max():.3f} "
               f"(uniform {1 / attention.size:.3f})", "magma")]
    for k, (data, title, cmap) in enumerate(panels):
        ax = fig.add_subplot(1, 3, k + 1)
        ax.imshow(data, cmap=cmap, interpolation="nearest", **({} if cmap is None else {"vmin": 0}))
        ax.set_title(title, fontsize=TITLE_PT + 1)
        ax.axis("off")
    fig.tight_layout()
    return fig


def draw_forcing_curves(teacher_acc, free_valid, fig=None, label="", counted=None):
    """Teacher-forced next-word accuracy and its running product, against free-running prefix validity.

    counted (optional, per position): how many captions reach each position; positions no caption reaches
    are left out. The legend sits below the axes, off the curves."""
    teacher_acc, free_valid = np.asarray(teacher_acc, float), np.asarray(free_valid, float)
    keep = np.ones(len(teacher_acc), bool) if counted is None else np.asarray(counted) > 0
    t = np.arange(1, len(teacher_acc) + 1)[keep]
    fig = figure_or_new(fig, (7, 3.7))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(t, teacher_acc[keep], "o-", label="teacher forcing: next word right, given the true prefix")
    ax.plot(t, np.cumprod(teacher_acc)[keep], "s--", label="product of those: all right so far, if errors were independent")
    ax.plot(t, free_valid[keep], "^-", label="free running: own prefix still valid")
    ax.set_xlabel("word position t", fontsize=TITLE_PT + 1)
    ax.set_ylabel("fraction of test captions", fontsize=TITLE_PT + 1)
    ax.tick_params(labelsize=TITLE_PT)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Teacher forcing vs free running {label}".strip(), fontsize=TITLE_PT + 2)
    ax.legend(fontsize=TITLE_PT, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.tight_layout()
    return fig
