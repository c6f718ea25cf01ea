"""Shared plotting helpers for the notebooks: setup (figures shown as PNGs that record their smallest text,
rnnlib.pngtext), annotated heatmaps, RNN diagrams.

One figure convention for every drawing function in rnnlib:
- a function that draws a whole figure is `draw_<what>(data..., fig=None)`: it draws into `fig`
  (a matplotlib Figure, e.g. the one rnnlib.widgets.render_png hands it) or, when fig is None, into a
  new pyplot figure of its own size (figure_or_new), and returns the Figure;
- a function that draws one panel takes the Axes first, `f(ax, data...)`, and returns nothing
  (annotated_heatmap, draw_rnn_chain, rnnlib.jacobians.draw_gradient_decay).
"""
from __future__ import annotations

import base64
import struct

import numpy as np

from .pngtext import TEXT_SIZE_KEY, save_png, smallest_text_px

__all__ = [
    "figure_or_new",
    "notebook_setup",
    "describe_figure",
    "TEXT_SIZE_KEY",
    "save_png",
    "smallest_text_px",
    "annotated_heatmap",
    "draw_rnn_chain",
    "draw_unrolled_graph",
    "draw_forward_step",
    "draw_architectures",
]


def figure_or_new(fig, figsize):
    """`fig` itself, or a new pyplot Figure of figsize (inches) when fig is None: the one place that
    decides where a draw_* function draws."""
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize)
    return fig


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


def _inline_png(fig):
    """The inline backend's "retina" PNG of fig (2 x figure.dpi, shown at 1 x, its print settings), made by
    save_png: (base64 text, {"width", "height"}), or None for an empty figure, as IPython's retina formatter."""
    from matplotlib_inline.backend_inline import InlineBackend

    if not fig.axes and not fig.lines:
        return None
    kwargs = {"facecolor": fig.get_facecolor(), "edgecolor": fig.get_edgecolor(), "bbox_inches": "tight",
              **InlineBackend.instance().print_figure_kwargs}
    png = save_png(fig, 2 * fig.dpi, **kwargs)
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    return base64.b64encode(png).decode("ascii"), {"width": width // 2, "height": height // 2}


def notebook_setup(precision=4):
    """Call once in a notebook's setup cell: rounded numpy printing and sharp, readable figures.

    - np.set_printoptions(precision=precision, suppress=True), so printed arrays are stable.
    - Figures are laid out at 80 dpi (their display size in CSS pixels: a 9-inch figure is 720 px
      wide) and, in IPython, rendered at twice that ("retina" PNGs whose stored width/height keep
      the display size), so they are sharp on HiDPI screens; each PNG records the smallest text it
      draws (save_png), which the slides test checks against the size the slide shows it at.
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
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")  # PNG at 2 x figure.dpi, shown at 1 x ...
        ip.display_formatter.formatters["image/png"].for_type(Figure, _inline_png)  # ... made by save_png
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


# ---- RNN diagrams: boxes for x_t (red, bottom), h_t (green, middle), y_t (blue, top) -------------

_FILL = {"x": "#f6b3b3", "h": "#a8dca8", "y": "#b3cef6", "h0": "#e4e4e4"}
_WEIGHT_COLORS = {"W_xh": "#b22222", "W_hh": "#1b7a1b", "W_hy": "#1f4fa8"}
_STEP, _ROW, _BOX = 1.5, 1.3, 0.8  # column spacing, row spacing, box size (data units)


def _box(ax, cx, cy, text, kind):
    from matplotlib.patches import FancyBboxPatch

    half = _BOX / 2
    ax.add_patch(FancyBboxPatch((cx - half, cy - half), _BOX, _BOX, boxstyle="round,pad=0.03",
                                fc=_FILL[kind], ec="black", lw=1))
    ax.text(cx, cy, text, ha="center", va="center", fontsize=10)


def _arrow(ax, start, end, weight=None):
    color = _WEIGHT_COLORS.get(weight, "black")
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, shrinkA=0, shrinkB=0))
    if weight:
        sub = weight.split("_")[1]
        vertical = start[0] == end[0]
        ax.text((start[0] + end[0]) / 2 + (0.08 if vertical else 0), (start[1] + end[1]) / 2 + (0 if vertical else 0.12),
                f"$W_{{{sub}}}$", color=color, fontsize=9, ha="left" if vertical else "center",
                va="center" if vertical else "bottom")


def draw_rnn_chain(ax, n_steps, inputs, outputs, x_labels=None, y_labels=None, weights=False, h0=False, title=None):
    """Draw an unrolled RNN as boxes: hidden states in a row, inputs below, outputs above.

    Inputs:
    - ax: the Axes to draw into (its axis lines are turned off).
    - n_steps: number of hidden-state boxes (time steps).
    - inputs, outputs: collections of 0-based steps that receive an input / emit an output.
    - x_labels, y_labels: optional dicts step -> extra text under x_t / y_t (e.g. the letter).
    - weights: write W_xh, W_hh, W_hy on the arrows (one colour per matrix: the same W every step).
    - h0: draw the initial state h_0 on the left.
    - title: the Axes title.
    Returns: ax.
    """
    half = _BOX / 2
    x_labels, y_labels = x_labels or {}, y_labels or {}
    for t in range(n_steps):
        cx = t * _STEP
        _box(ax, cx, _ROW, f"$h_{{{t + 1}}}$", "h")
        if t in inputs:
            _box(ax, cx, 0, f"$x_{{{t + 1}}}$" + (f"\n{x_labels[t]}" if t in x_labels else ""), "x")
            _arrow(ax, (cx, half), (cx, _ROW - half), "W_xh" if weights else None)
        if t in outputs:
            _box(ax, cx, 2 * _ROW, f"$y_{{{t + 1}}}$" + (f"\n{y_labels[t]}" if t in y_labels else ""), "y")
            _arrow(ax, (cx, _ROW + half), (cx, 2 * _ROW - half), "W_hy" if weights else None)
        if t > 0 or h0:
            if t == 0:
                _box(ax, -_STEP, _ROW, "$h_0$", "h0")
            _arrow(ax, (cx - _STEP + half, _ROW), (cx - half, _ROW), "W_hh" if weights else None)
    left = -_STEP if h0 else 0
    ax.set_xlim(left - 0.6, (n_steps - 1) * _STEP + 0.6)
    ax.set_ylim(-0.6, 2 * _ROW + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def draw_unrolled_graph(trace, fig=None, target=None):
    """The unrolled computational graph for one word: the same W_xh, W_hh, W_hy at every step.

    Inputs:
    - trace: a rnnlib.trace.ForwardTrace (its word labels the inputs and its predictions the outputs).
    - fig: an optional Figure to draw into (default: a new pyplot figure).
    - target: optional symbol that the last output should predict (e.g. 's' after 'dog'); written
      beside y_T, in green if the prediction matches it and in red if not.
    Returns: the Figure.
    """

    T = len(trace.word)
    if target is not None and target not in trace.symbols:
        raise ValueError(f"target must be one of the symbols {', '.join(trace.symbols)}; got {target!r}")
    extra = 1.4 if target is not None else 0.0  # room on the right for the target label
    fig = figure_or_new(fig, (2.8 + 1.6 * T + extra, 4.2))
    ax = fig.add_subplot()
    draw_rnn_chain(ax, T, range(T), range(T), weights=True, h0=True,
                   x_labels={t: f"'{c}'" for t, c in enumerate(trace.word)},
                   y_labels={t: f"→ '{c}'" for t, c in enumerate(trace.predictions)})
    if target is not None:
        right = (T - 1) * _STEP + _BOX / 2
        hit = trace.predictions[-1] == target
        ax.text(right + 0.15, 2 * _ROW, f"target '{target}'\n({'right' if hit else 'wrong'})", ha="left",
                va="center", fontsize=10, color="#1b7a1b" if hit else "#b22222")
        ax.set_xlim(ax.get_xlim()[0], ax.get_xlim()[1] + extra)
    fig.suptitle(f"The RNN unrolled over '{trace.word}': one set of weights, reused at every step")
    return fig


def draw_forward_step(trace, t, fig=None):
    """One step of a ForwardTrace as annotated column heatmaps: x_t, h_{t-1}, a_t, h_t, z_t, y_t.

    Inputs:
    - trace: rnnlib.trace.ForwardTrace.
    - t: the step, 1-based as in the equations (1 <= t <= T).
    - fig: optional Figure to draw into (a matplotlib.figure.Figure keeps it out of pyplot, as the
      widget needs); default a new pyplot figure.
    Returns: the Figure (suptitle names the letter read and the prediction).
    """
    T = len(trace.word)
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= T:
        raise ValueError(f"t must be a step between 1 and T = {T} for the word {trace.word!r}; got {t!r}")
    fig = figure_or_new(fig, (9, 3.4))
    i = int(t) - 1
    hidden = [f"unit {k + 1}" for k in range(trace.h.shape[1])]
    panels = [
        (trace.x[i], trace.symbols, f"$x_{{{t}}}$ = '{trace.word[i]}'", "{:.0f}", 1.0),
        (trace.h_prev[i], hidden, f"$h_{{{t - 1}}}$", "{:.2f}", 1.0),
        (trace.a[i], hidden, f"$a_{{{t}}}$", "{:.2f}", float(np.abs(trace.a).max()) or 1.0),
        (trace.h[i], hidden, f"$h_{{{t}}}=\\tanh(a_{{{t}}})$", "{:.2f}", 1.0),
        (trace.z[i], trace.symbols, f"$z_{{{t}}}=W_{{hy}}h_{{{t}}}$", "{:.2f}", float(np.abs(trace.z).max()) or 1.0),
        (trace.y[i], trace.symbols, f"$y_{{{t}}}=$softmax$(z_{{{t}}})$", "{:.2f}", 1.0),
    ]
    axes = fig.subplots(1, len(panels))
    for ax, (values, labels, title, fmt, vmax) in zip(axes, panels):
        annotated_heatmap(ax, values, row_labels=labels, title=title, fmt=fmt, vmax=vmax)
    best = int(trace.y[i].argmax())
    fig.suptitle(f"step t = {t}: read '{trace.word[i]}', predict '{trace.symbols[best]}' "
                 f"(p = {trace.y[i, best]:.2f})")
    fig.tight_layout()
    return fig


ARCHITECTURES = (
    # (name, example task, steps, steps with an input, steps with an output)
    ("one-to-one", "image classification", 1, (0,), (0,)),
    ("one-to-many", "image captioning", 3, (0,), (0, 1, 2)),
    ("many-to-one", "sentiment classification", 3, (0, 1, 2), (2,)),
    ("many-to-many (encoder-decoder)", "machine translation", 5, (0, 1, 2), (3, 4)),
    ("many-to-many (synced)", "per-frame video classification", 3, (0, 1, 2), (0, 1, 2)),
)


def draw_architectures(fig=None):
    """The five input/output patterns of recurrent networks, each with an example task.

    Inputs: fig, an optional Figure (default: a new pyplot figure).
    Returns: the Figure, one panel per entry of ARCHITECTURES.
    """

    # Each panel is as wide (in data units) as its ratio, so every box is drawn at the same scale.
    widths = [max((n - 1) * _STEP + 1.2, 4.6) for _, _, n, _, _ in ARCHITECTURES]
    fig = figure_or_new(fig, (15, 3.2))
    axes = fig.subplots(1, len(ARCHITECTURES), gridspec_kw={"width_ratios": widths, "wspace": 0.05})
    fig.subplots_adjust(left=0.01, right=0.98, bottom=0.02, top=0.8)
    for ax, width, (name, task, n, ins, outs) in zip(axes, widths, ARCHITECTURES):
        draw_rnn_chain(ax, n, ins, outs, title=f"{name}\ne.g. {task}")
        middle = (n - 1) * _STEP / 2
        ax.set_xlim(middle - width / 2, middle + width / 2)
    fig.suptitle("Recurrent architectures: inputs (red, bottom), hidden states (green), outputs (blue, top)")
    return fig
