"""Shared plotting helpers for the notebooks: setup, annotated heatmaps."""
from __future__ import annotations

import numpy as np

__all__ = ["notebook_setup", "describe_figure", "annotated_heatmap"]


def describe_figure(fig):
    """A one-line text stand-in for a figure: its title(s) and panel count.

    Used as the figure's text/plain output in notebooks, so that text renderers (and nbval, which
    compares text but not PNGs) see what the figure shows instead of "<Figure size 640x480 ...>".
    """
    titles = []
    if fig._suptitle is not None and fig._suptitle.get_text():
        titles.append(fig._suptitle.get_text())
    else:
        titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    panels = sum(1 for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>")
    label = "; ".join(titles[:3]) + (" ..." if len(titles) > 3 else "")
    return f"[figure: {label or 'untitled'} ({panels} panel{'s' if panels != 1 else ''})]"


def notebook_setup(precision=4):
    """Call once in a notebook's setup cell: rounded numpy printing and readable figure text.

    - np.set_printoptions(precision=precision, suppress=True), so printed arrays are stable.
    - Figures shown by plt.show() get describe_figure(fig) as their plain-text form.
    Does nothing to plots outside IPython.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    np.set_printoptions(precision=precision, suppress=True)
    plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.max_open_warning": 0})
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing else to set up
        return
    ip = get_ipython()
    if ip is not None:
        formatter = ip.display_formatter.formatters["text/plain"]
        formatter.for_type(Figure, lambda fig, p, cycle: p.text(describe_figure(fig)))


def annotated_heatmap(ax, values, row_labels=None, col_labels=None, title=None, fmt="{:.2f}", cmap="RdBu_r", vmax=None):
    """Draw a matrix (or a vector as one column) as a heatmap with each value written in its cell.

    Inputs: ax, values (R, C) or (R,), optional labels, a title and the number format.
    Returns: the AxesImage.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"values must be a vector or a matrix; got shape {values.shape}")
    if vmax is None:
        vmax = float(np.abs(values).max()) or 1.0
    image = ax.imshow(values, cmap=cmap, vmin=-vmax, vmax=vmax)
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=9,
                color="white" if abs(v) > 0.6 * vmax else "black")
    ax.set_xticks(range(values.shape[1]), col_labels if col_labels is not None else [""] * values.shape[1])
    ax.set_yticks(range(values.shape[0]), row_labels if row_labels is not None else [""] * values.shape[0])
    if title:
        ax.set_title(title)
    return image
