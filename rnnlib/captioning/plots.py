"""Figures for the caption world: image grids with captions, attention maps word by word, saliency,
and the teacher-forcing / free-running curves. Each follows rnnlib.plotting's figure convention:
draw_<what>(data..., fig=None) draws into fig (or a new figure, figure_or_new) and returns the Figure;
nothing here calls plt.show().
"""
from __future__ import annotations

import textwrap

import numpy as np

from ..plotting import figure_or_new

__all__ = ["draw_caption_grid", "draw_attention", "draw_saliency", "draw_forcing_curves", "upsample"]


def upsample(grid, size):
    """Nearest-neighbour upsampling of a (g, g) map to (size, size) (size a multiple of g)."""
    g = grid.shape[0]
    if size % g:
        raise ValueError(f"size must be a multiple of the grid side {g}; got {size}")
    return np.kron(grid, np.ones((size // g, size // g)))


def draw_caption_grid(images, captions, fig=None, ncols=4, colours=None, suptitle=None, width=26):
    """Images in a grid, each titled by its caption (a string or a word list); colours: per-title colours."""
    n = len(images)
    nrows = -(-n // ncols)
    fig = figure_or_new(fig, (2.4 * ncols, 2.6 * nrows))
    for i, (img, cap) in enumerate(zip(images, captions)):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.imshow(img, interpolation="nearest")
        text = cap if isinstance(cap, str) else " ".join(cap)
        style = {} if colours is None else {"color": colours[i]}
        ax.set_title("\n".join(textwrap.wrap(text, width)), fontsize=8, **style)
        ax.set_xticks([])
        ax.set_yticks([])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def draw_attention(image, words, maps, fig=None, max_cols=7):
    """The image, then one panel per predicted word with the attention map (side, side) laid over it."""
    labels = list(words) + ["<end>"]
    n = len(labels) + 1
    ncols = min(n, max_cols)
    nrows = -(-n // ncols)
    fig = figure_or_new(fig, (1.7 * ncols, 1.9 * nrows))
    ax = fig.add_subplot(nrows, ncols, 1)
    ax.imshow(image, interpolation="nearest")
    ax.set_title("image", fontsize=9)
    ax.axis("off")
    size = image.shape[0]
    for t, (label, m) in enumerate(zip(labels, maps)):
        ax = fig.add_subplot(nrows, ncols, t + 2)
        ax.imshow(image, interpolation="nearest")
        ax.imshow(upsample(m / m.max(), size), cmap="gray", alpha=0.65, vmin=0, vmax=1, interpolation="bilinear")
        ax.set_title(f"{label} (max α {m.max():.2f})", fontsize=8)
        ax.axis("off")
    fig.suptitle("attention while predicting each word (bright: looked at)", fontsize=10)
    fig.tight_layout()
    return fig


def draw_saliency(image, saliency, attention, word, fig=None):
    """Three panels: the image, the saliency map of one word, and the attention map for the same word."""
    fig = figure_or_new(fig, (8, 2.9))
    panels = [(image, "image", None), (saliency, f"saliency |∂ log p('{word}')/∂ pixels|", "magma"),
              (upsample(attention, image.shape[0]), f"attention α while predicting '{word}'", "magma")]
    for k, (data, title, cmap) in enumerate(panels):
        ax = fig.add_subplot(1, 3, k + 1)
        ax.imshow(data, cmap=cmap, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def draw_forcing_curves(teacher_acc, free_valid, fig=None, label=""):
    """Teacher-forced next-word accuracy and the running product, against free-running prefix validity."""
    fig = figure_or_new(fig, (6, 3.4))
    ax = fig.add_subplot(1, 1, 1)
    t = np.arange(1, len(teacher_acc) + 1)
    ax.plot(t, teacher_acc, "o-", label="teacher forcing: next word right, given the true prefix")
    ax.plot(t, np.cumprod(teacher_acc), "s--", label="product of those: all right so far if errors were independent")
    ax.plot(t, free_valid, "^-", label="free running: own prefix still valid")
    ax.set_xlabel("word position t")
    ax.set_ylabel("fraction of test captions")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Teacher forcing vs free running {label}".strip())
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig
