"""The gate inspector: step through a sequence and watch one LSTM unit's gates i, f, o and its cell c.

Plain functions (unit tested) and one thin ipywidgets wrapper, in the style of rnnlib.widgets:

- `lstm_gate_trace(x, tokens, W_xh, W_hh, b_h)`: run rnnlib.lstm on one sequence, keep every gate;
- `gate_table(trace, t, units)`: the values at step t (or at a list of steps) as a small text table;
- `draw_gates(trace, unit, t, fig)`: i, f, o and c of one unit against the tokens, step t marked;
- `gate_inspector(trace)`: sliders for the step and the unit, the table and the picture (as a PNG
  in an Image widget, so that executing a notebook writes no extra output).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..lstm import lstm_forward

__all__ = ["GateTrace", "lstm_gate_trace", "gate_table", "draw_gates", "gate_inspector"]


class GateTrace(NamedTuple):
    """Every gate of one sequence: arrays (T, H), one row per step."""

    tokens: tuple  # T strings, the input shown at each step
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray


FIGSIZE = (8, 2.8)  # inches: the gate figure, in the notebook and in the inspector
FONT = 10  # points: the smallest text of the gate figure (9 inches wide: legible on a slide)


def lstm_gate_trace(x, tokens, W_xh, W_hh, b_h):
    """Run the numpy LSTM over one sequence from h0 = c0 = 0 and keep its gates.

    Inputs:
    - x: (T, D) inputs (e.g. one-hot rows); tokens: T labels for the steps (strings).
    - W_xh: (4H, D), W_hh: (4H, H), b_h: (4H,) (e.g. from torch_bridge.lstm_params_from_torch).
    Returns: GateTrace with tokens and i, f, g, o, c, h of shape (T, H).
    """
    x = check_array("x", x, ("T", "D"))
    tokens = tuple(str(s) for s in tokens)
    if len(tokens) != x.shape[0]:
        raise ValueError(f"tokens must have one label per step of x (T = {x.shape[0]}); got {len(tokens)}")
    H = np.shape(W_hh)[0] // 4 if np.ndim(W_hh) == 2 else 0  # from the gate axis; lstm_forward checks the rest
    h, cache = lstm_forward(x[None], np.zeros((1, H), dtype=x.dtype), W_xh, W_hh, b_h)
    gates = {k: v[0] for k, v in cache.gates.items()}
    return GateTrace(tokens, gates["i"], gates["f"], gates["g"], gates["o"], cache.c[0], h[0])


def _check_step_unit(trace, t, units):
    T, H = trace.c.shape
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t < T:
        raise ValueError(f"t must be a step in 0..{T - 1}; got {t!r}")
    units = [units] if isinstance(units, (int, np.integer)) else list(units)
    bad = [u for u in units if isinstance(u, bool) or not isinstance(u, (int, np.integer)) or not 0 <= u < H]
    if bad or not units:
        raise ValueError(f"units must be unit indices in 0..{H - 1}; got {units!r}")
    return units


def gate_table(trace, t, units):
    """The gates and cell of some units at step t, as a text table (one row per unit).

    Inputs: trace (GateTrace), t (0-based step, or a list of steps), units (an int or a list of unit indices).
    Returns: str. For one step, "step 3, input 'a'" then rows "unit   i     f     o      c"; for a list of
    steps, one table whose rows "step input unit   i     f     o      c" go step by step, unit by unit.
    """
    if not isinstance(t, (list, tuple, np.ndarray)):
        units = _check_step_unit(trace, t, units)
        lines = [f"step {t}, input {trace.tokens[t]!r}", f"{'unit':>4} {'i':>5} {'f':>5} {'o':>5} {'c':>7}"]
        lines += [_gate_row(trace, t, u) for u in units]
        return "\n".join(lines)
    steps = list(np.asarray(t).ravel()) if isinstance(t, np.ndarray) else list(t)
    if not steps:
        raise ValueError("t must be a step or a non-empty list of steps; got an empty list")
    for step in steps:
        units = _check_step_unit(trace, step, units)
    lines = [f"{'step':>4} {'input':>5} {'unit':>4} {'i':>5} {'f':>5} {'o':>5} {'c':>7}"]
    lines += [f"{step:4d} {trace.tokens[step]!r:>5} " + _gate_row(trace, step, u) for step in steps for u in units]
    return "\n".join(lines)


def _gate_row(trace, t, u):
    return f"{u:4d} {trace.i[t, u]:5.2f} {trace.f[t, u]:5.2f} {trace.o[t, u]:5.2f} {trace.c[t, u]:7.3f}"


def draw_gates(trace, unit, t=None, fig=None):
    """Plot one unit's gates i, f, o (top, in [0, 1]) and cell c (bottom) against the steps.

    Inputs: trace (GateTrace), unit (index), t (step to mark, or None), fig (matplotlib Figure or
    None for a new one). Returns: the figure (two axes).
    """
    _check_step_unit(trace, 0 if t is None else t, unit)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=FIGSIZE)
    top, bottom = fig.subplots(2, 1, sharex=True)
    steps = np.arange(len(trace.tokens))
    for name, color in (("i", "tab:green"), ("f", "tab:blue"), ("o", "tab:orange")):
        top.plot(steps, getattr(trace, name)[:, unit], "o-", ms=3, color=color, label=f"{name} (gate)")
    top.set_ylim(-0.05, 1.05)
    top.set_ylabel("gate")
    top.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=FONT, ncol=3, frameon=False)  # above the axes: gates fill [0, 1]
    top.set_title(f"unit {unit}", loc="left", fontsize=FONT + 1)
    bottom.plot(steps, trace.c[:, unit], "s-", ms=3, color="tab:purple", label="c (cell)")
    bottom.axhline(0, color="gray", lw=0.5)
    bottom.set_ylabel("cell c")
    bottom.set_xticks(steps)
    bottom.set_xticklabels([repr(s)[1:-1] or " " for s in trace.tokens], fontsize=FONT)
    for ax in (top, bottom):
        ax.tick_params(labelsize=FONT)
        ax.yaxis.label.set_fontsize(FONT)
    if t is not None:
        for ax in (top, bottom):
            ax.axvline(t, color="crimson", lw=1.0, alpha=0.6)
    return fig


def gate_inspector(trace, unit=0, t=0):
    """Sliders for the step and the unit; shows gate_table (HTML) and draw_gates (PNG) for them.

    Inputs: trace (GateTrace), the initial unit and step.
    Returns: ipywidgets.VBox whose children are (HBox(step slider, unit slider), HTML, Image).
    """
    import html

    import ipywidgets as widgets

    from ..widgets import explorer, image_widget, render_png

    T, H = trace.c.shape
    _check_step_unit(trace, t, unit)
    step = widgets.IntSlider(value=t, min=0, max=T - 1, description="step t", style={"description_width": "initial"})
    which = widgets.IntSlider(value=unit, min=0, max=H - 1, description="unit", style={"description_width": "initial"})
    table = widgets.HTML()
    image = image_widget(FIGSIZE)  # natural size, drawn at 2x for HiDPI screens

    def redraw(_change=None):
        table.value = f"<pre>{html.escape(gate_table(trace, step.value, which.value))}</pre>"
        image.value = render_png(lambda fig: draw_gates(trace, which.value, step.value, fig=fig), FIGSIZE)

    step.observe(redraw, names="value")
    which.observe(redraw, names="value")
    redraw()
    return explorer([widgets.HBox([step, which]), table, image], f"gate inspector, {T} steps x {H} units")
